// stats() (GET /health) is kept in counters updated where sessions, subscriptions and queues
// change, not computed by walking the sessions: these tests follow the counters through every
// place a queue grows or shrinks (delivery, connect reply, ack, termination, removal) on
// long-polling and websocket, so a counter that drifts is caught.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  RawWs,
  basicOf,
  connectMsg,
  firstConnect,
  post,
  rawHandshake,
  removed,
  startServer,
  until,
} from './helpers.ts'
import type { Msg, TestServer } from './helpers.ts'

const WS = '/v2/me/workbins'
const ackOf = (m: Msg | undefined) => (m?.ext as { ack?: number } | undefined)?.ack

describe('bayeux stats counters', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ maxSessionsPerBrowser: -1 })
  })
  after(() => srv.close())

  const stats = () => srv.bayeux.stats()
  const subscribe = async (
    s: { clientId: string; headers: Record<string, string> },
    sub: string,
  ) => {
    const r = await post(
      srv.url,
      [{ channel: '/meta/subscribe', clientId: s.clientId, subscription: sub }],
      s.headers,
    )
    assert.equal(r.body[0]?.successful, true, r.text)
  }

  it('long-polling: sessions, subscriptions and queued messages follow every change', async () => {
    assert.deepEqual(
      [stats().sessions, stats().subscriptions, stats().queuedMessages],
      [0, 0, 0],
      'a fresh server',
    )
    const a = await rawHandshake(srv.url, 'alice')
    await subscribe(a, WS)
    await subscribe(a, '/v2/me/*') // both match: still one copy per delivery
    await firstConnect(srv.url, a)
    assert.equal(stats().sessions, 1)
    assert.equal(stats().subscriptions, 2)

    for (let n = 1; n <= 3; n++) srv.bayeux.deliverToUser('u-alice', WS, { n })
    assert.equal(stats().queuedMessages, 3, 'three events wait for the next connect')
    const c = await post(`${srv.url}/connect`, [connectMsg(a.clientId)], a.headers)
    assert.equal(c.body.filter((m) => m.channel === WS).length, 3)
    await until(() => stats().queuedMessages === 0, 3000, 'the queue emptied by the reply')

    const un = await post(
      srv.url,
      [{ channel: '/meta/unsubscribe', clientId: a.clientId, subscription: '/v2/me/*' }],
      a.headers,
    )
    assert.equal(un.body[0]?.successful, true)
    assert.equal(stats().subscriptions, 1)

    // The ack extension: events count until they are acknowledged, not when they are sent.
    const b = await rawHandshake(srv.url, 'bob', { ext: { ack: true } })
    await subscribe(b, WS)
    const c0 = await post(
      `${srv.url}/connect`,
      [connectMsg(b.clientId, { ext: { ack: 0 }, advice: { timeout: 0 } })],
      b.headers,
    )
    const b0 = ackOf(c0.body.at(-1)) as number
    srv.bayeux.deliverToUser('u-bob', WS, { n: 1 })
    srv.bayeux.deliverToUser('u-bob', WS, { n: 2 })
    assert.equal(stats().queuedMessages, 2)
    const c1 = await post(
      `${srv.url}/connect`,
      [connectMsg(b.clientId, { ext: { ack: b0 }, advice: { timeout: 0 } })],
      b.headers,
    )
    assert.equal(c1.body.filter((m) => m.channel === WS).length, 2)
    assert.equal(stats().queuedMessages, 2, 'sent but not acknowledged')
    const b1 = ackOf(c1.body.at(-1)) as number
    await post(
      `${srv.url}/connect`,
      [connectMsg(b.clientId, { ext: { ack: b1 }, advice: { timeout: 0 } })],
      b.headers,
    )
    assert.equal(stats().queuedMessages, 0, 'acknowledged')
    assert.equal(stats().sessions, 2)
    assert.equal(stats().subscriptions, 2)

    // Server-side end: subscriptions go at once; the tombstone's /meta/disconnect counts until
    // its connect takes it, then the session is gone.
    srv.bayeux.deliverToUser('u-bob', WS, { n: 3 })
    srv.bayeux.disconnectSession(b.clientId, 'none')
    assert.equal(stats().subscriptions, 1)
    assert.equal(stats().queuedMessages, 1, 'only the /meta/disconnect event is left')
    const end = await post(`${srv.url}/connect`, [connectMsg(b.clientId)], b.headers)
    assert.equal(end.body.at(-1)?.successful, true)
    await until(() => stats().sessions === 1, 3000, 'the tombstone forgotten')
    assert.equal(stats().queuedMessages, 0)

    // Client /meta/disconnect with events still queued.
    srv.bayeux.deliverToUser('u-alice', WS, { n: 4 })
    assert.equal(stats().queuedMessages, 1)
    const gone = removed(srv.bayeux, a.clientId)
    await post(srv.url, [{ channel: '/meta/disconnect', clientId: a.clientId }], a.headers)
    await gone
    assert.deepEqual(
      [stats().sessions, stats().subscriptions, stats().queuedMessages],
      [0, 0, 0],
      'nothing left',
    )
  })

  it('websocket: sockets, pushed events and a server-side end leave nothing counted', async () => {
    const ws = await RawWs.open(srv.url, { authorization: basicOf('carol') })
    assert.equal(stats().websockets, 1)
    ws.send([
      { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['websocket'] },
    ])
    const h = await ws.waitFor((m) => m.channel === '/meta/handshake')
    const clientId = h.clientId as string
    ws.send([{ channel: '/meta/subscribe', clientId, subscription: WS, id: 's' }])
    await ws.waitFor((m) => m.channel === '/meta/subscribe')
    ws.send([{ channel: '/meta/connect', clientId, connectionType: 'websocket', id: 'c0' }])
    await ws.waitFor((m) => m.id === 'c0')
    assert.equal(stats().subscriptions, 1)

    srv.bayeux.deliverToUser('u-carol', WS, { n: 1 })
    await ws.waitFor((m) => m.channel === WS)
    assert.equal(stats().queuedMessages, 0, 'pushed at once')

    // Ended while its socket is open: the /meta/disconnect goes straight to the socket.
    srv.bayeux.disconnectSession(clientId, 'none')
    await ws.waitFor((m) => m.channel === '/meta/disconnect')
    assert.deepEqual(
      [stats().sessions, stats().subscriptions, stats().queuedMessages],
      [0, 0, 0],
      'nothing left counted',
    )
    await ws.close()
    await until(() => stats().websockets === 0, 3000, 'the socket gone')
  })
})
