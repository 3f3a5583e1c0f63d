// /meta/connect, held polls, expiry, disconnect — raw long-polling probes
// (src/bayeux/README.md, "Held connects", "Session binding", multiple-clients).

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  HANDSHAKE,
  basicOf,
  connectMsg,
  firstConnect,
  held,
  post,
  rawHandshake,
  removed,
  startServer,
  until,
  subscribedSession,
} from './helpers.ts'
import type { TestServer } from './helpers.ts'

/** Hold time of the main suite, and what "answered at once" means even on a loaded CI box. */
const T = 1500
const FAST = 600

describe('bayeux connect (raw long-polling)', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ clientPublish: true, timeout: T, maxSessionsPerBrowser: -1 })
  })
  after(() => srv.close())

  it('first connect answered at once, with or without advice', async () => {
    for (const advice of [{ timeout: 0 }, undefined]) {
      const s = await rawHandshake(srv.url)
      const r = await post(
        `${srv.url}/connect`,
        [connectMsg(s.clientId, { id: '7', ...(advice ? { advice } : {}) })],
        s.headers,
      )
      assert.ok(r.ms < FAST, `took ${r.ms} ms`)
      assert.equal(r.body.length, 1)
      assert.equal(r.body[0]!.successful, true)
      assert.equal(r.body[0]!.id, '7')
      assert.equal((r.body[0]!.advice as { reconnect: string }).reconnect, 'retry')
    }
  })

  it('two connects in one request: each gets its reply, the last one last', async () => {
    const s = await rawHandshake(srv.url)
    await firstConnect(srv.url, s)
    const r = await post(
      `${srv.url}/connect`,
      [connectMsg(s.clientId, { id: 'x1' }), connectMsg(s.clientId, { id: 'x2' })],
      s.headers,
    )
    assert.ok(r.ms < FAST, `took ${r.ms} ms`)
    assert.deepEqual(
      r.body.map((m) => [m.channel, m.id, m.successful]),
      [
        ['/meta/connect', 'x1', true],
        ['/meta/connect', 'x2', true],
      ],
    )
  })

  it('connect advice: on the first connect and when it changes, not on every reply', async () => {
    const s = await rawHandshake(srv.url)
    const first = await firstConnect(srv.url, s)
    assert.deepEqual(first.body[0]!.advice, { reconnect: 'retry', interval: 0, timeout: T })
    const quick = { advice: { timeout: 0 } }
    for (const id of ['a1', 'a2']) {
      const r = await post(
        `${srv.url}/connect`,
        [connectMsg(s.clientId, { id, ...quick })],
        s.headers,
      )
      assert.equal(r.body[0]!.successful, true)
      assert.equal(r.body[0]!.advice, undefined, `${id}: same advice is not repeated`)
    }
    // A changed advice is sent (server-side disconnect → reconnect none).
    srv.bayeux.disconnectSession(s.clientId, 'none')
    const end = await post(`${srv.url}/connect`, [connectMsg(s.clientId, quick)], s.headers)
    assert.deepEqual(end.body.at(-1)!.advice, { reconnect: 'none', interval: 0 })
  })

  it('a later connect is held for about advice.timeout', async () => {
    const s = await rawHandshake(srv.url)
    await firstConnect(srv.url, s)
    const r = await post(`${srv.url}/connect`, [connectMsg(s.clientId, { id: 'c1' })], s.headers)
    assert.ok(r.ms >= 0.9 * T && r.ms <= T + 1000, `held ${r.ms} ms`)
    assert.equal(r.body[0]!.successful, true)
    assert.equal(r.body[0]!.id, 'c1')
  })

  it('client advice.timeout is honoured', async () => {
    const s = await rawHandshake(srv.url)
    await firstConnect(srv.url, s)
    const r = await post(
      `${srv.url}/connect`,
      [connectMsg(s.clientId, { advice: { timeout: 300 } })],
      s.headers,
    )
    assert.ok(r.ms >= 270 && r.ms < T, `held ${r.ms} ms`)
    const zero = await post(
      `${srv.url}/connect`,
      [connectMsg(s.clientId, { advice: { timeout: 0 } })],
      s.headers,
    )
    assert.ok(zero.ms < FAST, `took ${zero.ms} ms`)
  })

  it('a held connect wakes on delivery; event precedes the reply', async () => {
    const s = await subscribedSession(srv.url, '/v2/me/workbins')
    const isHeld = held(srv.bayeux, s.clientId)
    const poll = post(`${srv.url}/connect`, [connectMsg(s.clientId, { id: 'c9' })], s.headers)
    await isHeld
    const t0 = Date.now()
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 1 })
    const r = await poll
    assert.ok(Date.now() - t0 < FAST, `woke after ${Date.now() - t0} ms`)
    assert.deepEqual(
      r.body.map((m) => m.channel),
      ['/v2/me/workbins', '/meta/connect'],
    )
    assert.deepEqual(r.body[0], { channel: '/v2/me/workbins', data: { n: 1 } })
    assert.equal(r.body[1]!.id, 'c9')
  })

  it('queued events → connect not held', async () => {
    const s = await subscribedSession(srv.url, '/v2/me/*')
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 2 })
    // the delivery wakes nothing (no connect held); the next connect takes it at once
    const r = await post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    assert.ok(r.ms < FAST, `took ${r.ms} ms`)
    assert.deepEqual(r.body[0], { channel: '/v2/me/workbins', data: { n: 2 } })
  })

  it('a second connect completes the held one; never two held', async () => {
    const s = await rawHandshake(srv.url)
    await firstConnect(srv.url, s)
    const isHeld = held(srv.bayeux, s.clientId)
    const a = post(`${srv.url}/connect`, [connectMsg(s.clientId, { id: 'A' })], s.headers)
    await isHeld
    const heldB = held(srv.bayeux, s.clientId)
    const b = post(`${srv.url}/connect`, [connectMsg(s.clientId, { id: 'B' })], s.headers)
    const ra = await a
    assert.ok(ra.status >= 400, `superseded connect status ${ra.status}`)
    assert.ok(ra.ms < T, `A completed after ${ra.ms} ms`)
    await heldB
    assert.equal(srv.bayeux.stats().heldConnects, 1)
    const rb = await b
    assert.equal(rb.status, 200)
    assert.equal(rb.body[0]!.id, 'B')
  })

  it('connect batched with a publish is answered at once', async () => {
    const s = await rawHandshake(srv.url)
    await firstConnect(srv.url, s)
    const r = await post(
      srv.url,
      [
        connectMsg(s.clientId, { id: 'c' }),
        { channel: '/chat', clientId: s.clientId, data: {}, id: 'p' },
      ],
      s.headers,
    )
    assert.ok(r.ms < FAST, `took ${r.ms} ms`)
    assert.deepEqual(
      r.body.map((m) => [m.channel, m.id, m.successful]),
      [
        ['/chat', 'p', true],
        ['/meta/connect', 'c', true], // connect reply last
      ],
    )
  })

  it('unknown clientId → 402, connect advises handshake', async () => {
    const s = await rawHandshake(srv.url)
    const bogus = 'x'.repeat(40)
    const r = await post(
      srv.url,
      [
        { channel: '/meta/subscribe', clientId: bogus, subscription: '/a', id: '1' },
        { channel: '/a', clientId: bogus, data: {}, id: '2' },
        connectMsg(bogus, { id: '3' }),
      ],
      s.headers,
    )
    assert.equal(r.body.length, 3)
    for (const m of r.body) {
      assert.equal(m.successful, false)
      assert.match(m.error as string, /^402:/)
    }
    assert.deepEqual(r.body[2]!.advice, { reconnect: 'handshake', interval: 0 })
    const d = await post(srv.url, [{ channel: '/meta/disconnect', clientId: bogus }], s.headers)
    assert.match(d.body[0]!.error as string, /^402:/)
  })

  it('a clientId without its BAYEUX_BROWSER cookie is unknown', async () => {
    const s = await rawHandshake(srv.url)
    const other = await rawHandshake(srv.url) // a different browser cookie
    assert.notEqual(s.cookie, other.cookie)
    for (const headers of [{}, other.headers, { cookie: 'BAYEUX_BROWSER=abc' }]) {
      const r = await post(`${srv.url}/connect`, [connectMsg(s.clientId)], headers)
      assert.match(r.body[0]!.error as string, /^402:/)
      assert.equal((r.body[0]!.advice as { reconnect: string }).reconnect, 'handshake')
    }
    const ok = await post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    assert.equal(ok.body[0]!.successful, true)
  })

  it('/meta/disconnect releases the held connect at once', async () => {
    const s = await subscribedSession(srv.url, '/a')
    const isHeld = held(srv.bayeux, s.clientId)
    const poll = post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    await isHeld
    const gone = removed(srv.bayeux, s.clientId)
    const d = await post(
      srv.url,
      [{ channel: '/meta/disconnect', clientId: s.clientId, id: 'd' }],
      s.headers,
    )
    assert.deepEqual(d.body, [{ channel: '/meta/disconnect', id: 'd', successful: true }])
    const r = await poll
    assert.ok(r.ms < FAST, `held connect completed after ${r.ms} ms`)
    assert.equal((r.body.at(-1)!.advice as { reconnect: string }).reconnect, 'none')
    assert.equal((await gone).reason, 'disconnect')
    const later = await post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    assert.match(later.body[0]!.error as string, /^402:/)
  })

  it('a delivery right after handshake arrives with the first connect', async () => {
    const s = await rawHandshake(srv.url)
    await post(
      srv.url,
      [{ channel: '/meta/subscribe', clientId: s.clientId, subscription: '/v2/me/workbins' }],
      s.headers,
    )
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { early: 1 })
    const r = await firstConnect(srv.url, s)
    assert.deepEqual(
      r.body.map((m) => m.channel),
      ['/v2/me/workbins', '/meta/connect'],
    )
  })

  it('server-side disconnect delivers /meta/disconnect, reconnect none', async () => {
    const s = await rawHandshake(srv.url, 'bob')
    await firstConnect(srv.url, s)
    const isHeld = held(srv.bayeux, s.clientId)
    const poll = post(`${srv.url}/connect`, [connectMsg(s.clientId, { id: 'h' })], s.headers)
    await isHeld
    srv.bayeux.disconnectUser('u-bob')
    const r = await poll
    assert.ok(r.ms < FAST)
    assert.deepEqual(r.body[0], { channel: '/meta/disconnect', successful: true })
    assert.equal(r.body[1]!.channel, '/meta/connect')
    assert.deepEqual(r.body[1]!.advice, { reconnect: 'none', interval: 0 })
    // not held: the tombstone answers the next connect the same way, once
    const s2 = await rawHandshake(srv.url, 'bob')
    await firstConnect(srv.url, s2)
    srv.bayeux.disconnectUser('u-bob')
    const r2 = await post(`${srv.url}/connect`, [connectMsg(s2.clientId)], s2.headers)
    assert.deepEqual(r2.body[0], { channel: '/meta/disconnect', successful: true })
    assert.deepEqual(r2.body[1]!.advice, { reconnect: 'none', interval: 0 })
    const r3 = await post(`${srv.url}/connect`, [connectMsg(s2.clientId)], s2.headers)
    assert.match(r3.body[0]!.error as string, /^402:/)
  })

  it('disconnectSession(id, "handshake"): next connect fails with reconnect handshake', async () => {
    const s = await rawHandshake(srv.url, 'bob')
    await firstConnect(srv.url, s)
    assert.equal(srv.bayeux.disconnectSession(s.clientId, 'handshake'), true)
    const r = await post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    assert.equal(r.body[0]!.successful, false)
    assert.deepEqual(r.body[0]!.advice, { reconnect: 'handshake', interval: 0 })
  })
})

