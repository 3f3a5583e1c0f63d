// WebSocket transport: the official client over websocket, fallback to long-polling, and raw
// frame probes.

import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CometD } from 'cometd'
import {
  disconnect,
  handshake,
  inbox,
  newClient,
  nextOn,
  publish,
  remoteCall,
} from '../helpers/cometd.ts'
import type { ClientOptions } from '../helpers/cometd.ts'
import {
  RawWs,
  WS_HANDSHAKE,
  basicOf,
  held,
  post,
  rawSockets,
  removed,
  startServer,
  until,
  wsConnect,
  wsHandshake,
} from './helpers.ts'
import type { TestServer } from './helpers.ts'

const HANDSHAKE = { ...WS_HANDSHAKE, id: 'h' }

describe('official cometd client, websocket', () => {
  let srv: TestServer
  const clients: CometD[] = []
  const client = (user = 'alice', opts: ClientOptions = {}) => {
    const c = newClient(srv.url, {
      transport: 'websocket',
      headers: { Authorization: basicOf(user) },
      ...opts,
    })
    clients.push(c)
    return c
  }

  before(async () => {
    srv = await startServer({ clientPublish: true, maxSessionsPerUser: 64 })
    srv.bayeux.onService('/service/echo', (call) => ({ echo: call.data }))
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(disconnect))
  })
  after(() => srv.close())

  it('handshake, per-user delivery pushed at once, publish between clients', async () => {
    const a = client('alice')
    const b = client('bob')
    await handshake(a)
    await handshake(b)
    assert.equal(a.getTransport()?.type, 'websocket')
    assert.equal(srv.bayeux.stats().websockets, 2)
    const mine = await inbox(a, '/v2/me/workbins')
    const room = await inbox(b, '/room')
    await held(srv.bayeux, a.getClientId()!)
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 1 })
    srv.bayeux.deliverToUser('u-bob', '/v2/me/workbins', { n: 'not for alice' })
    assert.deepEqual((await mine.next()).data, { n: 1 })
    const pr = await publish(a, '/room', { text: 'über' })
    assert.equal(pr.data, undefined)
    assert.deepEqual((await room.next()).data, { text: 'über' })
    assert.equal(mine.all.length, 1)
  })

  it('wildcards, de-dup, service remote call over websocket', async () => {
    const a = client('alice')
    const pub = client('bob')
    await handshake(a)
    await handshake(pub)
    const star = await inbox(a, '/w/*')
    const deep = await inbox(a, '/w/**')
    const exact = await inbox(a, '/w/x')
    const wire: string[] = []
    a.registerExtension('spy', {
      incoming: (m) => {
        if (m.data !== undefined && m.channel.startsWith('/w')) wire.push(m.channel)
        return m
      },
    })
    for (const ch of ['/w', '/w/x', '/w/x/y']) await publish(pub, ch, { ch })
    await deep.count(2)
    assert.deepEqual(
      star.all.map((m) => m.channel),
      ['/w/x'],
    )
    assert.deepEqual(
      deep.all.map((m) => m.channel),
      ['/w/x', '/w/x/y'],
    )
    assert.deepEqual(
      exact.all.map((m) => m.channel),
      ['/w/x'],
    )
    assert.deepEqual(wire, ['/w/x', '/w/x/y']) // one copy per publish
    const r = await remoteCall(a, 'echo', { q: 1 })
    assert.deepEqual(r.data, { echo: { q: 1 } })
  })

  it('server-side disconnect stops the client', async () => {
    const a = client('carol')
    await handshake(a)
    await held(srv.bayeux, a.getClientId()!)
    const got = nextOn(a, '/meta/disconnect')
    srv.bayeux.disconnectUser('u-carol')
    assert.equal((await got).successful, true)
    await until(() => a.getStatus() === 'disconnected', 1000, 'client disconnected')
  })

  it('a Cookie header (e.g. JSESSIONID) authenticates both transports through the helper', async () => {
    for (const transport of ['websocket', 'long-polling'] as const) {
      const c = newClient(srv.url, { transport, headers: { Cookie: 'TEST_USER=bob' } })
      clients.push(c)
      await handshake(c)
      assert.equal(c.getTransport()?.type, transport)
      const box = await inbox(c, '/v2/me/workbins') // LP: BAYEUX_BROWSER travels alongside
      srv.bayeux.deliverToUser('u-bob', '/v2/me/workbins', { via: transport })
      assert.deepEqual((await box.next()).data, { via: transport })
    }
  })

  it('Basic credentials in the URL authenticate both transports (Node apps)', async () => {
    const url = srv.url.replace('http://', 'http://alice:pw@')
    for (const transport of ['websocket', 'long-polling'] as const) {
      const c = newClient(url, { transport })
      clients.push(c)
      await handshake(c)
      assert.equal(c.getTransport()?.type, transport)
      const box = await inbox(c, '/v2/me/workbins')
      srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { via: transport })
      assert.deepEqual((await box.next()).data, { via: transport })
    }
  })

  it('upgrade refused (no credentials on it) → the client falls back to long-polling', async () => {
    // requestHeaders apply to long-polling only: the upgrade is unauthenticated → 401
    const c = newClient(srv.url, {
      transport: 'auto',
      config: { requestHeaders: { Authorization: basicOf('alice') } },
    })
    clients.push(c)
    await handshake(c)
    assert.equal(c.getTransport()?.type, 'long-polling')
    const box = await inbox(c, '/v2/me/workbins')
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { fallback: true })
    assert.deepEqual((await box.next()).data, { fallback: true })
  })
})

