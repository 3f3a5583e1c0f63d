// Subscriptions, publishes and channel rules, raw probes: reply shapes, /v2 scoping, one
// copy per session, queue and subscription limits (src/bayeux/README.md, "Channels", "Limits").

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { connectMsg, firstConnect, held, post, rawHandshake, startServer } from './helpers.ts'
import type { Msg, RawSession, TestServer } from './helpers.ts'

const sub = (s: RawSession, subscription: unknown, id = 's'): Msg => ({
  channel: '/meta/subscribe',
  clientId: s.clientId,
  subscription,
  id,
})
const unsub = (s: RawSession, subscription: unknown, id = 'u'): Msg => ({
  channel: '/meta/unsubscribe',
  clientId: s.clientId,
  subscription,
  id,
})
const pub = (s: RawSession, channel: string, data: unknown, id = 'p'): Msg => ({
  channel,
  clientId: s.clientId,
  data,
  id,
})

describe('bayeux channels (raw)', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({
      clientPublish: true, // client publishes to broadcast channels
      timeout: 500,
      maxSessionsPerBrowser: -1,
      maxSubscriptionsPerSession: 4,
      maxSessionsPerUser: 64,
    })
    srv.bayeux.onService('/service/boom', () => {
      throw new Error('boom')
    })
  })
  after(() => srv.close())

  /** Messages the session has queued (an immediate connect). */
  const drain = async (s: RawSession): Promise<Msg[]> => {
    const r = await post(srv.url, [connectMsg(s.clientId, { advice: { timeout: 0 } })], s.headers)
    return r.body.filter((m) => m.channel !== '/meta/connect')
  }

  it('replies echo subscription (string and array) and id', async () => {
    const s = await rawHandshake(srv.url)
    const r = await post(
      srv.url,
      [
        sub(s, '/a', '1'),
        sub(s, ['/b', '/c/*'], '2'),
        unsub(s, ['/b', '/c/*'], '3'),
        unsub(s, '/a', '4'),
      ],
      s.headers,
    )
    assert.deepEqual(r.body, [
      { channel: '/meta/subscribe', id: '1', subscription: '/a', successful: true },
      { channel: '/meta/subscribe', id: '2', subscription: ['/b', '/c/*'], successful: true },
      { channel: '/meta/unsubscribe', id: '3', subscription: ['/b', '/c/*'], successful: true },
      { channel: '/meta/unsubscribe', id: '4', subscription: '/a', successful: true },
    ])
    // after unsubscribe: no delivery
    const other = await rawHandshake(srv.url, 'bob')
    await post(srv.url, [pub(other, '/a', { x: 1 }), pub(other, '/c/d', { x: 2 })], other.headers)
    assert.deepEqual(await drain(s), [])
  })

  it('invalid subscriptions fail and record nothing', async () => {
    const s = await rawHandshake(srv.url)
    const bad: unknown[] = [
      '/meta/foo',
      '/meta/**',
      '/bad name',
      '/a/*/b',
      '/a/***',
      'no-slash',
      '',
      [],
      ['/ok', '/bad name'],
      42,
    ]
    for (const subscription of bad) {
      const r = await post(srv.url, [sub(s, subscription)], s.headers)
      const m = r.body[0]!
      assert.equal(m.successful, false, JSON.stringify(subscription))
      assert.match(m.error as string, /^4\d\d:/)
      assert.deepEqual(m.subscription, subscription)
    }
    const missing = await post(
      srv.url,
      [{ channel: '/meta/subscribe', clientId: s.clientId }],
      s.headers,
    )
    assert.match(missing.body[0]!.error as string, /^403::subscription_missing/)
    const stats = srv.bayeux.stats()
    // '/ok' of the failed array was not recorded: a publish there reaches nobody
    await post(srv.url, [pub(s, '/ok', {})], s.headers)
    assert.deepEqual(await drain(s), [])
    assert.equal(srv.bayeux.stats().subscriptions, stats.subscriptions)
  })

  it('/v2 scoping of subscriptions and publishes', async () => {
    const s = await rawHandshake(srv.url)
    for (const ch of ['/v2/users/u-bob/workbins', '/v2/users/**', '/v2/other', '/v2']) {
      const r = await post(srv.url, [sub(s, ch)], s.headers)
      assert.match(r.body[0]!.error as string, /^403:other_user:subscribe_denied/, ch)
    }
    const ok = await post(srv.url, [sub(s, ['/v2/me/workbins', '/v2/*', '/v2/**'])], s.headers)
    assert.equal(ok.body[0]!.successful, true)
    for (const ch of ['/v2/me/workbins', '/v2/users/u-bob/workbins', '/v2/x']) {
      const r = await post(srv.url, [pub(s, ch, { fake: true })], s.headers)
      assert.match(r.body[0]!.error as string, /^403:/, ch)
    }
    // server deliveries to alice on /v2/me/workbins: once, although three subscriptions match
    srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { once: true })
    assert.deepEqual(await drain(s), [{ channel: '/v2/me/workbins', data: { once: true } }])
  })

  it('publish reply shape; bad channels', async () => {
    const s = await rawHandshake(srv.url)
    const r = await post(srv.url, [pub(s, '/x/y', { a: 1 }, 'p1')], s.headers)
    assert.deepEqual(r.body, [{ channel: '/x/y', id: 'p1', successful: true }])
    const checks: [Msg, RegExp][] = [
      [pub(s, '/x/*', {}), /^405:/],
      [pub(s, '/bad name', {}), /^405:/],
      [{ channel: '/x', clientId: s.clientId, id: 'n' }, /^400::data_missing/],
      [pub(s, '/meta/foo', {}), /^403:/],
      [{ channel: '/x', data: {}, id: 'anon' }, /^402:/], // no clientId
    ]
    for (const [msg, re] of checks) {
      const e = await post(srv.url, [msg], s.headers)
      assert.equal(e.body[0]!.successful, false, JSON.stringify(msg))
      assert.match(e.body[0]!.error as string, re)
      assert.equal(e.body[0]!.data, undefined)
    }
  })

  it('overlapping subscriptions → one copy; no publisher id leaks', async () => {
    const s = await rawHandshake(srv.url)
    const p = await rawHandshake(srv.url, 'bob')
    await post(srv.url, [sub(s, ['/o/*', '/o/b', '/o/**'])], s.headers)
    await post(srv.url, [pub(p, '/o/b', { v: [1, 'ü', null] }, 'secret-id')], p.headers)
    const got = await drain(s)
    assert.deepEqual(got, [{ channel: '/o/b', data: { v: [1, 'ü', null] } }])
    assert.ok(!JSON.stringify(got).includes(p.clientId))
  })

  it('/meta and /service traffic is never broadcast', async () => {
    const spy = await rawHandshake(srv.url, 'bob')
    await post(srv.url, [sub(spy, '/**')], spy.headers)
    const svc = await post(srv.url, [sub(spy, '/service/echo')], spy.headers)
    assert.equal(svc.body[0]!.successful, true) // successful no-op
    const s = await rawHandshake(srv.url)
    await post(srv.url, [sub(s, '/t')], s.headers)
    await post(
      srv.url,
      [connectMsg(s.clientId, { advice: { timeout: 0 } }), pub(s, '/service/echo', { x: 1 })],
      s.headers,
    )
    await post(
      srv.url,
      [unsub(s, '/t'), { channel: '/meta/disconnect', clientId: s.clientId }],
      s.headers,
    )
    // the spy's own publish: its event rides on the publish response (piggy-back)
    const end = await post(srv.url, [pub(spy, '/end', {})], spy.headers)
    const events = [...end.body.filter((m) => m.id !== 'p'), ...(await drain(spy))]
    assert.deepEqual(
      events.map((m) => m.channel),
      ['/end'],
    )
  })

  it('invalid message ids are refused with 405, valid ones echoed', async () => {
    const s = await rawHandshake(srv.url)
    for (const id of [{ a: 1 }, '', 'with space', 'x'.repeat(129), ['1']]) {
      const r = await post(srv.url, [{ ...pub(s, '/x', {}), id }], s.headers)
      assert.equal(r.body[0]!.successful, false, JSON.stringify(id))
      assert.match(r.body[0]!.error as string, /^405::message_id_invalid/)
      assert.equal(r.body[0]!.id, undefined)
    }
    for (const id of ['1', 'a-b_c.9', 7, '3f2504e0-4f89-11d3-9a0c-0305e82c3301']) {
      const r = await post(srv.url, [{ ...pub(s, '/x', {}), id }], s.headers)
      assert.equal(r.body[0]!.successful, true)
      assert.equal(r.body[0]!.id, id)
    }
  })

  it('service handler failure → successful:false, 500 error', async () => {
    const s = await rawHandshake(srv.url)
    const r = await post(srv.url, [pub(s, '/service/boom', {}, 'b')], s.headers)
    assert.equal(r.body[0]!.successful, false)
    assert.match(r.body[0]!.error as string, /^500:/)
    // service without a handler: acknowledged, goes nowhere
    const r2 = await post(srv.url, [pub(s, '/service/none', {}, 'n')], s.headers)
    assert.equal(r2.body[0]!.successful, true)
  })

  it('maxSubscriptionsPerSession: the subscription over the limit fails with a clear 403', async () => {
    const s = await rawHandshake(srv.url)
    const r = await post(srv.url, [sub(s, ['/l/1', '/l/2', '/l/3'])], s.headers)
    assert.equal(r.body[0]!.successful, true)
    const again = await post(srv.url, [sub(s, '/l/1')], s.headers) // already there: no new slot
    assert.equal(again.body[0]!.successful, true)
    const over = await post(srv.url, [sub(s, ['/l/4', '/l/5'])], s.headers)
    assert.equal(over.body[0]!.successful, false)
    assert.match(over.body[0]!.error as string, /^403:max_subscriptions_per_session=4:/)
    const fits = await post(srv.url, [sub(s, '/l/4')], s.headers)
    assert.equal(fits.body[0]!.successful, true)
  })

  it('deliverToUser refuses wildcard and meta channels (programming error)', () => {
    assert.throws(() => srv.bayeux.deliverToUser('u-alice', '/v2/me/*', {}), TypeError)
    assert.throws(() => srv.bayeux.deliverToUser('u-alice', '/meta/connect', {}), TypeError)
  })
})