describe('bayeux client advice.timeout', () => {
  it('is honoured up to maxClientTimeout, even beyond what a timer can take', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    const srv = await startServer({ timeout: 200, maxClientTimeout: 600 })
    try {
      const s = await rawHandshake(srv.url)
      await firstConnect(srv.url, s)
      for (const timeout of [400, 3e9]) {
        const isHeld = held(srv.bayeux, s.clientId)
        const poll = post(
          `${srv.url}/connect`,
          [connectMsg(s.clientId, { advice: { timeout } })],
          s.headers,
        )
        await isHeld
        const r = await poll
        assert.equal(r.body[0]!.successful, true)
        const expected = Math.min(timeout, 600)
        assert.ok(r.ms >= expected - 50 && r.ms < expected + 400, `${timeout}: held ${r.ms} ms`)
      }
      assert.deepEqual(
        warnings.map((w) => w.name),
        [],
        'no TimeoutOverflowWarning (a timer re-armed every 1 ms)',
      )
    } finally {
      process.off('warning', onWarning)
      await srv.close()
    }
  })
})

describe('bayeux session expiry (raw long-polling)', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ timeout: 800, maxInterval: 400, maxSessionsPerBrowser: -1 })
  })
  after(() => srv.close())

  it('a session that stops connecting expires; later → 402', async () => {
    const s = await subscribedSession(srv.url, '/exp')
    const t0 = Date.now()
    const e = await removed(srv.bayeux, s.clientId)
    const waited = Date.now() - t0
    assert.equal(e.reason, 'expired')
    // interval(0) + maxInterval(400) + up to 2 sweeps (100), with slack for a loaded box
    assert.ok(waited >= 300 && waited < 3000, `expired after ${waited} ms`)
    const r = await post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    assert.deepEqual(r.body[0]!.advice, { reconnect: 'handshake', interval: 0 })
  })

  it('a held connect keeps the session alive past maxInterval', async () => {
    const s = await rawHandshake(srv.url)
    await firstConnect(srv.url, s)
    let expired = false
    const on = (e: { clientId: string }) => {
      if (e.clientId === s.clientId) expired = true
    }
    srv.bayeux.events.on('removed', on)
    // two held polls of 800 ms each (> maxInterval 400) in a row
    await post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    const r = await post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    srv.bayeux.events.off('removed', on)
    assert.equal(expired, false)
    assert.equal(r.body[0]!.successful, true)
  })

  it('aborted held connect → no crash; queued events wait for the next connect', async () => {
    const s = await subscribedSession(srv.url, '/v2/me/workbins')
    const ac = new AbortController()
    const isHeld = held(srv.bayeux, s.clientId)
    const poll = post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers, ac.signal).catch(
      () => null,
    )
    await isHeld
    ac.abort()
    await poll
    await until(() => srv.bayeux.stats().heldConnects === 0, 1000, 'held connect released')
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { kept: true })
    const r = await post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    assert.deepEqual(r.body[0], { channel: '/v2/me/workbins', data: { kept: true } })
    // and if it never comes back, it expires
    const gone = await removed(srv.bayeux, s.clientId)
    assert.equal(gone.reason, 'expired')
  })
})

