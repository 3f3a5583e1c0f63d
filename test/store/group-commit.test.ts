// SQLite group commit: the writes of one event-loop turn share one transaction, each in its own
// savepoint; a write fails alone; nothing is answered before it is committed; close() commits
// what was queued; fsync (synchronous = FULL) is the default.

import assert from 'node:assert/strict'
import { fdatasync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import pino from 'pino'
import type { BayeuxServer } from '../../src/bayeux/index.ts'
import { FeedPump } from '../../src/notifications/feed-pump.ts'
import { GwsError, StatusCode } from '../../src/errors.ts'
import { GroupCommit } from '../../src/store/sqlite/group-commit.ts'
import { createSqliteStore, type SqliteOptions } from '../../src/store/sqlite/sqlite-store.ts'
import { DurabilityError, type SyncFn } from '../../src/store/sqlite/wal-sync.ts'
import { AGENT1, AGENT2, basePlan } from './fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'workbins-group-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

async function fresh(options: SqliteOptions = {}) {
  const path = join(dir, `g-${++n}.sqlite`)
  const store = createSqliteStore(path, options)
  await store.migrate()
  await store.applyProvisioning(basePlan())
  return { store, path }
}

const session = (id: string, userId = AGENT1) => ({
  id,
  userId,
  csrfToken: id,
  createdAt: 1,
  lastSeenAt: 1,
})

const countSessions = (path: string): number => {
  // Another connection: sees only what was committed.
  const other = new Database(path, { readonly: true })
  try {
    return other.prepare('SELECT count(*) FROM http_sessions').pluck().get() as number
  } finally {
    other.close()
  }
}

/**
 * The real fdatasync, until `hold()`: from then on each flush waits for `release()` (which runs
 * it) or `fail()`.
 */
function heldFlush() {
  const held: { fd: number; done: (err: Error | null) => void }[] = []
  let holding = false
  const flush: SyncFn = (fd, done) => {
    if (holding) held.push({ fd, done })
    else fdatasync(fd, done)
  }
  const next = () => {
    const h = held.shift()
    assert.ok(h, 'a flush was started')
    return h
  }
  return {
    flush,
    held,
    hold: () => (holding = true),
    /** Run the oldest held flush; resolves once it has reported. */
    release: () =>
      new Promise<void>((resolve) => {
        const h = next()
        fdatasync(h.fd, (err) => {
          h.done(err)
          resolve()
        })
      }),
    fail: (err: Error) => next().done(err),
    /** Stop holding: run every held flush. */
    letGo: () => {
      holding = false
      for (const h of held.splice(0)) fdatasync(h.fd, h.done)
    },
  }
}

/** Whether `p` has settled, after the event loop ran what was ready. */
function tracked(p: Promise<unknown>): () => Promise<boolean> {
  let done = false
  p.then(
    () => (done = true),
    () => (done = true),
  )
  return async () => {
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setImmediate(r))
    return done
  }
}