describe('bayeux queue limit', () => {
  it('a subscriber that never connects: queue capped, session ended with reconnect handshake, warning logged', async () => {
    const srv = await startServer({ maxQueue: 50, maxSessionsPerBrowser: -1 })
    try {
      const slow = await rawHandshake(srv.url)
      const fast = await rawHandshake(srv.url, 'bob')
      await post(srv.url, [sub(slow, '/v2/me/workbins')], slow.headers)
      await post(srv.url, [sub(fast, '/v2/me/workbins')], fast.headers)
      await firstConnect(srv.url, fast)
      for (let i = 0; i < 200; i++) {
        srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { i })
        srv.bayeux.deliverToUser('u-bob', '/v2/me/workbins', { i })
        if (i % 20 === 19) {
          // the fast consumer keeps up
          const r = await post(
            srv.url,
            [connectMsg(fast.clientId, { advice: { timeout: 0 } })],
            fast.headers,
          )
          assert.equal(r.body.at(-1)!.successful, true)
        }
      }
      assert.ok((srv.bayeux.stats().queuedMessages ?? 0) <= 50)
      const r = await post(srv.url, [connectMsg(slow.clientId)], slow.headers)
      const reply = r.body.at(-1)!
      assert.equal(reply.successful, false)
      assert.match(reply.error as string, /^409:max_queue=50:/)
      assert.deepEqual(reply.advice, { reconnect: 'handshake', interval: 0 })
      // gone for good
      const again = await post(srv.url, [connectMsg(slow.clientId)], slow.headers)
      assert.match(again.body[0]!.error as string, /^402:/)
      assert.equal(srv.bayeux.stats().terminatedTotal, 1)
    } finally {
      await srv.close()
    }
  })

  it('a held connect of an overflowing session is answered at once with handshake advice', async () => {
    const srv = await startServer({ maxQueue: 3, maxSessionsPerBrowser: -1 })
    try {
      const s = await rawHandshake(srv.url)
      await post(srv.url, [sub(s, '/v2/me/workbins')], s.headers)
      await firstConnect(srv.url, s)
      const isHeld = held(srv.bayeux, s.clientId)
      const poll = post(srv.url, [connectMsg(s.clientId)], s.headers)
      await isHeld
      // four deliveries in one tick: the 4th overflows before the poll is written
      for (let i = 0; i < 4; i++) srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { i })
      const r = await poll
      assert.deepEqual(r.body.at(-1)!.advice, { reconnect: 'handshake', interval: 0 })
      assert.equal(r.body.length, 1)
    } finally {
      await srv.close()
    }
  })
})