describe('websocket disabled in config', () => {
  it('upgrade answered 400; the official client uses long-polling', async () => {
    const srv = await startServer({ clientPublish: true, websocket: false })
    const c = newClient(srv.url, { transport: 'auto', headers: { Authorization: basicOf('bob') } })
    try {
      await assert.rejects(RawWs.open(srv.url, { authorization: basicOf('bob') }), /400/)
      await handshake(c)
      assert.equal(c.getTransport()?.type, 'long-polling')
      await publish(c, '/x', {})
    } finally {
      await disconnect(c)
      await srv.close()
    }
  })
})

describe('websocket raw frames', () => {
  let srv: TestServer
  const { sockets, open, closeAll } = rawSockets(() => srv.url)
  const connect = wsConnect

  before(async () => {
    srv = await startServer({ timeout: 1200, maxInterval: 1000, maxMessageSize: 2048 })
  })
  afterEach(closeAll)
  after(() => srv.close())

  it('a client sending frames faster than they are processed is not read from meanwhile', async () => {
    // A service call that waits: every frame behind it waits too (one socket's frames are
    // processed in order). Without flow control each would be read and kept.
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    srv.bayeux.onService('/service/slow', async () => {
      await gate
      return { ok: true }
    })
    const ws = await open()
    const clientId = await wsHandshake(ws)
    const call = { channel: '/service/slow', clientId, data: { pad: 'x'.repeat(1500) } }
    for (let i = 0; i < 2000; i++) ws.send([{ ...call, id: String(i) }])
    await until(
      () => (srv.bayeux.stats().websocketFramesWaiting ?? 0) >= 64,
      3000,
      '64 frames waiting',
    )
    await new Promise((r) => setTimeout(r, 300))
    const waiting = srv.bayeux.stats().websocketFramesWaiting ?? 0
    assert.ok(waiting < 200, `${waiting} frames read and waiting`)
    release()
    // Nothing is lost: every call is answered, in order, once reading resumes.
    const last = await ws.waitFor((m) => m.id === '1999', 20_000)
    assert.equal(last.successful, true)
    const ids = ws.messages
      .filter((m) => m.channel === '/service/slow' && m.data !== undefined)
      .map((m) => m.id)
    assert.deepEqual(
      ids,
      Array.from({ length: 2000 }, (_, i) => String(i)),
    )
    await until(() => srv.bayeux.stats().websocketFramesWaiting === 0, 3000, 'none waiting')
  })

  it('an unauthenticated upgrade is refused with 401', async () => {
    await assert.rejects(RawWs.open(srv.url), /401/)
    await assert.rejects(RawWs.open(srv.url, { authorization: basicOf('nobody') }), /401/)
    // cookie authentication on the upgrade works
    const ws = await RawWs.open(srv.url, { cookie: 'TEST_USER=bob' })
    sockets.push(ws)
    await wsHandshake(ws)
  })

  it('events are pushed without waiting for the connect; connect held as heartbeat', async () => {
    const ws = await open()
    const id = await wsHandshake(ws)
    ws.send([
      { channel: '/meta/subscribe', clientId: id, subscription: '/v2/me/workbins', id: 's' },
    ])
    await ws.waitFor((m) => m.id === 's')
    ws.send([connect(id, 'c0', { advice: { timeout: 0 } })])
    await ws.waitFor((m) => m.id === 'c0')
    const isHeld = held(srv.bayeux, id)
    const t0 = Date.now()
    ws.send([connect(id, 'c1')])
    await isHeld
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { pushed: true })
    const ev = await ws.waitFor((m) => m.channel === '/v2/me/workbins')
    assert.deepEqual(ev, { channel: '/v2/me/workbins', data: { pushed: true } })
    assert.equal(srv.bayeux.stats().heldConnects, 1) // still held
    const c1 = await ws.waitFor((m) => m.id === 'c1')
    const took = Date.now() - t0
    assert.ok(took >= 1100 && took < 2500, `connect held ${took} ms`)
    assert.equal(c1.successful, true)
  })

  it('socket close ⇒ expiry after maxInterval; a new socket of the same user resumes', async () => {
    const ws1 = await open()
    const id = await wsHandshake(ws1)
    ws1.send([connect(id, 'c0', { advice: { timeout: 0 } })])
    await ws1.waitFor((m) => m.id === 'c0')
    ws1.send([connect(id, 'c1')])
    await held(srv.bayeux, id)
    await ws1.close()
    await until(() => srv.bayeux.stats().heldConnects === 0, 1000, 'held released')
    // resume on a new socket of the same user before expiry
    const ws2 = await open()
    ws2.send([connect(id, 'c2', { advice: { timeout: 0 } })])
    assert.equal((await ws2.waitFor((m) => m.id === 'c2')).successful, true)
    // another user's socket cannot take it
    const ws3 = await open('bob')
    ws3.send([connect(id, 'c3')])
    assert.match((await ws3.waitFor((m) => m.id === 'c3')).error as string, /^402:/)
    // a long-polling request cannot take it either (no browser binding)
    const lp = await post(
      `${srv.url}/connect`,
      [{ channel: '/meta/connect', clientId: id, connectionType: 'long-polling' }],
      { authorization: basicOf('alice') },
    )
    assert.match(lp.body[0]!.error as string, /^402:/)
    const gone = removed(srv.bayeux, id, 5000)
    await ws2.close()
    assert.equal((await gone).reason, 'expired')
  })

  it('a frame over maxMessageSize closes the socket with 1009', async () => {
    const ws = await open()
    await wsHandshake(ws)
    ws.ws.send(JSON.stringify([{ channel: '/x', data: 'x'.repeat(3000) }]))
    assert.equal(await ws.closed, 1009)
    // the server is fine
    const ws2 = await open()
    await wsHandshake(ws2)
  })

  it('invalid JSON frame closes with 1007; handshake batched with others is refused', async () => {
    const ws = await open()
    ws.send([HANDSHAKE, { channel: '/x', data: {} }])
    const h = await ws.waitFor((m) => m.channel === '/meta/handshake')
    assert.equal(h.successful, false)
    assert.equal(h.clientId, undefined)
    ws.ws.send('not json')
    assert.equal(await ws.closed, 1007)
  })

  it('a binary frame closes with 1003 (data this end cannot accept)', async () => {
    const ws = await open()
    await wsHandshake(ws)
    ws.ws.send(Buffer.from(JSON.stringify([{ channel: '/meta/connect' }])), { binary: true })
    assert.equal(await ws.closed, 1003)
  })
})