describe('bayeux multiple clients per browser (raw)', () => {
  it('second held poll of one browser+user is not held; advice multiple-clients', async () => {
    const srv = await startServer({
      timeout: 800,
      maxSessionsPerBrowser: 1,
      multiSessionInterval: 1500,
    })
    try {
      const a = await rawHandshake(srv.url, 'alice')
      const b = await rawHandshake(srv.url, 'alice', {}, a.cookie) // same browser
      const c = await rawHandshake(srv.url, 'bob', {}, a.cookie) // same browser, other user
      for (const s of [a, b, c]) await firstConnect(srv.url, s)
      const heldA = held(srv.bayeux, a.clientId)
      const pa = post(`${srv.url}/connect`, [connectMsg(a.clientId)], a.headers)
      await heldA
      const rb = await post(`${srv.url}/connect`, [connectMsg(b.clientId)], b.headers)
      assert.ok(rb.ms < FAST, `second poll took ${rb.ms} ms`)
      assert.equal(rb.body[0]!.successful, true)
      const adv = rb.body[0]!.advice as Record<string, unknown>
      assert.equal(adv['multiple-clients'], true)
      assert.equal(adv.interval, 1500)
      assert.equal(adv.reconnect, 'retry')
      // a different user sharing the cookie is held normally
      const heldC = held(srv.bayeux, c.clientId)
      const pc = post(`${srv.url}/connect`, [connectMsg(c.clientId)], c.headers)
      await heldC
      await Promise.all([pa, pc])
    } finally {
      await srv.close()
    }
  })

  it('a session told to poll at the multiple-clients interval lives until it does', async () => {
    // interval + maxInterval (0 + 1000) is shorter than the advised 2500: the session must not
    // expire while its client waits as told.
    const srv = await startServer({
      timeout: 5000,
      maxInterval: 1000,
      maxSessionsPerBrowser: 1,
      multiSessionInterval: 2500,
    })
    try {
      const a = await rawHandshake(srv.url)
      const b = await rawHandshake(srv.url, 'alice', {}, a.cookie)
      await firstConnect(srv.url, a)
      await firstConnect(srv.url, b)
      const ac = new AbortController()
      const heldA = held(srv.bayeux, a.clientId)
      const pa = post(`${srv.url}/connect`, [connectMsg(a.clientId)], a.headers, ac.signal).catch(
        () => null,
      )
      await heldA
      const r1 = await post(`${srv.url}/connect`, [connectMsg(b.clientId)], b.headers)
      assert.equal((r1.body[0]!.advice as Record<string, unknown>).interval, 2500)
      await new Promise((r) => setTimeout(r, 2500)) // as advised
      const r2 = await post(`${srv.url}/connect`, [connectMsg(b.clientId)], b.headers)
      assert.equal(r2.body[0]!.successful, true, r2.text)
      ac.abort()
      await pa
    } finally {
      await srv.close()
    }
  })

  it('maxSessionsPerBrowser=-1: both held', async () => {
    const srv = await startServer({ timeout: 500, maxSessionsPerBrowser: -1 })
    try {
      const a = await rawHandshake(srv.url)
      const b = await rawHandshake(srv.url, 'alice', {}, a.cookie)
      await firstConnect(srv.url, a)
      await firstConnect(srv.url, b)
      const both = Promise.all([held(srv.bayeux, a.clientId), held(srv.bayeux, b.clientId)])
      const polls = Promise.all([
        post(`${srv.url}/connect`, [connectMsg(a.clientId)], a.headers),
        post(`${srv.url}/connect`, [connectMsg(b.clientId)], b.headers),
      ])
      await both
      assert.equal(srv.bayeux.stats().heldConnects, 2)
      for (const r of await polls) assert.ok(r.ms >= 400, `held ${r.ms}`)
    } finally {
      await srv.close()
    }
  })
})

describe('bayeux graceful close', () => {
  it('close(): held connects answered with reconnect retry; handshakes refused', async () => {
    const srv = await startServer({ timeout: 5000 })
    const s = await rawHandshake(srv.url)
    await firstConnect(srv.url, s)
    const isHeld = held(srv.bayeux, s.clientId)
    const poll = post(`${srv.url}/connect`, [connectMsg(s.clientId)], s.headers)
    await isHeld
    const closing = srv.bayeux.close()
    const r = await poll
    assert.ok(r.ms < 1000)
    assert.equal((r.body[0]!.advice as { reconnect: string }).reconnect, 'retry')
    const h = await post(`${srv.url}/handshake`, [HANDSHAKE], { authorization: basicOf('alice') })
    assert.equal(h.body[0]!.successful, false)
    assert.match(h.body[0]!.error as string, /^503:/)
    await closing
    await srv.close()
  })
})