describe('client publishes to broadcast channels (COMETD_CLIENT_PUBLISH)', () => {
  it('refused by default with 403 and nothing delivered; /service/** still answered', async () => {
    const srv = await startServer({ maxSessionsPerBrowser: -1 })
    try {
      srv.bayeux.onService('/service/echo', (call) => call.data)
      const listener = await rawHandshake(srv.url, 'bob')
      await post(srv.url, [sub(listener, '/room')], listener.headers)
      await firstConnect(srv.url, listener)
      const s = await rawHandshake(srv.url)
      const r = await post(srv.url, [pub(s, '/room', { x: 1 })], s.headers)
      assert.deepEqual(r.body, [
        {
          channel: '/room',
          id: 'p',
          successful: false,
          error: '403:broadcast_channel:publish_denied',
        },
      ])
      assert.equal(srv.bayeux.stats().queuedMessages, 0)
      const svc = await post(srv.url, [pub(s, '/service/echo', { y: 2 }, 'e')], s.headers)
      assert.ok(svc.body.some((m) => m.channel === '/service/echo' && m.successful === true))
      assert.ok(svc.body.some((m) => m.channel === '/service/echo' && m.data !== undefined))
    } finally {
      await srv.close()
    }
  })

  it('allowed with clientPublish: true', async () => {
    const srv = await startServer({ clientPublish: true, maxSessionsPerBrowser: -1 })
    try {
      const listener = await rawHandshake(srv.url, 'bob')
      await post(srv.url, [sub(listener, '/room')], listener.headers)
      await firstConnect(srv.url, listener)
      const s = await rawHandshake(srv.url)
      const r = await post(srv.url, [pub(s, '/room', { x: 1 })], s.headers)
      assert.equal(r.body.at(-1)!.successful, true)
      const got = await post(
        srv.url,
        [connectMsg(listener.clientId, { advice: { timeout: 0 } })],
        listener.headers,
      )
      assert.deepEqual(got.body[0], { channel: '/room', data: { x: 1 } })
    } finally {
      await srv.close()
    }
  })
})