describe('websocket graceful close', () => {
  it('close(): held websocket connects answered with reconnect retry, sockets closed with 1001', async () => {
    const srv = await startServer({ timeout: 5000 })
    const ws = await RawWs.open(srv.url, { authorization: basicOf('alice') })
    try {
      ws.send([HANDSHAKE])
      const id = (await ws.waitFor((m) => m.channel === '/meta/handshake')).clientId as string
      ws.send([{ channel: '/meta/connect', clientId: id, connectionType: 'websocket', id: 'c0' }])
      await ws.waitFor((m) => m.id === 'c0')
      const isHeld = held(srv.bayeux, id)
      ws.send([{ channel: '/meta/connect', clientId: id, connectionType: 'websocket', id: 'c1' }])
      await isHeld
      const stats = srv.bayeux.stats()
      for (const k of [
        'sessions',
        'heldConnects',
        'queuedMessages',
        'deliveredTotal',
        'websockets',
      ]) {
        assert.equal(typeof stats[k], 'number', k)
      }
      assert.equal(stats.heldConnects, 1)
      await srv.bayeux.close()
      const c1 = await ws.waitFor((m) => m.id === 'c1')
      assert.equal((c1.advice as { reconnect: string }).reconnect, 'retry')
      assert.equal(await ws.closed, 1001)
      await assert.rejects(RawWs.open(srv.url, { authorization: basicOf('alice') }))
    } finally {
      await ws.close()
      await srv.close()
    }
  })
})
