// `workbins backup FILE`: an online copy of the SQLite database taken by the command, as a
// separate process, while the server runs and writes; the copy is whole and a server starts on it.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { ApiClient } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: root, timeout: 60_000, env: { ...process.env, WORKBINS_DB: '' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

describe('workbins backup', () => {
  let dir: string
  let server: TestServer
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'workbins-backup-'))
    server = await startServer({ provision: basicDocument() })
  })
  after(async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('copies the live database while the server writes; the copy is whole and serves', async () => {
    // Basic on every request: each one is a login that writes a new HTTP session row.
    const api = new ApiClient(server.apiUrl, 'agent1', PASSWORD, { basicAlways: true })
    let writing = true
    let writes = 0
    const writer = (async () => {
      while (writing) {
        assert.equal((await api.get('/me')).status, 200)
        writes++
      }
    })()
    const file = join(dir, 'copy.db')
    const r = await cli(['backup', file, '--db', server.dbPath])
    writing = false
    await writer
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^backed up .* \(schema version \d+, \d+ pages, integrity ok\)\n$/)
    assert.ok(writes > 0, 'the server wrote during the backup')

    // One self-contained file: no -wal beside it, no partial file left.
    assert.equal(existsSync(`${file}-wal`), false)
    const copy = new Database(file, { readonly: true, fileMustExist: true })
    try {
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok')
      assert.equal(copy.pragma('journal_mode', { simple: true }), 'delete')
      const users = copy.prepare('SELECT user_name FROM users ORDER BY user_name').pluck().all()
      assert.deepEqual(users, ['admin1', 'agent1', 'agent2', 'api1', 'other1', 'sup1'])
    } finally {
      copy.close()
    }

    // Restore = start a server on the copy.
    const restored = await startServer({ dbPath: file })
    try {
      const me = await new ApiClient(restored.apiUrl, 'agent1', PASSWORD).get('/me')
      assert.equal(me.status, 200)
    } finally {
      await restored.close()
    }
  })

  test('never overwrites a file', async () => {
    const file = join(dir, 'taken.db')
    writeFileSync(file, 'keep me')
    const r = await cli(['backup', file, '--db', server.dbPath])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /already exists; a backup never overwrites a file/)
  })

  test('refuses a database that does not exist, without creating one', async () => {
    const missing = join(dir, 'missing.db')
    const r = await cli(['backup', join(dir, 'out.db'), '--db', missing])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /no database at/)
    assert.equal(existsSync(missing), false)
    assert.equal(existsSync(join(dir, 'out.db')), false)
  })

  test('for PostgreSQL, says to use pg_dump and hides the password', async () => {
    const r = await cli(['backup', join(dir, 'pg.db'), '--db', 'postgres://u:secret@db/x'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /use pg_dump/)
    assert.doesNotMatch(r.stderr, /secret/)
  })

  test('needs a FILE', async () => {
    const r = await cli(['backup'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /backup needs a FILE/)
  })
})