describe('SQLite group commit', () => {
  it('commits the writes of one turn in one transaction, answered after the commit', async () => {
    const { store, path } = await fresh()
    try {
      const before = { ...store.commitStats }
      const writes = Array.from({ length: 40 }, (_, i) =>
        store.createSession(session(`s${i}`, i % 2 ? AGENT1 : AGENT2)),
      )
      assert.equal(countSessions(path), 0, 'nothing is committed before the turn ends')
      await Promise.all(writes)
      assert.equal(countSessions(path), 40, 'every answered write is visible to another connection')
      assert.equal(store.commitStats.commits - before.commits, 1)
      assert.equal(store.commitStats.writes - before.writes, 40)
    } finally {
      await store.close()
    }
  })

  it('fails one write alone: the others of its batch commit', async () => {
    const { store, path } = await fresh()
    try {
      await store.createSession(session('taken'))
      const results = await Promise.allSettled([
        store.createSession(session('a')),
        store.createSession(session('taken')),
        store.createSession(session('b')),
      ])
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      )
      const err = (results[1] as PromiseRejectedResult).reason
      assert.ok(err instanceof GwsError)
      assert.equal(err.statusCode, StatusCode.ALREADY_EXISTS)
      assert.equal(countSessions(path), 3)
    } finally {
      await store.close()
    }
  })

  it('undoes the part of a failed write it had already made, and only that', async () => {
    const db = new Database(join(dir, `direct-${++n}.sqlite`))
    try {
      db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)')
      const group = new GroupCommit(db, 16, (err) => err)
      const insert = db.prepare('INSERT INTO t (k) VALUES (?)')
      const results = await Promise.allSettled([
        group.run('a', () => insert.run('a')),
        group.run('half', () => {
          insert.run('half')
          throw new Error('after its first statement')
        }),
        group.run('b', () => insert.run('b')),
      ])
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      )
      assert.equal(group.stats.commits, 1, 'one transaction')
      assert.deepEqual(db.prepare('SELECT k FROM t ORDER BY k').pluck().all(), ['a', 'b'])
    } finally {
      db.close()
    }
  })

  it('splits a long queue into batches of groupCommitMax', async () => {
    const { store } = await fresh({ groupCommitMax: 4 })
    try {
      const before = store.commitStats.commits
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.createSession(session(`m${i}`))))
      assert.equal(store.commitStats.commits - before, 3)
    } finally {
      await store.close()
    }
  })

  it('groupCommitMax 0: one transaction per write, committed before the call returns', async () => {
    const { store, path } = await fresh({ groupCommitMax: 0 })
    try {
      const before = store.commitStats.commits
      const p = store.createSession(session('solo'))
      assert.equal(countSessions(path), 1)
      await p
      await Promise.all([store.createSession(session('x')), store.createSession(session('y'))])
      assert.equal(store.commitStats.commits - before, 3)
    } finally {
      await store.close()
    }
  })

  it('close() commits the writes already asked for', async () => {
    const { store, path } = await fresh()
    const pending = store.createSession(session('late'))
    await store.close()
    await pending
    assert.equal(countSessions(path), 1)
  })

  it('answers a write only after a flush that began after its commit; gathers the next batch meanwhile', async () => {
    const h = heldFlush()
    const { store, path } = await fresh({ flushWal: h.flush })
    try {
      h.hold()
      // PRAGMA synchronous 1 = NORMAL: COMMIT itself does not fsync; the flush does.
      assert.equal(store.db.pragma('synchronous', { simple: true }), 1)
      const a = store.createSession(session('a'))
      const aDone = tracked(a)
      assert.equal(await aDone(), false)
      assert.equal(countSessions(path), 1, 'committed (visible to another connection)...')
      assert.equal(h.held.length, 1, '...and its flush started')
      // Asked for while that flush runs: gathered, and committed once it is done.
      const b = store.createSession(session('b'))
      const bDone = tracked(b)
      assert.equal(await bDone(), false)
      assert.equal(countSessions(path), 1, 'b waits for the flush under way')
      await h.release()
      assert.equal(await aDone(), true, 'a is answered after its flush')
      assert.equal(countSessions(path), 2, 'b is committed after it...')
      assert.equal(await bDone(), false, '...and waits for a flush of its own')
      assert.equal(h.held.length, 1, 'a second flush began for b')
      // A read that sees `b` (committed, not yet on disk) waits for b's flush too.
      const read = tracked(store.getSession('b'))
      assert.equal(await read(), false)
      await h.release()
      assert.equal(await bDone(), true)
      assert.equal(await read(), true)
      assert.deepEqual(await store.getSession('b'), session('b'))
    } finally {
      h.letGo()
      await store.close()
    }
  })

  it('lets held calls go a few dozen per turn of the event loop, not all in one', async () => {
    const h = heldFlush()
    const { store } = await fresh({ flushWal: h.flush })
    try {
      h.hold()
      const write = store.createSession(session('w'))
      assert.equal(await tracked(write)(), false, 'committed, its flush held')
      // Thousands of clients reconnecting at once: their reads wait for the same flush.
      let settled = 0
      const reads = Array.from({ length: 500 }, () => store.getSession('w').then(() => settled++))
      await new Promise((r) => setImmediate(r))
      assert.equal(settled, 0)
      const flush = h.held.shift()!
      const inTheFirstTurn = await new Promise<number>((resolve) => {
        fdatasync(flush.fd, (err) => {
          flush.done(err)
          // Queued after the first release, before the work it let go could queue more.
          setImmediate(() => resolve(settled))
        })
      })
      assert.ok(inTheFirstTurn > 0, 'some are let go at once')
      assert.ok(inTheFirstTurn < 500, `not all in one turn (${inTheFirstTurn})`)
      await Promise.all([write, ...reads])
      assert.equal(settled, 500)
    } finally {
      h.letGo()
      await store.close()
    }
  })

  it('answers reads at once when everything committed is on disk', async () => {
    const h = heldFlush()
    const { store } = await fresh({ flushWal: h.flush })
    try {
      h.hold()
      assert.equal(await tracked(store.getSession('none'))(), true)
      assert.equal(h.held.length, 0, 'a read starts no flush')
    } finally {
      await store.close()
    }
  })

  it('a failed flush fails its writes, and every later write and read, with a clear error', async () => {
    const h = heldFlush()
    const { store } = await fresh({ flushWal: h.flush })
    try {
      h.hold()
      const a = store.createSession(session('a'))
      await new Promise((r) => setImmediate(r))
      const aRead = store.getSession('a') // sees `a`, committed and not yet on disk
      h.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))
      const outcomes = await Promise.allSettled([
        a,
        aRead,
        store.createSession(session('b')),
        store.getSession('x'),
      ])
      for (const o of outcomes) {
        assert.equal(o.status, 'rejected')
        const err: unknown = o.reason
        assert.ok(err instanceof DurabilityError)
        assert.equal(err.httpStatus, 500)
        assert.match(err.message, /could not be flushed to disk \(EIO.*must be restarted/)
      }
    } finally {
      await store.close()
    }
  })

  it('fsyncs inside COMMIT without group commit; `normal` is the opt-out of flushing', async () => {
    const solo = await fresh({ groupCommitMax: 0 })
    const h = heldFlush()
    const normal = await fresh({ synchronous: 'normal', flushWal: h.flush })
    try {
      // PRAGMA synchronous: 2 = FULL, 1 = NORMAL.
      assert.equal(solo.store.db.pragma('synchronous', { simple: true }), 2)
      assert.equal(normal.store.db.pragma('synchronous', { simple: true }), 1)
      h.hold()
      await normal.store.createSession(session('n'))
      assert.equal(h.held.length, 0, '`normal` never flushes')
    } finally {
      await solo.store.close()
      await normal.store.close()
    }
  })

  it('close() waits for the flush under way', async () => {
    const h = heldFlush()
    const { store, path } = await fresh({ flushWal: h.flush })
    h.hold()
    const pending = tracked(store.createSession(session('late')))
    const closing = tracked(store.close())
    assert.equal(await closing(), false)
    await h.release()
    assert.equal(await closing(), true)
    assert.equal(await pending(), true)
    assert.equal(countSessions(path), 1)
  })

  it('a pump of depth 2 has its next batch committed as soon as the last fsync is done', async () => {
    const commitsAfterFirstFlush = async (depth: number) => {
      const h = heldFlush()
      const { store } = await fresh({ flushWal: h.flush })
      const delivered: string[] = []
      const bayeux = { deliverFeed: (u: string) => delivered.push(u) } as unknown as BayeuxServer
      // One user per batch, so that two users make two batches.
      const pump = new FeedPump(store, () => bayeux, pino({ level: 'silent' }), 1, depth)
      try {
        for (const u of [AGENT1, AGENT2]) {
          pump.presence(u, true)
          await pump.ready(u)
        }
        await store.appendNotifications(
          [AGENT1, AGENT2].map((userId) => ({ userId, channel: '/workbins/x', data: {} })),
        )
        h.hold()
        const before = store.commitStats.commits
        pump.wake(AGENT1)
        pump.wake(AGENT2)
        while (h.held.length === 0) await new Promise((r) => setImmediate(r))
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
        assert.equal(store.commitStats.commits - before, 1, 'the first batch waits for its fsync')
        await h.release()
        const commits = store.commitStats.commits - before
        h.letGo()
        while (delivered.length < 2) await new Promise((r) => setImmediate(r))
        assert.deepEqual(delivered, [AGENT1, AGENT2])
        return commits
      } finally {
        h.letGo()
        await store.close()
      }
    }
    assert.equal(
      await commitsAfterFirstFlush(2),
      2,
      'depth 2: asked for already, committed at once',
    )
    assert.equal(await commitsAfterFirstFlush(1), 1, 'depth 1: asked for after the delivery')
  })

  it("reads many users' feeds asked for in one run in one write", async () => {
    const { store } = await fresh()
    const users = [AGENT1, AGENT2]
    await store.appendNotifications(
      users.map((userId) => ({ userId, channel: '/workbins/x', data: { to: userId } })),
    )
    const before = store.commitStats.writes
    const reads = await Promise.all(users.map((u) => store.advanceAndReadFeed(u, 0, 10)))
    assert.equal(store.commitStats.writes - before, 1)
    assert.deepEqual(
      reads.map((r) => (r.ok ? r.messages.map((m) => JSON.parse(m.data) as unknown) : r)),
      users.map((to) => [{ to }]),
    )
    await store.close()
  })
})
