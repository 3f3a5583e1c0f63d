// The delivery pump wakes a user for a workbin instance's entries only once it has read the
// user's subscriptions. Here that read fails when the user's first session appears: the pump
// must read again, not leave the user out of every group change until the session ends.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import pino from 'pino'
import type { BayeuxServer } from '../../src/bayeux/index.ts'
import { FeedPump } from '../../src/notifications/feed-pump.ts'
import type { FeedMessage, LogEntry } from '../../src/store/notification-log.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { until } from '../helpers/wait.ts'
import { AGENT1, basePlan, WB_GROUP } from './fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'workbins-pump-index-'))
after(() => rmSync(dir, { recursive: true, force: true }))

test('a failed read of the subscriptions is retried: group changes reach the user', async () => {
  const store = createSqliteStore(join(dir, 'a.sqlite'))
  try {
    await store.migrate()
    await store.applyProvisioning(basePlan())
    const group = { workbinId: WB_GROUP, owner: 'group-1' }
    await store.addSubscriptions(AGENT1, [group])
    let failures = 1
    // The store as the pump sees it: its first read of subscriptions fails.
    const flaky = new Proxy(store, {
      get(t, prop) {
        if (prop !== 'listSubscriptions') return Reflect.get(t, prop) as unknown
        return (userId: string) =>
          failures-- > 0 ? Promise.reject(new Error('store away')) : t.listSubscriptions(userId)
      },
    })
    const delivered: FeedMessage[] = []
    const bayeux = {
      deliverFeed: (_u: string, messages: FeedMessage[]) => delivered.push(...messages),
    } as unknown as BayeuxServer
    const pump = new FeedPump(flaky, () => bayeux, pino({ level: 'silent' }))

    pump.presence(AGENT1, true)
    await pump.ready(AGENT1) // the failure is logged, not thrown
    const hello: LogEntry[] = [{ userId: AGENT1, channel: '/workbins/me', data: {} }]
    await store.appendNotifications(hello)
    pump.committed(hello)
    await until('the direct message arrived', () => delivered.length === 1, 3000)

    const change: LogEntry[] = [{ instance: group, channel: '/workbins/group', data: { k: 1 } }]
    await store.appendNotifications(change)
    pump.committed(change)
    await until('the group change arrived', () => delivered.length === 2, 3000)
    assert.equal(failures < 0, true, 'the subscriptions were read again')
    pump.stop()
  } finally {
    await store.close()
  }
})
