// A disk that refuses writes (docs/operations.md, "Probes"): a read-only SQLite file is refused
// at start; a write the disk refuses (full, read-only, I/O error) is answered 503 with
// Retry-After, and /ready answers 503 until a write is stored again. Real files and processes.

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type Database from 'better-sqlite3'
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { StoreUnavailableError } from '../../src/store/store-errors.ts'
import { ROOT } from '../helpers/build.ts'
import { basic } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const dir = mkdtempSync(join(tmpdir(), 'workbins-refused-'))

const isRoot = process.getuid?.() === 0
/** The uid/gid of `nobody`: root writes any file whatever its mode. */
const NOBODY = 65534

/** Runs the server until it exits or prints its ready line (then stops it). */
async function startOrExit(
  env: Record<string, string>,
  asUser?: number,
): Promise<{ code: number | null; output: string; ready: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', WORKBINS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asUser === undefined ? {} : { uid: asUser, gid: asUser }),
  })
  let output = ''
  let ready = false
  const onData = (d: Buffer) => {
    output += d.toString()
    if (!ready && output.includes('workbins ready:')) {
      ready = true
      child.kill('SIGTERM')
    }
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const [code] = (await once(child, 'exit')) as [number | null]
  clearTimeout(timer)
  return { code, output, ready }
}

describe('a SQLite file this process cannot write', () => {
  it('is refused at start with one line naming WORKBINS_DB and the path', async () => {
    const sub = join(dir, 'ro')
    mkdirSync(sub)
    const path = join(sub, 'w.db')
    const made = createSqliteStore(path)
    await made.migrate()
    await made.close()
    // Read-only for the server: as root, by running it as nobody (mode 0444 does not stop root).
    chmodSync(dir, 0o755)
    chmodSync(sub, 0o777)
    chmodSync(path, 0o444)
    const r = await startOrExit({ WORKBINS_DB: path }, isRoot ? NOBODY : undefined)
    assert.equal(r.ready, false, `started on a read-only file:\n${r.output}`)
    assert.equal(r.code, 1)
    const lines = r.output.trim().split('\n')
    assert.equal(lines.length, 1, r.output)
    assert.match(
      lines[0] as string,
      new RegExp(`^workbins: WORKBINS_DB=${path}: .*cannot be written`),
    )
    assert.match(r.output, /SQLITE_READONLY/)
  })
})

/** Writes to the store's own connection fail with SQLITE_READONLY while this is on. */
const queryOnly = (db: Database.Database, on: boolean) => db.pragma(`query_only = ${on ? 1 : 0}`)

describe('writes the disk refuses (SQLITE_READONLY through PRAGMA query_only)', () => {
  it('the store answers StoreUnavailableError and ping() fails until a write is stored', async () => {
    const store: SqliteStore = createSqliteStore(join(dir, 'qo.db'))
    await store.migrate()
    await store.ping()
    queryOnly(store.db, true)
    await assert.rejects(
      store.createSession({
        id: 'S1',
        userId: 'nobody',
        createdAt: 0,
        lastSeenAt: 0,
      } as never),
      (err: unknown) => err instanceof StoreUnavailableError && /SQLITE_READONLY/.test(err.detail),
    )
    await assert.rejects(store.ping(), StoreUnavailableError)
    await assert.rejects(store.ping(), StoreUnavailableError, 'still refused: still not ready')
    queryOnly(store.db, false)
    await store.ping()
    await store.close()
  })

  it('over HTTP: 503 with Retry-After in the GWS envelope, /ready 503, then ready again', async () => {
    const server = await startServer({ demo: true })
    try {
      const db = (server.app.store as SqliteStore).db
      const me = () =>
        fetch(`${server.apiUrl}/me`, { headers: { authorization: basic('agent1', 'agent1pass') } })
      assert.equal((await me()).status, 200)
      queryOnly(db, true)
      const refused = await fetch(`${server.apiUrl}/me`, {
        headers: { authorization: basic('agent2', 'agent2pass') },
      })
      assert.equal(refused.status, 503)
      assert.equal(refused.headers.get('retry-after'), '1')
      const body = (await refused.json()) as { statusCode: number; statusMessage: string }
      assert.equal(body.statusCode, 4)
      assert.match(body.statusMessage, /retry later/)
      assert.equal((await fetch(`${server.url}/ready`)).status, 503)
      assert.equal((await fetch(`${server.url}/ready`)).status, 503)
      queryOnly(db, false)
      const ready = await fetch(`${server.url}/ready`)
      assert.equal(ready.status, 200)
      assert.deepEqual(await ready.json(), { statusCode: 0, status: 'ready' })
      assert.equal((await me()).status, 200)
    } finally {
      await server.close()
    }
  })
})

/** Why the disk-full test cannot run here, or undefined. */
function tmpfsSkip(mountPoint: string): string | undefined {
  if (!isRoot) return 'mounting a small tmpfs needs root'
  mkdirSync(mountPoint, { recursive: true })
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint])
  if (r.error || r.status !== 0) {
    return `cannot mount a tmpfs (${r.error?.message ?? r.stderr.toString().trim()})`
  }
  return undefined
}

const full = join(dir, 'full')
const fullSkip = tmpfsSkip(full)
if (fullSkip) process.stderr.write(`# skipping the disk-full test: ${fullSkip}\n`)
after(() => {
  if (!fullSkip) spawnSync('umount', [full])
  rmSync(dir, { recursive: true, force: true })
})

describe('a full disk', { skip: fullSkip }, () => {
  it('a refused write is 503 with Retry-After, /ready 503 until space is back', async () => {
    const server: TestServer = await startServer({ demo: true, dbPath: join(full, 'w.db') })
    const filler = join(full, 'filler')
    try {
      const db = (server.app.store as SqliteStore).db
      const queue = db.prepare('SELECT name FROM queues LIMIT 1').pluck().get() as string
      const big = 'x'.repeat(15_000)
      const create = (n: number) =>
        fetch(`${server.apiUrl}/interactions`, {
          method: 'POST',
          headers: { authorization: basic('api1', 'api1pass'), 'content-type': 'application/json' },
          body: JSON.stringify({
            operationName: 'Create',
            mediaType: 'workitem',
            queue,
            userData: { n: String(n), big },
          }),
        })
      assert.equal((await create(0)).status, 200)
      // Leave the disk almost no room.
      const { bavail, bsize } = statfsSync(full)
      try {
        writeFileSync(filler, Buffer.alloc(Number(bavail) * Number(bsize)))
      } catch {
        // ENOSPC part way: full is what is wanted
      }
      let refused: Response | undefined
      for (let n = 1; n <= 100 && !refused; n++) {
        const r = await create(n)
        if (r.status !== 200) refused = r
        else await r.arrayBuffer()
      }
      assert.ok(refused, 'no write was refused on a full disk')
      assert.equal(refused.status, 503)
      assert.equal(refused.headers.get('retry-after'), '1')
      const body = (await refused.json()) as { statusCode: number; statusMessage: string }
      assert.equal(body.statusCode, 4)
      assert.equal((await fetch(`${server.url}/ready`)).status, 503)
      rmSync(filler)
      let ready = 0
      for (let i = 0; i < 50 && ready !== 200; i++) {
        ready = (await fetch(`${server.url}/ready`)).status
        if (ready !== 200) await new Promise((r) => setTimeout(r, 100))
      }
      assert.equal(ready, 200, '/ready did not recover once space was back')
      assert.equal((await create(1000)).status, 200)
    } finally {
      rmSync(filler, { force: true })
      await server.close({ keepDb: true })
    }
  })
})
