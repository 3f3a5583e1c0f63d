// A live subscriber's numbers are given in memory by the delivery pump (Store.numberFeedAhead)
// and written later (settleFeedsAhead, on a timer, and as the store closes): the fan-out then
// costs no write per subscriber. Here, through the real SQLite store and pump: the numbers
// delivered are the ones written afterwards, and none is lost at a close.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import pino from 'pino'
import type { BayeuxServer } from '../../src/bayeux/index.ts'
import { FeedPump, SETTLE_AFTER_MS } from '../../src/notifications/feed-pump.ts'
import type { FeedMessage, LogEntry } from '../../src/store/notification-log.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { AGENT1, AGENT2, basePlan, WB_GROUP } from './fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'workbins-ahead-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

const GROUP = { workbinId: WB_GROUP, owner: 'group-1' }
const change = (k: number): LogEntry => ({
  instance: GROUP,
  channel: '/workbins/group',
  data: { k },
})

/** The user's feed as written in the database (another connection: committed rows only). */
function written(path: string, userId: string): [number, number][] {
  const db = new Database(path, { readonly: true })
  try {
    return db
      .prepare(
        `SELECT r.first_seq + j.key AS seq, j.value AS log_id
        FROM user_message_runs r, json_each(r.log_ids) j WHERE r.user_id = ? ORDER BY seq`,
      )
      .raw()
      .all(userId) as [number, number][]
  } finally {
    db.close()
  }
}

async function livePump() {
  const path = join(dir, `a-${++n}.sqlite`)
  const store = createSqliteStore(path)
  await store.migrate()
  await store.applyProvisioning(basePlan())
  const delivered = new Map<string, FeedMessage[]>()
  const bayeux = {
    deliverFeed: (u: string, messages: FeedMessage[]) =>
      delivered.set(u, [...(delivered.get(u) ?? []), ...messages]),
  } as unknown as BayeuxServer
  const pump = new FeedPump(store, () => bayeux, pino({ level: 'silent' }), 128, 2)
  const users = [AGENT1, AGENT2]
  for (const u of users) {
    await store.addSubscriptions(u, [GROUP])
    pump.presence(u, true)
    await pump.ready(u)
  }
  // A first message each, so that the pump knows where each live user stands.
  const hello = users.map((userId) => ({ userId, channel: '/workbins/me', data: {} }))
  await store.appendNotifications(hello)
  pump.committed(hello)
  const until = async (ok: () => boolean) => {
    const end = Date.now() + 5000
    while (!ok()) {
      assert.ok(Date.now() < end, 'timed out')
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  await until(() => users.every((u) => delivered.get(u)?.length === 1))
  /** Append a change for the group's subscribers and wait until `to` have it. */
  const fanOut = async (k: number, to = users) => {
    const entries = [change(k)]
    const counts = to.map((u) => delivered.get(u)?.length ?? 0)
    await store.appendNotifications(entries)
    pump.committed(entries)
    await until(() => to.every((u, i) => (delivered.get(u)?.length ?? 0) > (counts[i] ?? 0)))
  }
  return { path, store, pump, users, delivered, fanOut, until }
}

describe('numbers given in memory by the delivery pump', () => {
  it('delivers a fan-out without a write, then writes exactly the numbers it delivered', async () => {
    const { path, store, pump, users, delivered, fanOut, until } = await livePump()
    try {
      const commits = store.commitStats.commits
      await fanOut(1)
      await fanOut(2)
      // The append's own commits only: the pump wrote nothing.
      assert.equal(store.commitStats.commits - commits, 2)
      for (const u of users) {
        assert.deepEqual(
          delivered.get(u)?.map((m) => [m.seq, m.data]),
          [
            [1, '{}'],
            [2, '{"k":1}'],
            [3, '{"k":2}'],
          ],
        )
        assert.equal(written(path, u).length, 1, 'not written yet')
      }
      // Written on the pump's timer, as delivered.
      await new Promise((r) => setTimeout(r, SETTLE_AFTER_MS))
      await until(() => users.every((u) => written(path, u).length === 3))
      for (const u of users) {
        const read = await store.readFeed(u, 0, 10)
        assert.ok(read.ok)
        assert.deepEqual(read.messages, delivered.get(u))
      }
    } finally {
      pump.stop()
      await store.close()
    }
  })

  it('writes what it numbered in memory when the store closes', async () => {
    const { path, store, pump, users, delivered, fanOut } = await livePump()
    await fanOut(1)
    pump.stop()
    assert.equal(written(path, AGENT1).length, 1)
    await store.close()
    for (const u of users) {
      assert.deepEqual(
        written(path, u).map(([seq]) => seq),
        delivered.get(u)?.map((m) => m.seq),
      )
    }
  })

  it('a subscription change writes them first: numbers stay as delivered', async () => {
    const { path, store, pump, delivered, fanOut } = await livePump()
    try {
      await fanOut(1)
      await store.removeSubscriptions(AGENT1, [GROUP])
      pump.subscribed(AGENT1, [GROUP], false)
      await fanOut(2, [AGENT2])
      const read = await store.readFeed(AGENT1, 0, 10)
      assert.ok(read.ok)
      assert.deepEqual(read.messages, delivered.get(AGENT1))
      assert.equal(written(path, AGENT1).length, 2)
      assert.equal(delivered.get(AGENT2)?.length, 3)
    } finally {
      pump.stop()
      await store.close()
    }
  })
})
