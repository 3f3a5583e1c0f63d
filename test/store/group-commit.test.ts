// SQLite group commit: the writes of one event-loop turn share one transaction, each in its own
// savepoint; a write fails alone; nothing is answered before it is committed; close() commits
// what was queued; fsync (synchronous = FULL) is the default.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { GwsError, StatusCode } from '../../src/errors.ts'
import { createSqliteStore, type SqliteOptions } from '../../src/store/sqlite/sqlite-store.ts'
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

  it('fsyncs every commit by default; `normal` is the opt-out', async () => {
    const full = await fresh()
    const normal = await fresh({ synchronous: 'normal' })
    try {
      // PRAGMA synchronous: 2 = FULL, 1 = NORMAL.
      assert.equal(full.store.db.pragma('synchronous', { simple: true }), 2)
      assert.equal(normal.store.db.pragma('synchronous', { simple: true }), 1)
    } finally {
      await full.store.close()
      await normal.store.close()
    }
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