describe('bayeux channel name length (COMETD_MAX_CHANNEL_LENGTH)', () => {
  let srv: TestServer
  let calls = 0
  before(async () => {
    // the default limit (256); client publishes on, so broadcast publishes reach the check
    srv = await startServer({ clientPublish: true, maxSessionsPerBrowser: -1 })
    srv.bayeux.onService('/service/count', () => {
      calls++
      return undefined
    })
  })
  after(() => srv.close())

  /** A valid channel name of exactly `length` characters under `prefix`. */
  const named = (prefix: string, length: number) => prefix + 'a'.repeat(length - prefix.length)
  const drain = async (s: RawSession): Promise<Msg[]> => {
    const r = await post(srv.url, [connectMsg(s.clientId, { advice: { timeout: 0 } })], s.headers)
    return r.body.filter((m) => m.channel !== '/meta/connect')
  }

  it('subscribe: 256 characters work; 257 (alone or in an array) fail with the limit named, nothing recorded', async () => {
    const s = await rawHandshake(srv.url)
    const ok = await post(srv.url, [sub(s, named('/x/', 256))], s.headers)
    assert.equal(ok.body[0]!.successful, true)
    const subscriptions = srv.bayeux.stats().subscriptions
    for (const subscription of [
      named('/x/', 257),
      named('/x/', 65_000),
      named('/x/', 257).slice(0, -1) + '*', // a wildcard pattern counts the same
      ['/fine', named('/y/', 257)],
    ]) {
      const r = await post(srv.url, [sub(s, subscription)], s.headers)
      const m = r.body[0]!
      assert.equal(m.successful, false)
      assert.equal(m.error, '403:max_channel_length=256:subscription_invalid')
    }
    assert.equal(srv.bayeux.stats().subscriptions, subscriptions)
    // '/fine' of the refused array was not recorded: a publish there reaches nobody
    const p = await rawHandshake(srv.url, 'bob')
    await post(srv.url, [pub(p, '/fine', {})], p.headers)
    assert.deepEqual(await drain(s), [])
    // unsubscribing is not limited (a session restored with an older, longer name can drop it)
    const un = await post(srv.url, [unsub(s, named('/x/', 257))], s.headers)
    assert.equal(un.body[0]!.successful, true)
  })

  it('publish: broadcast and /service channels over 256 characters fail with 405, nothing delivered or called', async () => {
    const spy = await rawHandshake(srv.url, 'bob')
    await post(srv.url, [sub(spy, '/**')], spy.headers)
    const s = await rawHandshake(srv.url)
    for (const channel of [named('/x/', 257), named('/x/', 65_000), named('/service/count', 257)]) {
      const r = await post(srv.url, [pub(s, channel, { x: 1 })], s.headers)
      const m = r.body[0]!
      assert.equal(m.successful, false)
      assert.equal(m.error, '405:max_channel_length=256:channel_invalid')
    }
    // refused before the session is looked at, as any invalid channel
    const anon = await post(srv.url, [{ channel: named('/x/', 257), data: {}, id: 'a' }], {})
    assert.equal(anon.body[0]!.error, '405:max_channel_length=256:channel_invalid')
    assert.deepEqual(await drain(spy), [])
    assert.equal(calls, 0)
    // at the limit both work
    const fits = named('/x/', 256)
    assert.equal(
      (await post(srv.url, [pub(s, fits, { x: 2 })], s.headers)).body[0]!.successful,
      true,
    )
    assert.deepEqual(await drain(spy), [{ channel: fits, data: { x: 2 } }])
    const svc = await post(srv.url, [pub(s, '/service/count', {})], s.headers)
    assert.equal(svc.body[0]!.successful, true)
    assert.equal(calls, 1)
  })

  it('the limit is configurable', async () => {
    const small = await startServer({ maxChannelLength: 32, maxSessionsPerBrowser: -1 })
    try {
      const s = await rawHandshake(small.url)
      const ok = await post(small.url, [sub(s, ['/v2/me/workbins', named('/x/', 32)])], s.headers)
      assert.equal(ok.body[0]!.successful, true)
      const over = await post(small.url, [sub(s, named('/x/', 33))], s.headers)
      assert.equal(over.body[0]!.error, '403:max_channel_length=32:subscription_invalid')
    } finally {
      await small.close()
    }
  })
})

