// The official CometD client (cometd + cometd-nodejs-client) over long-polling
// (docs/cometd.md: authentication, channels and their scoping, server-side disconnect).

import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CometD } from 'cometd'
import {
  Inbox,
  disconnect,
  handshake,
  inbox,
  newClient,
  nextOn,
  publish,
  remoteCall,
  subscribe,
} from '../helpers/cometd.ts'
import type { ClientOptions, Message } from '../helpers/cometd.ts'
import { basicOf, held, removed, startServer, until } from './helpers.ts'
import type { TestServer } from './helpers.ts'

describe('official cometd client, long-polling', () => {
  let srv: TestServer
  const clients: CometD[] = []
  const client = (user = 'alice', opts: ClientOptions = {}) => {
    const c = newClient(srv.url, { headers: { Authorization: basicOf(user) }, ...opts })
    clients.push(c)
    return c
  }

  before(async () => {
    srv = await startServer({
      clientPublish: true,
      timeout: 2000,
      maxSessionsPerBrowser: -1,
      maxSessionsPerUser: 64,
    })
    srv.bayeux.onService('/service/echo', (call) => ({
      echo: call.data,
      user: call.principal.userId,
    }))
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(disconnect))
  })
  after(() => srv.close())

  it('handshake, subscribe, deliverToUser on /v2/me/workbins', async () => {
    const c = client()
    const hs = await handshake(c)
    assert.equal(hs.successful, true)
    assert.equal(c.getTransport()?.type, 'long-polling')
    const box = await inbox(c, '/v2/me/workbins')
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { messageType: 'X', n: 1 })
    const m = await box.next()
    assert.deepEqual(m.data, { messageType: 'X', n: 1 })
    assert.equal(m.channel, '/v2/me/workbins')
  })

  it('denied handshake → client disconnected, no retries', async () => {
    const c = client('nobody')
    const before = srv.authCalls
    await assert.rejects(handshake(c), (e: { reply: Message }) => {
      assert.equal(e.reply.successful, false)
      assert.match(e.reply.error ?? '', /^403:/)
      return true
    })
    await until(() => c.getStatus() === 'disconnected', 1000, 'client disconnected')
    const calls = srv.authCalls
    await new Promise((r) => setTimeout(r, 600)) // time for a retry that must not happen
    assert.equal(srv.authCalls, calls)
    assert.equal(calls - before, 1)
  })

  it('a subscriber is woken by a publish from another client', async () => {
    const a = client('alice')
    const b = client('bob')
    await handshake(a)
    await handshake(b)
    const box = await inbox(b, '/chat/room')
    await held(srv.bayeux, b.getClientId() ?? undefined)
    const t0 = Date.now()
    const reply = await publish(a, '/chat/room', { text: 'hi' })
    assert.equal(reply.data, undefined) // publish reply without data
    const m = await box.next()
    assert.ok(Date.now() - t0 < 1000, `delivered after ${Date.now() - t0} ms`) // hold is 2000
    assert.deepEqual(m.data, { text: 'hi' })
    assert.equal(m.clientId, undefined) // no publisher clientId
  })

  it('per-user delivery and contact-center isolation', async () => {
    const a = client('alice')
    const b = client('bob')
    const c = client('carol')
    for (const x of [a, b, c]) await handshake(x)
    const boxA = await inbox(a, '/v2/me/**')
    const boxB = await inbox(b, '/v2/me/workbins')
    const roomB = await inbox(b, '/room')
    const roomC = await inbox(c, '/room')
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { to: 'alice' })
    srv.bayeux.deliverToUser('u-bob', '/v2/me/workbins', { to: 'bob' })
    assert.deepEqual((await boxA.next()).data, { to: 'alice' })
    assert.deepEqual((await boxB.next()).data, { to: 'bob' })
    await publish(a, '/room', { from: 'alice' })
    assert.deepEqual((await roomB.next()).data, { from: 'alice' })
    await publish(c, '/room', { from: 'carol' })
    assert.deepEqual((await roomC.next()).data, { from: 'carol' })
    // nothing crossed: one message each
    await publish(b, '/room', { from: 'bob' }) // a marker after the others
    assert.deepEqual((await roomB.next()).data, { from: 'bob' })
    assert.equal(boxA.all.length, 1)
    assert.equal(boxB.all.length, 1)
    assert.equal(roomC.all.length, 1)
  })

  it("other users' channels and /v2 publishes are refused with 403", async () => {
    const a = client('alice')
    await handshake(a)
    await assert.rejects(subscribe(a, '/v2/users/u-bob/workbins'), /403:/)
    await assert.rejects(subscribe(a, '/v2/users/**'), /403:/)
    await assert.rejects(publish(a, '/v2/me/workbins', { fake: true }), /403:/)
    await subscribe(a, '/v2/**') // allowed: deliveries are per user anyway
    await subscribe(a, '/service/echo') // successful no-op
  })

  it('server drops the session → client re-handshakes with reestablish', async () => {
    const a = client('alice')
    const rehandshake = new Inbox()
    a.addListener('/meta/handshake', (m) => {
      if (m.successful) {
        rehandshake.push(m)
        if (m.reestablish) a.subscribe('/v2/me/workbins', box.push)
      }
    })
    const box = new Inbox()
    await handshake(a)
    await subscribe(a, '/v2/me/workbins', box.push)
    const first = a.getClientId()!
    await held(srv.bayeux, first)
    srv.bayeux.disconnectSession(first, 'handshake')
    await rehandshake.next() // the first handshake
    const again = await rehandshake.next(3000)
    assert.equal(again.reestablish, true)
    assert.notEqual(a.getClientId(), first)
    await nextOn(a, '/meta/subscribe', (m) => m.successful === true)
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { after: 'rehandshake' })
    assert.deepEqual((await box.next()).data, { after: 'rehandshake' })
  })

  it('session expired while the client was away → re-handshake', async () => {
    const a = client('alice')
    await handshake(a)
    const first = a.getClientId()!
    await held(srv.bayeux, first)
    // make the server forget it as the sweeper would
    const gone = removed(srv.bayeux, first)
    srv.bayeux.disconnectSession(first, 'handshake')
    const hs = await nextOn(
      a,
      '/meta/handshake',
      (m) => m.successful === true && m.reestablish === true,
    )
    assert.notEqual(hs.clientId, first)
    await gone.catch(() => undefined)
  })

  it('fan-out exactly once, data intact, in order', async () => {
    const N = 12
    const M = 40
    const subs: CometD[] = []
    for (let i = 0; i < N; i++) subs.push(client(i % 2 ? 'alice' : 'bob'))
    const pub = client('bob')
    await Promise.all([...subs, pub].map((c) => handshake(c)))
    const boxes = await Promise.all(subs.map((c) => inbox(c, '/room/fan')))
    const payloads = Array.from({ length: M }, (_, i) => ({
      i,
      text: `héllo ✓ 𝄞 ${i}`,
      nested: { a: [1, null, { b: 'c' }], empty: {} },
      nothing: null,
    }))
    for (const p of payloads) pub.publish('/room/fan', p)
    for (const box of boxes) {
      const got = await box.count(M, 5000)
      assert.deepEqual(
        got.map((m) => m.data),
        payloads,
      )
    }
    await new Promise((r) => setTimeout(r, 100))
    for (const box of boxes) assert.equal(box.all.length, M) // and no duplicates later
  })

  it('wildcard matching', async () => {
    const one = client('alice')
    const many = client('alice')
    const all = client('bob')
    const pub = client('bob')
    await Promise.all([one, many, all, pub].map((c) => handshake(c)))
    const b1 = await inbox(one, '/w/*')
    const b2 = await inbox(many, '/w/**')
    const b3 = new Inbox()
    await subscribe(all, '/**', (m) => m.channel.startsWith('/meta/') || b3.push(m))
    for (const ch of ['/w', '/w/b', '/w/b/c', '/other']) await publish(pub, ch, { ch })
    // Each session gets its messages in publish order: once the last one (it matches all
    // three) has arrived, everything before it that matched has too.
    await publish(pub, '/w/end', { ch: '/w/end' })
    await Promise.all([b1.count(2), b2.count(3), b3.count(5)])
    const seen = (b: Inbox) => b.all.map((m) => m.channel)
    assert.deepEqual(seen(b1), ['/w/b', '/w/end'])
    assert.deepEqual(seen(b2), ['/w/b', '/w/b/c', '/w/end'])
    assert.deepEqual(seen(b3), ['/w', '/w/b', '/w/b/c', '/other', '/w/end'])
  })

  it('overlapping subscriptions: both listeners, one copy on the wire', async () => {
    const a = client('alice')
    await handshake(a)
    const wire: Message[] = []
    a.registerExtension('spy', {
      incoming: (m: Message) => {
        if (m.channel === '/o/b' && m.data !== undefined) wire.push(m)
        return m
      },
    })
    const x = await inbox(a, '/o/*')
    const y = await inbox(a, '/o/b')
    await publish(a, '/o/b', { once: true })
    await x.next()
    await y.next()
    assert.equal(wire.length, 1)
  })

  it('broadcastToPublisher', async () => {
    const a = client('alice')
    await handshake(a)
    const box = await inbox(a, '/self')
    await publish(a, '/self', { mine: 1 })
    assert.deepEqual((await box.next()).data, { mine: 1 })
  })

  it('service channel and remote call; never broadcast', async () => {
    const a = client('alice')
    const spy = client('bob')
    await handshake(a)
    await handshake(spy)
    const all = new Inbox()
    // the client also hands its own meta replies to a /** listener: keep broadcasts only
    await subscribe(spy, '/**', (m) => m.channel.startsWith('/meta/') || all.push(m))
    await subscribe(spy, '/service/echo', all.push)
    const r = await remoteCall(a, 'echo', { n: 1 })
    assert.deepEqual(r.data, { echo: { n: 1 }, user: 'u-alice' })
    await publish(spy, '/marker', {})
    const m = await all.next()
    assert.equal(m.channel, '/marker')
  })

  it('batch(subscribe, publish) → one request, publisher gets its own message', async () => {
    const a = client('alice')
    await handshake(a)
    const box = new Inbox()
    const n = srv.requests.length
    await new Promise<void>((resolve) => {
      a.batch(() => {
        a.subscribe('/b', box.push)
        a.publish('/b', { batched: true }, () => resolve())
      })
    })
    assert.deepEqual((await box.next()).data, { batched: true })
    const batchRequests = srv.requests.slice(n).filter((u) => !u.endsWith('/connect'))
    assert.equal(batchRequests.length, 1)
  })

  it('delivery right after the handshake reaches the client', async () => {
    const a = client('alice')
    const box = new Inbox()
    a.addListener('/meta/handshake', (m) => {
      if (m.successful) {
        // the client batches this subscribe with nothing else before its first connect
        a.subscribe('/v2/me/workbins', box.push, (r) => {
          if (r.successful) srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { early: true })
        })
      }
    })
    await handshake(a)
    assert.deepEqual((await box.next()).data, { early: true })
  })

  it('client disconnect while a connect is held', async () => {
    const a = client('alice')
    await handshake(a)
    await subscribe(a, '/gone')
    const id = a.getClientId()!
    await held(srv.bayeux, id)
    const gone = removed(srv.bayeux, id)
    const t0 = Date.now()
    const r = await new Promise<Message>((resolve) => a.disconnect(resolve))
    assert.equal(r.successful, true)
    assert.ok(Date.now() - t0 < 1000) // hold is 2000
    assert.equal((await gone).reason, 'disconnect')
    await until(() => srv.bayeux.stats().heldConnects === 0, 1000, 'held released')
    assert.equal(srv.bayeux.stats().subscriptions, 0)
  })

  it('server-side disconnectUser → /meta/disconnect, disconnected, no reconnect', async () => {
    const a = client('carol')
    await handshake(a)
    await held(srv.bayeux, a.getClientId()!)
    const got = nextOn(a, '/meta/disconnect')
    const before = srv.requests.length
    srv.bayeux.disconnectUser('u-carol')
    const m = await got
    assert.equal(m.successful, true)
    await until(() => a.getStatus() === 'disconnected', 1000, 'client disconnected')
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(srv.requests.length, before) // no connect, no handshake after it
  })
})

