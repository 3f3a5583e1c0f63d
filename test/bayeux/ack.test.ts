// The ack extension (the official client's AckExtension) and timesync.

import { afterEach, before, after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AckExtension } from 'cometd'
import type { CometD, Message } from 'cometd'
import { Inbox, disconnect, handshake, newClient, subscribe } from '../helpers/cometd.ts'
import { basicOf, connectMsg, held, post, rawHandshake, startServer } from './helpers.ts'
import type { Msg, TestServer } from './helpers.ts'

const ackOf = (m: Msg | undefined) => (m?.ext as { ack?: unknown } | undefined)?.ack

describe('ack extension, raw long-polling', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ clientPublish: true, timeout: 1500, maxSessionsPerBrowser: -1 })
  })
  after(() => srv.close())

  it('handshake ext.ack:true; connect replies carry increasing batches; unacked events are re-sent', async () => {
    const s = await rawHandshake(srv.url, 'alice', { ext: { ack: true } })
    const hs = await post(
      `${srv.url}/handshake`,
      [
        {
          channel: '/meta/handshake',
          version: '1.0',
          supportedConnectionTypes: ['long-polling'],
          ext: { ack: true },
        },
      ],
      { authorization: basicOf('bob') },
    )
    assert.equal(ackOf(hs.body[0]), true)
    await post(
      srv.url,
      [{ channel: '/meta/subscribe', clientId: s.clientId, subscription: '/v2/me/workbins' }],
      s.headers,
    )
    const c0 = await post(
      `${srv.url}/connect`,
      [connectMsg(s.clientId, { ext: { ack: 0 }, advice: { timeout: 0 } })],
      s.headers,
    )
    const b0 = ackOf(c0.body.at(-1)) as number
    assert.equal(typeof b0, 'number')

    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 1 })
    const c1 = await post(
      `${srv.url}/connect`,
      [connectMsg(s.clientId, { ext: { ack: b0 } })],
      s.headers,
    )
    assert.ok(c1.ms < 700, 'not held: events pending')
    assert.deepEqual(c1.body[0], { channel: '/v2/me/workbins', data: { n: 1 } })
    const b1 = ackOf(c1.body.at(-1)) as number
    assert.ok(b1 > b0)

    // the c1 response is "lost": the client acks b0 again → n:1 comes again, in order
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 2 })
    const c2 = await post(
      `${srv.url}/connect`,
      [connectMsg(s.clientId, { ext: { ack: b0 } })],
      s.headers,
    )
    assert.deepEqual(
      c2.body.map((m) => m.data),
      [{ n: 1 }, { n: 2 }, undefined],
    )
    const b2 = ackOf(c2.body.at(-1)) as number
    assert.ok(b2 > b1)

    // acked: nothing re-sent, the connect is held again
    const c3 = await post(
      `${srv.url}/connect`,
      [connectMsg(s.clientId, { ext: { ack: b2 } })],
      s.headers,
    )
    assert.ok(c3.ms >= 1300, `held ${c3.ms} ms`)
    assert.equal(c3.body.length, 1)
    assert.ok((ackOf(c3.body[0]) as number) > b2)
  })

  it('with ack, events travel only with connect replies (not piggy-backed on a publish reply)', async () => {
    const s = await rawHandshake(srv.url, 'alice', { ext: { ack: true } })
    await post(
      srv.url,
      [{ channel: '/meta/subscribe', clientId: s.clientId, subscription: '/self' }],
      s.headers,
    )
    await post(
      `${srv.url}/connect`,
      [connectMsg(s.clientId, { ext: { ack: 0 }, advice: { timeout: 0 } })],
      s.headers,
    )
    const p = await post(
      srv.url,
      [{ channel: '/self', clientId: s.clientId, data: { x: 1 }, id: 'p' }],
      s.headers,
    )
    assert.deepEqual(
      p.body.map((m) => m.channel),
      ['/self'],
    )
    assert.equal(p.body[0]!.data, undefined)
    const c = await post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    assert.deepEqual(c.body[0], { channel: '/self', data: { x: 1 } })
  })

  it('without ack the handshake reply has no ext.ack', async () => {
    const r = await post(
      `${srv.url}/handshake`,
      [{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] }],
      { authorization: basicOf('alice') },
    )
    assert.equal(ackOf(r.body[0]), undefined)
  })
})

