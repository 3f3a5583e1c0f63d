// Subscriptions belong to the user (docs/workbins-subscriptions.md): they reach every CometD session of the user,
// survive a CometD reconnect and a server restart, and end with Unsubscribe or
// EndContactCenterSession, which answers one Unsubscribed message per subscription.
// Whether a subscription is live is probed the way a client sees it: an item put into the
// workbin reaches the subscriber (WorkbinStateChangeMessage, docs/workbins-content.md), and Unsubscribe
// answers Unsubscribed rather than RequestFailed.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startServer, type TestServer } from '../helpers/server.ts'
import { type Data, assertRequestFailed, assertAccepted, stateMessage } from '../helpers/assert.ts'
import { type Listener, type Transport, api, listen, operation } from '../helpers/world.ts'
import { IX, U, WB, subscriptionDocument } from '../helpers/fixtures/subscriptions.ts'

/** agent1 puts one of their interactions into their own Agent workbin. */
async function agent1Adds(server: TestServer, interactionId: string): Promise<number> {
  const res = await api(server, 'agent1').post(`/me/workbins/${WB.agent}`, {
    operationName: 'AddInteraction',
    id: interactionId,
  })
  return assertAccepted(res as Parameters<typeof assertAccepted>[0])
}

/** The fields of an item change a supervisor watching agent1's Agent workbin must see. */
function assertItemAdded(data: Data, interactionId: string): void {
  assert.equal(data.messageType, 'WorkbinStateChangeMessage')
  assert.equal(data.action, 'ItemAdded')
  assert.equal(data.id, WB.agent)
  assert.equal(data.workbinUserId, U.agent1)
  assert.equal(data.referenceId, undefined, 'only the requester copy carries referenceId')
  assert.equal((data.workitemStateResourceV2 as { id?: string } | undefined)?.id, interactionId)
}

describe('subscriptions belong to the user', () => {
  let server: TestServer
  const open: Listener[] = []
  const listenAs = async (user: string, transport?: Transport) => {
    const l = await listen(server, user, transport)
    open.push(l)
    return l
  }

  before(async () => {
    server = await startServer({ provision: subscriptionDocument() })
  })
  after(async () => {
    for (const l of open) await l.close()
    await server?.close()
  })

  test('every CometD session of the user gets the message, long-polling and websocket alike', async () => {
    const lp = await listenAs('agent3', 'long-polling')
    const ws = await listenAs('agent3', 'websocket')
    const path = `/me/workbins/${WB.agentGroup}?agentGroup=Sales`
    const sub = assertAccepted(await operation(api(server, 'agent3'), path, 'Subscribe'))
    const expected = stateMessage(WB.agentGroup, 'Subscribed', sub, { agentGroup: 'Sales' })
    assert.deepEqual(await lp.next(), expected)
    assert.deepEqual(await ws.next(), expected)
    const unsub = assertAccepted(await operation(api(server, 'agent3'), path, 'Unsubscribe'))
    const gone = stateMessage(WB.agentGroup, 'Unsubscribed', unsub, { agentGroup: 'Sales' })
    assert.deepEqual(await lp.next(), gone)
    assert.deepEqual(await ws.next(), gone)
  })

  test('a supervisor subscription survives a CometD reconnect; Unsubscribe ends it', async () => {
    const path = `/users/${U.agent1}/workbins/${WB.agent}`
    const first = await listenAs('sup1', 'long-polling')
    const sub = assertAccepted(await operation(api(server, 'sup1'), path, 'Subscribe'))
    assert.deepEqual(
      await first.next(),
      stateMessage(WB.agent, 'Subscribed', sub, { workbinUserId: U.agent1 }),
    )
    await first.close()

    // a new CometD session (another transport, even): the subscription is still the user's
    const second = await listenAs('sup1', 'websocket')
    await agent1Adds(server, IX[0])
    assertItemAdded(await second.next(), IX[0])

    // the agent's own subscription is a different one: theirs never existed
    const own = await listenAs('agent1')
    const ref = assertAccepted(
      await operation(api(server, 'agent1'), `/me/workbins/${WB.agent}`, 'Unsubscribe'),
    )
    assertRequestFailed(await own.next(), WB.agent, ref)

    const unsub = assertAccepted(await operation(api(server, 'sup1'), path, 'Unsubscribe'))
    assert.deepEqual(
      await second.next(),
      stateMessage(WB.agent, 'Unsubscribed', unsub, { workbinUserId: U.agent1 }),
    )
    // no longer subscribed: the next item does not reach sup1 — their next message is the
    // RequestFailed of an Unsubscribe made after it
    await agent1Adds(server, IX[1])
    const again = assertAccepted(await operation(api(server, 'sup1'), path, 'Unsubscribe'))
    assertRequestFailed(await second.next(), WB.agent, again, { workbinUserId: U.agent1 })
  })

  test('EndContactCenterSession: one Unsubscribed per subscription, fresh referenceIds, then nothing is left', async () => {
    const agent = await listenAs('agent1', 'websocket')
    const sup = await listenAs('sup1', 'long-polling')
    const a1 = api(server, 'agent1')
    const s1 = api(server, 'sup1')
    const subscribed: [string, Record<string, string>][] = [
      [`/me/workbins/${WB.agent}`, {}],
      [`/me/workbins/${WB.place}`, {}],
      [`/me/workbins/${WB.agentGroup}?agentGroup=Sales`, { agentGroup: 'Sales' }],
      [`/me/workbins/${WB.placeGroup}?placeGroup=North`, { placeGroup: 'North' }],
    ]
    let lastRef = 0
    for (const [path] of subscribed) {
      lastRef = assertAccepted(await operation(a1, path, 'Subscribe'))
      assert.equal((await agent.next()).stateResource, 'Subscribed')
    }
    const supPath = `/users/${U.agent1}/workbins/${WB.agent2}`
    const supRef = assertAccepted(await operation(s1, supPath, 'Subscribe'))
    assert.equal((await sup.next()).stateResource, 'Subscribed')

    const end = await a1.post('/me', { operationName: 'EndContactCenterSession' })
    assert.deepEqual([end.status, end.body], [200, { statusCode: 0 }])
    const got = await agent.take(subscribed.length)
    const refs = got.map((d) => d.referenceId as number)
    assert.equal(new Set(refs).size, refs.length, 'one referenceId each')
    for (const r of refs) assert.ok(Number.isInteger(r) && r > lastRef, `fresh referenceId ${r}`)
    const byWorkbin = new Map(got.map((d) => [d.id, d]))
    assert.equal(byWorkbin.size, subscribed.length, 'one message per subscription')
    for (const [id, extra] of [
      [WB.agent, {}],
      [WB.place, { place: 'P1' }],
      [WB.agentGroup, { agentGroup: 'Sales' }],
      [WB.placeGroup, { placeGroup: 'North' }],
    ] as const) {
      const data = byWorkbin.get(id)
      assert.deepEqual(data, stateMessage(id, 'Unsubscribed', data?.referenceId as number, extra))
    }

    // agent1's end left sup1's subscription alone; sup1's own end answers it with workbinUserId
    const supEnd = await s1.post('/me', { operationName: 'EndContactCenterSession' })
    assert.equal(supEnd.status, 200)
    const supMsg = await sup.next()
    assert.ok((supMsg.referenceId as number) > supRef)
    assert.deepEqual(
      supMsg,
      stateMessage(WB.agent2, 'Unsubscribed', supMsg.referenceId as number, {
        workbinUserId: U.agent1,
      }),
    )

    // nothing is left: a new session's Unsubscribe answers RequestFailed
    const later = await listenAs('agent1')
    const ref = assertAccepted(await operation(a1, `/me/workbins/${WB.agent}`, 'Unsubscribe'))
    assertRequestFailed(await later.next(), WB.agent, ref)
  })
})