describe('bayeux publish data depth (COMETD_MAX_DATA_DEPTH)', () => {
  /** `{"a":{"a":...}}` nested `depth` deep. */
  const nested = (depth: number): unknown => {
    let v: unknown = 1
    for (let i = 0; i < depth; i++) v = { a: v }
    return v
  }

  it('data deeper than the limit fails with 400, nothing delivered or called; at the limit it works', async () => {
    const srv = await startServer({ clientPublish: true, maxSessionsPerBrowser: -1 })
    let calls = 0
    srv.bayeux.onService('/service/count', () => {
      calls++
      return undefined
    })
    try {
      const spy = await rawHandshake(srv.url, 'bob')
      await post(srv.url, [sub(spy, '/room')], spy.headers)
      await firstConnect(srv.url, spy)
      const s = await rawHandshake(srv.url)
      // 5,000 deep overflowed the stack while the message was queued: a 500 for the publisher.
      for (const depth of [33, 5_000]) {
        for (const channel of ['/room', '/service/count']) {
          // Written by hand: JSON.stringify cannot write 5,000 levels either.
          const text = JSON.stringify([pub(s, channel, '@')]).replace(
            '"@"',
            '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
          )
          const r = await post(srv.url, text, s.headers)
          assert.equal(r.status, 200)
          const m = r.body[0]!
          assert.equal(m.successful, false)
          assert.equal(m.error, '400:max_data_depth=32:data_invalid')
        }
      }
      assert.equal(calls, 0)
      const ok = await post(srv.url, [pub(s, '/room', nested(32))], s.headers)
      assert.equal(ok.body[0]!.successful, true)
      const got = await post(
        srv.url,
        [connectMsg(spy.clientId, { advice: { timeout: 0 } })],
        spy.headers,
      )
      assert.deepEqual(
        got.body.filter((m) => m.channel === '/room'),
        [{ channel: '/room', data: nested(32) }],
      )
    } finally {
      await srv.close()
    }
  })
})
