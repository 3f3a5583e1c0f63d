// SQLite checkpoints on a thread of their own: the writing connection never checkpoints, a worker
// copies the WAL into the database file a short while after commits, and if that thread cannot
// run, SQLite's own checkpoints come back.

import assert from 'node:assert/strict'
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { createSqliteStore, type SqliteOptions } from '../../src/store/sqlite/sqlite-store.ts'
import { AGENT1, basePlan } from './fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'workbins-checkpoint-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

async function fresh(options: SqliteOptions = {}) {
  const path = join(dir, `c-${++n}.sqlite`)
  const store = createSqliteStore(path, options)
  await store.migrate()
  await store.applyProvisioning(basePlan())
  return { store, path }
}

const session = (id: string) => ({
  id,
  userId: AGENT1,
  csrfToken: id,
  createdAt: 1,
  lastSeenAt: 1,
})

/** Sessions in the database FILE alone (a copy without its WAL): what checkpoints put there. */
function sessionsInFile(path: string): number {
  const copy = join(dir, `copy-${++n}.sqlite`)
  copyFileSync(path, copy)
  const db = new Database(copy, { readonly: true })
  try {
    return db.prepare('SELECT count(*) FROM http_sessions').pluck().get() as number
  } finally {
    db.close()
  }
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('SQLite checkpoints off the event loop', () => {
  it('the writer never checkpoints; the thread copies the WAL into the file after commits', async () => {
    const { store, path } = await fresh({ checkpointMs: 20 })
    try {
      assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 0)
      const before = store.checkpointStats?.runs ?? 0
      await Promise.all([1, 2, 3].map((k) => store.createSession(session(`s${k}`))))
      await until(
        'a checkpoint after the writes',
        () => (store.checkpointStats?.runs ?? 0) > before,
      )
      await until('the sessions in the file', () => sessionsInFile(path) === 3)
      assert.ok((store.checkpointStats?.framesCopied ?? 0) > 0)
      assert.equal(store.checkpointStats?.last?.busy, 0)
    } finally {
      await store.close()
    }
  })

  it('commits close together share one checkpoint', async () => {
    const { store } = await fresh({ checkpointMs: 200 })
    try {
      // Let the checkpoints of the set-up's commits pass.
      await until('the set-up checkpoint', () => (store.checkpointStats?.runs ?? 0) > 0)
      const before = store.checkpointStats?.runs ?? 0
      for (let k = 0; k < 20; k++) await store.createSession(session(`t${k}`))
      await until('a checkpoint', () => (store.checkpointStats?.runs ?? 0) > before)
      await new Promise((r) => setTimeout(r, 300))
      const runs = (store.checkpointStats?.runs ?? 0) - before
      assert.ok(runs >= 1 && runs <= 2, `20 quick commits took ${runs} checkpoints`)
    } finally {
      await store.close()
    }
  })

  it('starts once the writer pauses, and during steady writes at the latest after the delay', async () => {
    const { store } = await fresh({ checkpointMs: 5000 })
    try {
      await until('the set-up checkpoint', () => (store.checkpointStats?.runs ?? 0) > 0)
      const before = store.checkpointStats?.runs ?? 0
      const start = Date.now()
      await store.createSession(session('p1'))
      await until('a checkpoint after a pause', () => (store.checkpointStats?.runs ?? 0) > before)
      assert.ok(Date.now() - start < 2000, `a pause waited ${Date.now() - start} ms`)
    } finally {
      await store.close()
    }
    const { store: busy } = await fresh({ checkpointMs: 300 })
    try {
      await until('the set-up checkpoint', () => (busy.checkpointStats?.runs ?? 0) > 0)
      const before = busy.checkpointStats?.runs ?? 0
      // A commit every 10 ms for a second: never 50 ms of quiet.
      const end = Date.now() + 1000
      let k = 0
      let during = 0
      while (Date.now() < end) {
        await busy.createSession(session(`b${++k}`))
        during = (busy.checkpointStats?.runs ?? 0) - before
        await new Promise((r) => setTimeout(r, 10))
      }
      assert.ok(during >= 1, `no checkpoint in a second of steady writes (${k} commits)`)
    } finally {
      await busy.close()
    }
  })

  it('with 0, SQLite checkpoints as it always did and no thread runs', async () => {
    const { store, path } = await fresh({ checkpointMs: 0 })
    try {
      assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 1000)
      assert.equal(store.checkpointStats, undefined)
      await store.createSession(session('z'))
      await new Promise((r) => setTimeout(r, 100))
      // Far below 1,000 pages: still only in the WAL (the file has not even the tables).
      assert.throws(() => sessionsInFile(path), /no such table/)
    } finally {
      await store.close()
    }
  })

  it('close() waits for the thread, then the writer removes the WAL with the data in the file', async () => {
    const { store, path } = await fresh({ checkpointMs: 1 })
    await store.createSession(session('c1'))
    await store.close()
    assert.equal(existsSync(`${path}-wal`), false)
    assert.equal(sessionsInFile(path), 1)
    const db = new Database(path)
    try {
      assert.equal(db.prepare('SELECT count(*) FROM http_sessions').pluck().get(), 1)
    } finally {
      db.close()
    }
  })

  it('a thread that cannot open the database hands checkpoints back to SQLite', async () => {
    const errors: [string, boolean][] = []
    const { store, path } = await fresh({
      checkpointMs: 300,
      onCheckpointError: (err, lost) => errors.push([err.message, lost]),
    })
    // The writer keeps its open file; the thread, started at the first checkpoint, finds none.
    renameSync(path, `${path}.moved`)
    try {
      await until('the failure', () => errors.length > 0)
      assert.equal(errors.length, 1)
      assert.equal(errors[0]?.[1], true)
      assert.match(errors[0]?.[0] ?? '', /could not open the database: SQLITE_CANTOPEN/)
      assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 1000)
      assert.equal(store.checkpointStats?.threadLost, true)
      assert.equal(store.checkpointStats?.runs, 0)
      // Writes go on.
      await store.createSession(session('after'))
    } finally {
      renameSync(`${path}.moved`, path)
      await store.close()
    }
    const db = new Database(path, { readonly: true })
    try {
      assert.equal(db.prepare('SELECT count(*) FROM http_sessions').pluck().get(), 1)
    } finally {
      db.close()
    }
  })
})