describe('subscriptions survive a server restart', () => {
  test('a subscription made before the restart is live after it; referenceIds keep increasing', async () => {
    const first = await startServer({ provision: subscriptionDocument() })
    let second: TestServer | undefined
    const open: Listener[] = []
    try {
      const sup = await listen(first, 'sup1')
      open.push(sup)
      const path = `/users/${U.agent1}/workbins/${WB.agent}`
      const before = assertAccepted(await operation(api(first, 'sup1'), path, 'Subscribe'))
      assert.equal((await sup.next()).stateResource, 'Subscribed')
      const group = `/me/workbins/${WB.agentGroup}?agentGroup=Sales`
      const agentBefore = assertAccepted(await operation(api(first, 'agent1'), group, 'Subscribe'))
      await sup.close()
      open.length = 0
      await first.close({ keepDb: true })

      second = await startServer({ dbPath: first.dbPath })
      const supAgain = await listen(second, 'sup1', 'websocket')
      open.push(supAgain)
      const agent = await listen(second, 'agent1')
      open.push(agent)
      await agent1Adds(second, IX[2])
      assertItemAdded(await supAgain.next(), IX[2])

      const unsub = assertAccepted(await operation(api(second, 'sup1'), path, 'Unsubscribe'))
      assert.ok(unsub > before, `referenceId ${unsub} after ${before}`)
      assert.deepEqual(
        await supAgain.next(),
        stateMessage(WB.agent, 'Unsubscribed', unsub, { workbinUserId: U.agent1 }),
      )
      const agentUnsub = assertAccepted(
        await operation(api(second, 'agent1'), group, 'Unsubscribe'),
      )
      // agent1 first got the requester copy of their own ItemAdded
      const item = await agent.next()
      assert.equal(item.messageType, 'WorkbinStateChangeMessage')
      assert.equal(item.action, 'ItemAdded')
      assert.ok(agentUnsub > agentBefore)
      assert.deepEqual(
        await agent.next(),
        stateMessage(WB.agentGroup, 'Unsubscribed', agentUnsub, { agentGroup: 'Sales' }),
      )
    } finally {
      for (const l of open) await l.close()
      await second?.close()
      await first.close().catch(() => undefined)
    }
  })
})