describe('official cometd client, multiple clients in one process', () => {
  it('same user, shared cookie jar: the second client polls with multiple-clients advice', async () => {
    const srv = await startServer({ maxSessionsPerBrowser: 1, multiSessionInterval: 300 })
    const a = newClient(srv.url, { headers: { Authorization: basicOf('alice') } })
    const b = newClient(srv.url, { headers: { Authorization: basicOf('alice') } })
    const c = newClient(srv.url, { headers: { Authorization: basicOf('bob') } })
    try {
      await handshake(a)
      await held(srv.bayeux, a.getClientId()!)
      const advised = nextOn(b, '/meta/connect', (m) => m.advice?.['multiple-clients'] === true)
      await handshake(b)
      const m = await advised
      assert.equal(m.advice?.interval, 300)
      // it still receives deliveries (at its polling pace)
      const box = await inbox(b, '/v2/me/workbins')
      srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { to: 'both' })
      assert.deepEqual((await box.next(2000)).data, { to: 'both' })
      // another user sharing the jar is held normally
      await handshake(c)
      await held(srv.bayeux, c.getClientId()!)
    } finally {
      await Promise.all([a, b, c].map(disconnect))
      await srv.close()
    }
  })
})

// The same client on the node:http path (connections handed to node, or COMETD_DIRECT_HTTP=0):
// the Bayeux part is shared, so the essentials are enough here; http-body.test.ts covers the
// wire details of both paths.
describe('official cometd client, long-polling through node:http (directHttp off)', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ timeout: 2000, directHttp: false })
  })
  after(() => srv.close())

  it('handshake, subscribe, a held connect woken by deliverToUser, disconnect', async () => {
    const c = newClient(srv.url, { headers: { Authorization: basicOf('alice') } })
    try {
      assert.equal((await handshake(c)).successful, true)
      const box = await inbox(c, '/v2/me/workbins')
      await held(srv.bayeux, c.getClientId()!)
      assert.equal(srv.bayeux.stats().directConnections, 0)
      const t0 = Date.now()
      srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 1 })
      assert.deepEqual((await box.next()).data, { n: 1 })
      assert.ok(Date.now() - t0 < 1000, 'the held connect was answered at once')
    } finally {
      await disconnect(c)
    }
    await until(() => srv.bayeux.stats().sessions === 0, 1000, 'session removed')
  })
})
