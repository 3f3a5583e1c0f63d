// In a cluster a node whose copy of a session expires deletes the stored session only when no
// other node was active on it since (docs/cluster.md, "No stickiness"): the stored lastSeen decides.

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
      stillValid: async () => true,
      cluster: { taken: () => undefined, changed: () => undefined },
    })
  })

  after(async () => {
    await keeper?.close()
    await store?.close()
    await db?.drop()
  })

  const save = (clientId: string, lastSeen: number) =>
    store.saveCometdSession({ clientId, userId: 'u1', record: '{}', position: 0, lastSeen })

  test('seen elsewhere after this node last saw it: kept', async () => {
    const since = Date.now() - 60_000
    await save('kept', since + 30_000) // another node acknowledged for it 30 s later
    await keeper.removed('kept', since)
    assert.ok(await store.getCometdSession('kept'), 'the stored session stays')
  })

  test('not seen since: deleted', async () => {
    const since = Date.now() - 60_000
    await save('gone', since)
    await keeper.removed('gone', since)
    assert.equal(await store.getCometdSession('gone'), undefined, 'deleted before removed settles')
  })

  test('a disconnect (no expiry time) deletes at once', async () => {
    await save('bye', Date.now())
    await keeper.removed('bye')
    assert.equal(await store.getCometdSession('bye'), undefined, 'deleted before removed settles')
  })
})
