// On SQLite a feed's numbers are kept as runs: one row per advance holding the log ids of the
// consecutive numbers it gave (migration 10), instead of one row per number. Reads from any
// point and with any limit, the sweep (which may take part of a run), and the rows written one
// per number before the upgrade (still read, emptied by the sweep) are checked here.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import type { FeedRead } from '../../src/store/notification-log.ts'
import { MIGRATIONS, runMigrations } from '../../src/store/sqlite/migrations.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { AGENT1, basePlan, WB_GROUP } from './fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'workbins-runs-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

const GROUP = { workbinId: WB_GROUP, owner: 'group-1' }
const shared = (k: number) => ({ instance: GROUP, channel: '/c', data: { k } })

/** [seq, k] of each message read, or the refusal. */
const got = (r: FeedRead) =>
  r.ok ? r.messages.map((m) => [m.seq, (JSON.parse(m.data) as { k: number }).k]) : r.reason

function count(path: string, sql: string): number {
  const db = new Database(path, { readonly: true })
  try {
    return db.prepare(sql).pluck().get() as number
  } finally {
    db.close()
  }
}

async function freshStore() {
  const path = join(dir, `r-${++n}.sqlite`)
  const store = createSqliteStore(path)
  await store.migrate()
  await store.applyProvisioning(basePlan())
  await store.addSubscriptions(AGENT1, [GROUP])
  return { path, store }
}

describe('SQLite feed numbers kept as runs', () => {
  it('writes one row per advance and reads from any number with any limit', async () => {
    const { path, store } = await freshStore()
    try {
      await store.appendNotifications([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(shared))
      assert.equal(await store.advanceFeed(AGENT1, 3), 3)
      assert.equal(await store.advanceFeed(AGENT1, 1), 4)
      assert.equal(await store.advanceFeed(AGENT1, 100), 10)
      assert.equal(count(path, 'SELECT count(*) FROM user_message_runs'), 3)
      assert.equal(count(path, 'SELECT count(*) FROM user_messages'), 0)
      // Entry k has number k: every window of the feed reads as that.
      for (let from = 0; from <= 10; from++) {
        for (const limit of [1, 2, 3, 4, 11]) {
          const want = []
          for (let s = from + 1; s <= Math.min(10, from + limit); s++) want.push([s, s])
          assert.deepEqual(got(await store.readFeed(AGENT1, from, limit)), want, `${from}+${limit}`)
        }
      }
    } finally {
      await store.close()
    }
  })

  it('refuses the swept part of a run and reads the rest; the row goes with its newest entry', async () => {
    const { path, store } = await freshStore()
    try {
      await store.appendNotifications([shared(1), shared(2), shared(3)])
      assert.equal(await store.advanceFeed(AGENT1, 10), 3)
      assert.equal(await store.sweepNotifications(Date.now() + 1000, 2), 2)
      assert.equal(got(await store.readFeed(AGENT1, 0, 10)), 'gone')
      assert.equal(got(await store.readFeed(AGENT1, 1, 10)), 'gone')
      assert.deepEqual(got(await store.readFeed(AGENT1, 2, 10)), [[3, 3]])
      assert.equal(count(path, 'SELECT count(*) FROM user_message_runs'), 1)
      assert.equal(await store.sweepNotifications(Date.now() + 1000, 10), 1)
      assert.equal(count(path, 'SELECT count(*) FROM user_message_runs'), 0)
    } finally {
      await store.close()
    }
  })

  it('still reads numbers written one row each before the upgrade, then the new ones', async () => {
    const path = join(dir, `r-${++n}.sqlite`)
    // A database as the server before runs left it: three entries numbered 1–3 one row each.
    const old = new Database(path)
    runMigrations(
      old,
      MIGRATIONS.filter((m) => m.version < 10),
    )
    const long = Date.now() - 60_000
    for (const k of [1, 2, 3]) {
      const id = old
        .prepare(
          `INSERT INTO notification_log (user_id, channel, data, created_at) VALUES (?, '/c', ?, ?)`,
        )
        .run(AGENT1, JSON.stringify({ k }), long).lastInsertRowid
      old
        .prepare('INSERT INTO user_messages (user_id, seq, log_id) VALUES (?, ?, ?)')
        .run(AGENT1, k, id)
    }
    old
      .prepare('INSERT INTO user_feeds (user_id, seq, position, reset_seq) VALUES (?, 3, 3, 0)')
      .run(AGENT1)
    old.close()

    const store = createSqliteStore(path)
    try {
      await store.migrate()
      await store.applyProvisioning(basePlan())
      await store.appendNotifications([{ userId: AGENT1, channel: '/c', data: { k: 4 } }])
      await store.appendNotifications([{ userId: AGENT1, channel: '/c', data: { k: 5 } }])
      assert.equal(await store.advanceFeed(AGENT1, 10), 5)
      assert.deepEqual(got(await store.readFeed(AGENT1, 0, 10)), [
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
        [5, 5],
      ])
      assert.deepEqual(got(await store.readFeed(AGENT1, 1, 2)), [
        [2, 2],
        [3, 3],
      ])
      assert.deepEqual(got(await store.readFeed(AGENT1, 2, 2)), [
        [3, 3],
        [4, 4],
      ])
      assert.deepEqual(got(await store.readFeed(AGENT1, 3, 1)), [[4, 4]])
      // The old entries age out: the old table is emptied with them, the new numbers stay.
      assert.equal(await store.sweepNotifications(Date.now() - 30_000, 100), 3)
      assert.equal(count(path, 'SELECT count(*) FROM user_messages'), 0)
      assert.equal(got(await store.readFeed(AGENT1, 0, 10)), 'gone')
      assert.equal(got(await store.readFeed(AGENT1, 2, 10)), 'gone')
      assert.deepEqual(got(await store.readFeed(AGENT1, 3, 10)), [
        [4, 4],
        [5, 5],
      ])
    } finally {
      await store.close()
    }
  })
})
