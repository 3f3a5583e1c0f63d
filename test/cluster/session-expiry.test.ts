// In a cluster a node whose copy of a session expires keeps the stored session for its client to
// resume (docs/durable-delivery.md, "An outage longer than the session") and marks it so that it
// stops counting toward the user's sessions, unless another node was active on it since
// (docs/cluster.md, "No stickiness"): the stored lastSeen decides. A resume counts it again.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pino from 'pino'
import { FeedPump } from '../../src/notifications/feed-pump.ts'
import { StoreSessionKeeper } from '../../src/notifications/session-keeper.ts'
import { openStore } from '../../src/store/open-store.ts'
import type { Store } from '../../src/store/store.ts'
import type { BayeuxServer } from '../../src/bayeux/index.ts'
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.ts'

const skip = await postgresSkipReason()
const SYNC_MS = 200

describe('expiry of a session another node may hold', { skip }, () => {
  let db: TestDatabase
  let store: Store
  let keeper: StoreSessionKeeper

  before(async () => {
    db = await createTestDatabase()
    store = openStore({
      db: await db.freshSchemaUrl(),
      pgPoolSize: 2,
      pgStatementTimeoutMs: 5000,
    } as Parameters<typeof openStore>[0])
    await store.migrate()
    const log = pino({ level: 'silent' })
    const pump = new FeedPump(store, () => ({}) as BayeuxServer, log)
    keeper = new StoreSessionKeeper(store, pump, log, {
      syncMs: SYNC_MS,
      staleMs: 60_000,
      stillValid: async () => true,
      cluster: { taken: () => undefined, changed: () => undefined },
      clusterLimit: { maxPerUser: 1, staleMs: 60_000 },
    })
  })

  after(async () => {
    await keeper?.close()
    await store?.close()
    await db?.drop()
  })

  /** A stored session of `userId` (default u1), last seen at `lastSeen`. */
  const save = (
    clientId: string,
    lastSeen: number,
    more: { userId?: string; record?: string; position?: number } = {},
  ) =>
    store.saveCometdSession({
      clientId,
      userId: 'u1',
      record: '{}',
      position: 0,
      lastSeen,
      ...more,
    })

  const record = async (clientId: string) =>
    JSON.parse((await store.getCometdSession(clientId))?.record ?? 'null') as Record<
      string,
      unknown
    > | null
  /** Whether a new session of `userId` fits under a limit of one (claimCometdSession). */
  const fits = async (userId: string) => {
    const clientId = `probe-${Math.random()}`
    const now = Date.now()
    const ok = await store.claimCometdSession!(
      { clientId, userId, record: '{}', position: 0, lastSeen: now },
      1,
      now - 60_000,
    )
    if (ok) await store.deleteCometdSession(clientId)
    return ok
  }

  test('seen elsewhere after this node last saw it: kept, and still counted', async () => {
    const since = Date.now() - 30_000
    await save('kept', since + 20_000, { userId: 'u-kept' }) // another node acknowledged for it 20 s later
    await keeper.removed('kept', since)
    assert.deepEqual(await record('kept'), {}, 'the stored session stays, unmarked')
    assert.equal(await fits('u-kept'), false)
  })

  test('not seen since: kept for its client, no longer counted; a resume counts it again', async () => {
    const since = Date.now() - 30_000
    await save('gone', since, {
      userId: 'u-gone',
      record: JSON.stringify({ subscriptions: ['/v2/me/workbins'] }),
      position: 7,
    })
    assert.equal(await fits('u-gone'), false)
    await keeper.removed('gone', since)
    const marked = await record('gone')
    assert.equal(typeof marked?.expiredAt, 'number', 'marked before removed settles')
    assert.equal(await fits('u-gone'), true, 'an expired session does not count')

    // Loading writes nothing: a request that turns out not to be the session's own (another
    // user's credentials) must not make it count again.
    const loaded = await keeper.load('gone')
    assert.deepEqual(loaded?.record, { subscriptions: ['/v2/me/workbins'] })
    assert.equal(loaded?.position, 7)
    assert.equal(typeof (await record('gone'))?.expiredAt, 'number')
    assert.equal(await fits('u-gone'), true)

    assert.equal(await loaded?.admit(), true)
    assert.deepEqual(await record('gone'), { subscriptions: ['/v2/me/workbins'] })
    assert.equal(await fits('u-gone'), false, 'resumed, it counts again')
  })

  test("marked while another node resumed it: that node's next position write unmarks it; the expiring node's late one does not", async () => {
    const since = Date.now() - 30_000
    await save('raced', since, { userId: 'u-raced', position: 3 })
    await keeper.removed('raced', since)
    const marked = (await record('raced'))?.expiredAt as number
    assert.equal(typeof marked, 'number')
    // The expiring node's pending position, from before its expiry.
    await store.touchCometdSessions([{ clientId: 'raced', position: 4, lastSeen: since + 5 }])
    assert.equal((await record('raced'))?.expiredAt, marked)
    // The node that resumed it acknowledges now.
    await store.touchCometdSessions([{ clientId: 'raced', position: 5, lastSeen: Date.now() + 1 }])
    assert.deepEqual(await record('raced'), {})
    assert.equal((await store.getCometdSession('raced'))?.position, 5)
  })

  test('ended while being resumed: admitting it does not bring its row back', async () => {
    const since = Date.now() - 30_000
    await save('ended', since, { userId: 'u-ended' })
    await keeper.removed('ended', since)
    const loaded = await keeper.load('ended')
    await store.deleteCometdSessionsOfUser('u-ended') // EndContactCenterSession, meanwhile
    assert.equal(await loaded?.admit(), false)
    assert.equal(await store.getCometdSession('ended'), undefined)
    assert.equal(await loaded?.stillHeld(), false)
  })

  test('an expired session is not resumed when the user is at the limit meanwhile', async () => {
    const since = Date.now() - 30_000
    await save('late', since, { userId: 'u-late' })
    await keeper.removed('late', since)
    // The user opened another session while this one was away: the limit (1) is reached.
    const now = Date.now()
    const other = { clientId: 'newer', userId: 'u-late', record: '{}', position: 0, lastSeen: now }
    assert.equal(await store.claimCometdSession!(other, 1, now - 60_000), true)
    const loaded = await keeper.load('late')
    assert.equal(await loaded?.admit(), false)
    assert.equal(typeof (await record('late'))?.expiredAt, 'number', 'still marked')
  })

  test('a disconnect (no expiry time) deletes at once', async () => {
    await save('bye', Date.now())
    await keeper.removed('bye')
    assert.equal(await store.getCometdSession('bye'), undefined, 'deleted before removed settles')
  })
})
