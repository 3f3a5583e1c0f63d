// Subscribe and Unsubscribe, every URL variant (docs/workbins-subscriptions.md),
// driven over HTTP and checked field by field on the official CometD client, once with
// long-polling and once with websocket on SQLite, and with long-polling on PostgreSQL.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { ApiClient } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { e2eStores } from '../helpers/stores.ts'
import {
  assertRequestFailed,
  assertAccepted,
  assertAcceptedMany,
  stateMessage,
} from '../helpers/assert.ts'
import { TRANSPORTS, api, type Listener, operation, listen } from '../helpers/world.ts'
import { U, WB, subscriptionDocument } from '../helpers/fixtures/subscriptions.ts'

const [sqlite, postgresql] = await e2eStores()
const RUNS = [
  ...TRANSPORTS.map((transport) => ({ transport, store: sqlite! })),
  { transport: TRANSPORTS[0], store: postgresql! },
]

for (const { transport, store } of RUNS) {
  describe(
    `Subscribe / Unsubscribe over HTTP, messages via ${transport}, on ${store.name}`,
    {
      skip: store.skip,
    },
    () => {
      let server: TestServer
      let agent1: Listener
      let sup1: Listener
      let a1: ApiClient
      let s1: ApiClient
      /** The last reference id seen per user: each new one must be greater (docs/api.md). */
      const last = new Map<string, number>()
      const fresh = (user: string, id: number) => {
        assert.ok(id > (last.get(user) ?? 0), `${user}: referenceId ${id} after ${last.get(user)}`)
        last.set(user, id)
        return id
      }

      before(async () => {
        server = await startServer({ provision: subscriptionDocument(), db: await store.db() })
        agent1 = await listen(server, 'agent1', transport)
        sup1 = await listen(server, 'sup1', transport)
        a1 = api(server, 'agent1')
        s1 = api(server, 'sup1')
      })
      after(async () => {
        await agent1?.close()
        await sup1?.close()
        await server?.close()
      })

      test('Unsubscribe one workbin on /me/workbins/{id} (after Subscribe)', async () => {
        const path = `/me/workbins/${WB.agent}`
        const sub = fresh('agent1', assertAccepted(await operation(a1, path, 'Subscribe')))
        assert.deepEqual(await agent1.next(), stateMessage(WB.agent, 'Subscribed', sub))
        const unsub = fresh('agent1', assertAccepted(await operation(a1, path, 'Unsubscribe')))
        assert.deepEqual(await agent1.next(), stateMessage(WB.agent, 'Unsubscribed', unsub))
      })

      test('/workbins/{id} is the same instance as /me/workbins/{id}', async () => {
        const sub = fresh(
          'agent1',
          assertAccepted(await operation(a1, `/workbins/${WB.agent}`, 'Subscribe')),
        )
        assert.deepEqual(await agent1.next(), stateMessage(WB.agent, 'Subscribed', sub))
        const unsub = fresh(
          'agent1',
          assertAccepted(await operation(a1, `/me/workbins/${WB.agent}`, 'Unsubscribe')),
        )
        // Unsubscribed (not RequestFailed): the subscription made via /workbins was found
        assert.deepEqual(await agent1.next(), stateMessage(WB.agent, 'Unsubscribed', unsub))
        const again = fresh(
          'agent1',
          assertAccepted(await operation(a1, `/workbins/${WB.agent}`, 'Unsubscribe')),
        )
        assertRequestFailed(await agent1.next(), WB.agent, again)
      })

      test('several workbins on /me/workbins?workbinIds= and /workbins?workbinIds=', async () => {
        const both = [WB.agent, WB.agent2]
        for (const [subPath, unsubPath] of [
          ['/me/workbins', '/workbins'],
          ['/workbins', '/me/workbins'],
        ]) {
          const q = `?workbinIds=${both.join(',')}`
          const sub = assertAcceptedMany(await operation(a1, subPath + q, 'Subscribe'), both)
          // one message per workbin, in the order of workbinIds, each with its own referenceId
          assert.deepEqual(await agent1.take(2), [
            stateMessage(WB.agent, 'Subscribed', fresh('agent1', sub[WB.agent]!)),
            stateMessage(WB.agent2, 'Subscribed', fresh('agent1', sub[WB.agent2]!)),
          ])
          const unsub = assertAcceptedMany(await operation(a1, unsubPath + q, 'Unsubscribe'), both)
          assert.deepEqual(await agent1.take(2), [
            stateMessage(WB.agent, 'Unsubscribed', fresh('agent1', unsub[WB.agent]!)),
            stateMessage(WB.agent2, 'Unsubscribed', fresh('agent1', unsub[WB.agent2]!)),
          ])
        }
      })

      test('by user — a supervisor on /users/{userId}/workbins/{id}; workbinUserId on their own channel', async () => {
        const path = `/users/${U.agent1}/workbins/${WB.agent}`
        const sub = fresh('sup1', assertAccepted(await operation(s1, path, 'Subscribe')))
        assert.deepEqual(
          await sup1.next(),
          stateMessage(WB.agent, 'Subscribed', sub, { workbinUserId: U.agent1 }),
        )
        const unsub = fresh('sup1', assertAccepted(await operation(s1, path, 'Unsubscribe')))
        assert.deepEqual(
          await sup1.next(),
          stateMessage(WB.agent, 'Unsubscribed', unsub, { workbinUserId: U.agent1 }),
        )
        // nothing reached agent1: their next message is the one they cause now
        const own = fresh(
          'agent1',
          assertAccepted(await operation(a1, `/me/workbins/${WB.agent}`, 'Unsubscribe')),
        )
        assertRequestFailed(await agent1.next(), WB.agent, own)
      })

      test('several workbins by user on /users/{userId}/workbins?workbinIds=', async () => {
        const both = [WB.agent, WB.agent2]
        // repeated ids count once (docs/workbins-subscriptions.md)
        const q = `?workbinIds=${WB.agent},${WB.agent},${WB.agent2}`
        const path = `/users/${U.agent1}/workbins${q}`
        const sub = assertAcceptedMany(await operation(s1, path, 'Subscribe'), both)
        const by = { workbinUserId: U.agent1 }
        assert.deepEqual(await sup1.take(2), [
          stateMessage(WB.agent, 'Subscribed', fresh('sup1', sub[WB.agent]!), by),
          stateMessage(WB.agent2, 'Subscribed', fresh('sup1', sub[WB.agent2]!), by),
        ])
        const unsub = assertAcceptedMany(await operation(s1, path, 'Unsubscribe'), both)
        assert.deepEqual(await sup1.take(2), [
          stateMessage(WB.agent, 'Unsubscribed', fresh('sup1', unsub[WB.agent]!), by),
          stateMessage(WB.agent2, 'Unsubscribed', fresh('sup1', unsub[WB.agent2]!), by),
        ])
      })

      test('AgentGroup workbin: ?agentGroup= on Subscribe and Unsubscribe carries agentGroup', async () => {
        const path = `/me/workbins/${WB.agentGroup}?agentGroup=Sales`
        const sub = fresh('agent1', assertAccepted(await operation(a1, path, 'Subscribe')))
        assert.deepEqual(
          await agent1.next(),
          stateMessage(WB.agentGroup, 'Subscribed', sub, { agentGroup: 'Sales' }),
        )
        const unsub = fresh('agent1', assertAccepted(await operation(a1, path, 'Unsubscribe')))
        assert.deepEqual(
          await agent1.next(),
          stateMessage(WB.agentGroup, 'Unsubscribed', unsub, { agentGroup: 'Sales' }),
        )
      })

      test('PlaceGroup workbin: ?placeGroup= on Subscribe and Unsubscribe carries placeGroup', async () => {
        const path = `/me/workbins/${WB.placeGroup}?placeGroup=North`
        const sub = fresh('agent1', assertAccepted(await operation(a1, path, 'Subscribe')))
        assert.deepEqual(
          await agent1.next(),
          stateMessage(WB.placeGroup, 'Subscribed', sub, { placeGroup: 'North' }),
        )
        const unsub = fresh('agent1', assertAccepted(await operation(a1, path, 'Unsubscribe')))
        // Unsubscribed carries placeGroup too, as Subscribed does (docs/workbins-subscriptions.md)
        assert.deepEqual(
          await agent1.next(),
          stateMessage(WB.placeGroup, 'Unsubscribed', unsub, { placeGroup: 'North' }),
        )
      })

      test('group workbins via /workbins/{id}, by user, and in a mixed workbinIds list', async () => {
        const viaCollection = `/workbins/${WB.agentGroup}?agentGroup=Sales`
        const sub = fresh('agent1', assertAccepted(await operation(a1, viaCollection, 'Subscribe')))
        assert.deepEqual(
          await agent1.next(),
          stateMessage(WB.agentGroup, 'Subscribed', sub, { agentGroup: 'Sales' }),
        )

        const byUser = `/users/${U.agent1}/workbins/${WB.placeGroup}?placeGroup=North`
        const supSub = fresh('sup1', assertAccepted(await operation(s1, byUser, 'Subscribe')))
        assert.deepEqual(
          await sup1.next(),
          stateMessage(WB.placeGroup, 'Subscribed', supSub, {
            workbinUserId: U.agent1,
            placeGroup: 'North',
          }),
        )
        const supUnsub = fresh('sup1', assertAccepted(await operation(s1, byUser, 'Unsubscribe')))
        assert.deepEqual(
          await sup1.next(),
          stateMessage(WB.placeGroup, 'Unsubscribed', supUnsub, {
            workbinUserId: U.agent1,
            placeGroup: 'North',
          }),
        )

        // agentGroup applies to the AgentGroup workbin of the list only
        const ids = [WB.agent, WB.agentGroup]
        const mixed = `/me/workbins?workbinIds=${ids.join(',')}&agentGroup=Sales`
        const un = assertAcceptedMany(await operation(a1, mixed, 'Unsubscribe'), ids)
        const [first, second] = await agent1.take(2)
        // not subscribed to the Agent workbin: RequestFailed; the group one was subscribed above
        assertRequestFailed(first!, WB.agent, fresh('agent1', un[WB.agent]!))
        assert.deepEqual(
          second,
          stateMessage(WB.agentGroup, 'Unsubscribed', fresh('agent1', un[WB.agentGroup]!), {
            agentGroup: 'Sales',
          }),
        )
      })

      test('Place workbin: the instance of the current place, no extra fields', async () => {
        const path = `/me/workbins/${WB.place}`
        const sub = fresh('agent1', assertAccepted(await operation(a1, path, 'Subscribe')))
        assert.deepEqual(await agent1.next(), stateMessage(WB.place, 'Subscribed', sub))
        const unsub = fresh('agent1', assertAccepted(await operation(a1, path, 'Unsubscribe')))
        assert.deepEqual(await agent1.next(), stateMessage(WB.place, 'Unsubscribed', unsub))
      })

      test('double Subscribe answers Subscribed twice; one Unsubscribe ends it; the next fails', async () => {
        const path = `/me/workbins/${WB.agent2}`
        for (let i = 0; i < 2; i++) {
          const sub = fresh('agent1', assertAccepted(await operation(a1, path, 'Subscribe')))
          assert.deepEqual(await agent1.next(), stateMessage(WB.agent2, 'Subscribed', sub))
        }
        const unsub = fresh('agent1', assertAccepted(await operation(a1, path, 'Unsubscribe')))
        assert.deepEqual(await agent1.next(), stateMessage(WB.agent2, 'Unsubscribed', unsub))
        // not subscribed → HTTP 200 with a referenceId, then RequestFailed
        // (docs/workbins-subscriptions.md "Unsubscribe when not subscribed")
        const again = fresh('agent1', assertAccepted(await operation(a1, path, 'Unsubscribe')))
        assertRequestFailed(await agent1.next(), WB.agent2, again)
      })

      test('RequestFailed keeps the instance fields (group, workbinUserId)', async () => {
        const group = fresh(
          'agent1',
          assertAccepted(
            await operation(a1, `/me/workbins/${WB.agentGroup}?agentGroup=Sales`, 'Unsubscribe'),
          ),
        )
        assertRequestFailed(await agent1.next(), WB.agentGroup, group, { agentGroup: 'Sales' })
        const byUser = fresh(
          'sup1',
          assertAccepted(
            await operation(s1, `/users/${U.agent3}/workbins/${WB.agent2}`, 'Unsubscribe'),
          ),
        )
        assertRequestFailed(await sup1.next(), WB.agent2, byUser, { workbinUserId: U.agent3 })
      })
    },
  )
}
