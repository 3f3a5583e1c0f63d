// Start-up failures an operator meets (docs/operations.md, "Start-up errors"): one line on
// stderr naming the setting and its value, no stack trace, exit code 1. Real processes.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { ROOT } from '../helpers/build.ts'

const dir = mkdtempSync(join(tmpdir(), 'workbins-starterr-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the server until it exits or prints its ready line (then stops it). */
async function start(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', WORKBINS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const onData = (d: Buffer) => {
    output += d.toString()
    if (output.includes('workbins ready:')) child.kill('SIGTERM')
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const [code] = (await once(child, 'exit')) as [number | null]
  clearTimeout(timer)
  return { code, output }
}

/** Exit 1 with exactly one line, matching `line`. */
function assertOneLine(r: { code: number | null; output: string }, line: RegExp): void {
  assert.equal(r.code, 1, r.output)
  assert.equal(r.output.trim().split('\n').length, 1, `not one line:\n${r.output}`)
  assert.match(r.output.trim(), line)
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { port: (server.address() as { port: number }).port, server }
}

describe('start-up errors name the setting in one line', () => {
  it('WORKBINS_DB is a directory', async () => {
    const path = join(dir, 'isdir.db')
    mkdirSync(path)
    assertOneLine(
      await start({ WORKBINS_DB: path }),
      new RegExp(`^workbins: WORKBINS_DB=${escape(path)} is a directory`),
    )
  })

  it('WORKBINS_DB is not a database', async () => {
    const path = join(dir, 'junk.db')
    writeFileSync(path, 'this is not a SQLite database, only some text. '.repeat(20))
    assertOneLine(
      await start({ WORKBINS_DB: path }),
      new RegExp(`^workbins: WORKBINS_DB=${escape(path)} is not a SQLite database`),
    )
  })

  it("WORKBINS_DB's folder cannot be created", async () => {
    // Under a plain file: refused to root too (ENOTDIR), as EACCES is only to other users.
    const file = join(dir, 'plain')
    writeFileSync(file, '')
    const path = join(file, 'sub', 'w.db')
    assertOneLine(
      await start({ WORKBINS_DB: path }),
      new RegExp(`^workbins: WORKBINS_DB=${escape(path)}: cannot create its folder: ENOTDIR`),
    )
  })

  it('the schema is newer than the server', async () => {
    const path = join(dir, 'newer.db')
    const store = createSqliteStore(path)
    await store.migrate()
    await store.close()
    const db = new Database(path)
    db.prepare("INSERT INTO schema_migrations VALUES (9999, 'future', 'x')").run()
    db.close()
    assertOneLine(
      await start({ WORKBINS_DB: path }),
      new RegExp(
        `^workbins: WORKBINS_DB=${escape(path)}: database schema version 9999 is newer than this server knows \\(\\d+\\); upgrade the server$`,
      ),
    )
  })

  it('the metrics port and the API port in use are told apart', async () => {
    const held = await holdPort()
    try {
      const db = join(dir, 'ports.db')
      assertOneLine(
        await start({
          WORKBINS_DB: db,
          WORKBINS_METRICS: '1',
          WORKBINS_METRICS_PORT: String(held.port),
        }),
        new RegExp(`^workbins: WORKBINS_METRICS_PORT=${held.port}: cannot listen: .*EADDRINUSE`),
      )
      assertOneLine(
        await start({ WORKBINS_DB: db, PORT: String(held.port) }),
        new RegExp(`^workbins: PORT=${held.port}: cannot listen: .*EADDRINUSE`),
      )
    } finally {
      held.server.close()
    }
  })
})
