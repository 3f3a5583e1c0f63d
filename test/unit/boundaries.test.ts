// The layer boundaries of eslint.config.js are enforced: each rule reports a deliberate
// violation, and the source tree has none.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'

const root = fileURLToPath(new URL('../../', import.meta.url))
const eslint = new ESLint({ cwd: root })

/** The messages of no-restricted-imports for `code` placed at `filePath`. */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  assert.ok(result)
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

const refused: [string, string][] = [
  // the domain: no transport, no CometD server, no provisioning, no SQL
  ['src/workbins/x.ts', "import Fastify from 'fastify'"],
  ['src/workbins/x.ts', "import { WebSocketServer } from 'ws'"],
  ['src/workbins/x.ts', "import Database from 'better-sqlite3'"],
  ['src/workbins/x.ts', "import pg from 'pg'"],
  ['src/workbins/x.ts', "import { callerOf } from '../http/context.ts'"],
  ['src/workbins/x.ts', "import { meRoutes } from '../http/routes/me.ts'"],
  ['src/workbins/x.ts', "import { BayeuxServer } from '../bayeux/index.ts'"],
  ['src/workbins/x.ts', "import { applyDocument } from '../provision/index.ts'"],
  ['src/workbins/x.ts', "import { SqliteStore } from '../store/sqlite/sqlite-store.ts'"],
  ['src/workbins/x.ts', "import { createPgStore } from '../store/postgres/pg-store.ts'"],
  ['src/workbins/sub/x.ts', "import type { Caller } from '../../http/context.ts'"],
  // the CometD server: no domain, no store, no REST, no provisioning
  ['src/bayeux/x.ts', "import { WORKBINS_CHANNEL } from '../workbins/notifier.ts'"],
  ['src/bayeux/x.ts', "import type { Store } from '../store/store.ts'"],
  ['src/bayeux/x.ts', "import { callerOf } from '../http/context.ts'"],
  ['src/bayeux/x.ts', "import { applyDocument } from '../provision/index.ts'"],
  ['src/bayeux/server.ts', "import { WORKBINS_CHANNEL } from '../workbins/notifier.ts'"],
  // REST: the Store port, never an adapter
  ['src/http/x.ts', "import Database from 'better-sqlite3'"],
  ['src/http/x.ts', "import pg from 'pg'"],
  ['src/http/routes/x.ts', "import { SqliteStore } from '../../store/sqlite/sqlite-store.ts'"],
  ['src/http/x.ts', "import { createPgStore } from '../store/postgres/pg-store.ts'"],
  // nobody but the composition root picks an adapter
  ['src/provision/x.ts', "import { SqliteStore } from '../store/sqlite/sqlite-store.ts'"],
]

const allowed: [string, string][] = [
  ['src/workbins/x.ts', "import type { Store } from '../store/store.ts'"],
  ['src/workbins/x.ts', "import { errors } from '../errors.ts'"],
  ['src/http/x.ts', "import { actorFor } from '../workbins/access.ts'"],
  ['src/app.ts', "import { SqliteStore } from './store/sqlite/sqlite-store.ts'"],
  ['src/store/open-store.ts', "import { SqliteStore } from './sqlite/sqlite-store.ts'"],
]

describe('layer boundaries (eslint.config.js)', () => {
  for (const [filePath, code] of refused) {
    it(`refuses in ${filePath}: ${code}`, async () => {
      const found = await violations(filePath, `${code}\nexport {}\n`)
      assert.equal(found.length, 1, `expected one boundary violation, got ${found.length}`)
    })
  }

  for (const [filePath, code] of allowed) {
    it(`accepts in ${filePath}: ${code}`, async () => {
      assert.deepEqual(await violations(filePath, `${code}\nexport {}\n`), [])
    })
  }

  it('the source tree crosses no boundary', async () => {
    const results = await eslint.lintFiles(['src/'])
    const found = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === 'no-restricted-imports')
        .map((m) => `${r.filePath.slice(root.length)}:${m.line} ${m.message}`),
    )
    assert.deepEqual(found, [])
  })
})