describe('ack extension, official client (AckExtension)', () => {
  let srv: TestServer
  const clients: CometD[] = []
  before(async () => {
    srv = await startServer({ maxSessionsPerBrowser: -1 })
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(disconnect))
  })
  after(() => srv.close())

  for (const transport of ['long-polling', 'websocket'] as const) {
    it(`${transport}: a lost event is re-sent by the server and received once, in order`, async () => {
      const c = newClient(srv.url, { transport, headers: { Authorization: basicOf('alice') } })
      clients.push(c)
      // Registered before AckExtension: its outgoing() runs after the ack extension's (the
      // client applies outgoing extensions in reverse order) and can lower the ack, as a
      // client whose connect response was lost would send.
      const wire: unknown[] = []
      const batches: number[] = []
      let lowerNext = false
      let dropped = false
      c.registerExtension('lossy', {
        incoming(m: Message) {
          if (m.channel === '/v2/me/workbins') {
            wire.push(m.data)
            if (!dropped) {
              dropped = true
              lowerNext = true
              return null // "lost" on the way
            }
          }
          if (m.channel === '/meta/connect' && m.successful) {
            batches.push((m.ext as { ack: number }).ack)
          }
          return m
        },
        outgoing(m: Message) {
          if (m.channel === '/meta/connect' && lowerNext && batches.length > 0) {
            const ext = m.ext as { ack: number }
            if (ext.ack === batches.at(-1)) {
              lowerNext = false
              ext.ack -= 1
            }
          }
          return m
        },
      })
      c.registerExtension('ack', new AckExtension())
      const hs = await handshake(c)
      assert.equal((hs.ext as { ack?: unknown } | undefined)?.ack, true)
      const box = new Inbox()
      await subscribe(c, '/v2/me/workbins', box.push)
      await held(srv.bayeux, c.getClientId()!)
      srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 1 })
      await box.next()
      srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 2 })
      await box.count(2)
      assert.deepEqual(
        box.all.map((m) => m.data),
        [{ n: 1 }, { n: 2 }],
      )
      assert.deepEqual(wire.slice(0, 2), [{ n: 1 }, { n: 1 }]) // sent twice on the wire
      for (let i = 1; i < batches.length; i++) {
        assert.ok((batches[i] as number) > (batches[i - 1] as number), 'batches increase')
      }
    })
  }
})

describe('ack extension: a dropped long poll loses nothing', () => {
  for (const ack of [true, false]) {
    it(`${ack ? 'with' : 'without'} ack: the connect response carrying an event is cut`, async () => {
      const srv = await startServer({ maxSessionsPerBrowser: -1 })
      const c = newClient(srv.url, {
        ack,
        headers: { Authorization: basicOf('alice') },
        config: { backoffIncrement: 100 },
      })
      try {
        await handshake(c)
        const box = new Inbox()
        await subscribe(c, '/v2/me/workbins', box.push)
        await held(srv.bayeux, c.getClientId()!)
        const dropped = srv.dropNextResponse((body) => body.includes('"lost?"'))
        srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 'lost?' })
        await dropped
        srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 'after' })
        if (ack) {
          await box.count(2, 5000)
          assert.deepEqual(
            box.all.map((m) => m.data),
            [{ n: 'lost?' }, { n: 'after' }],
          )
        } else {
          // the contrast that shows why the extension exists: the event is gone
          assert.deepEqual((await box.next(5000)).data, { n: 'after' })
          assert.equal(box.all.length, 1)
        }
      } finally {
        await disconnect(c)
        await srv.close()
      }
    })
  }
})

describe('timesync extension', () => {
  it('connect replies carry ext.timesync {tc, ts, p, a}; offset ≈ 0 on localhost', async () => {
    const srv = await startServer({ timeout: 100 })
    const c = newClient(srv.url, { timesync: true, headers: { Authorization: basicOf('alice') } })
    const replies: Message[] = []
    c.addListener('/meta/connect', (m) => replies.push(m))
    try {
      await handshake(c)
      const deadline = Date.now() + 3000
      while (replies.length < 6 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50))
      assert.ok(replies.length >= 6)
      const ts = (replies.at(-1)!.ext as { timesync: Record<string, number> }).timesync
      for (const k of ['tc', 'ts', 'p', 'a']) assert.equal(typeof ts[k], 'number', k)
      assert.ok((ts.p ?? 0) >= 50, `p = ${ts.p}`) // a held connect reports its hold time
      const ext = c.getExtension('timesync') as unknown as { getTimeOffset(): number }
      assert.ok(Math.abs(ext.getTimeOffset()) <= 250, `offset ${ext.getTimeOffset()}`)
    } finally {
      await disconnect(c)
      await srv.close()
    }
  })
})
