// Handshake and HTTP plumbing, raw probes: reply shape, cookie, refusals, batching, paths,
// methods and body limits.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { disconnect, handshake, inbox, newClient } from '../helpers/cometd.ts'
import { HANDSHAKE, PATH, basicOf, post, rawHandshake, startServer } from './helpers.ts'
import type { TestServer } from './helpers.ts'

const ERROR = /^\d{3}:[^:]*:.+$/

describe('bayeux handshake (raw)', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer()
  })
  after(() => srv.close())

  it('success shape, clientId, advice, BAYEUX_BROWSER cookie', async () => {
    const r = await post(`${srv.url}/handshake`, [HANDSHAKE], { authorization: basicOf('alice') })
    assert.equal(r.status, 200)
    assert.match(r.text, /^\[/)
    assert.equal(r.body.length, 1)
    const h = r.body[0]!
    assert.equal(h.channel, '/meta/handshake')
    assert.equal(h.successful, true)
    assert.equal(h.id, '1')
    assert.equal(h.version, '1.0')
    assert.match(h.clientId as string, /^[A-Za-z0-9]{22,}$/)
    assert.ok((h.supportedConnectionTypes as string[]).includes('long-polling'))
    assert.ok((h.supportedConnectionTypes as string[]).includes('websocket'))
    const advice = h.advice as Record<string, unknown>
    assert.equal(advice.reconnect, 'retry')
    assert.equal(advice.timeout, 1000)
    assert.equal(advice.interval, 0)
    assert.match(r.setCookie ?? '', /^BAYEUX_BROWSER=[A-Za-z0-9]+;.*HttpOnly/)
  })

  it('clientIds are unique; a known browser cookie is reused, not reset', async () => {
    const a = await rawHandshake(srv.url)
    const r = await post(`${srv.url}/handshake`, [HANDSHAKE], {
      authorization: basicOf('alice'),
      cookie: a.cookie,
    })
    assert.equal(r.setCookie, null)
    assert.notEqual(r.body[0]!.clientId, a.clientId)
  })

  it('no credentials → successful:false, reconnect none, no clientId', async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: basicOf('nobody') },
      { cookie: 'TEST_USER=zed' },
    ]
    for (const headers of variants) {
      const r = await post(`${srv.url}/handshake`, [HANDSHAKE], headers)
      assert.equal(r.status, 200)
      const h = r.body[0]!
      assert.equal(h.successful, false)
      assert.equal(h.id, '1')
      assert.match(h.error as string, ERROR)
      assert.equal(h.clientId, undefined)
      assert.deepEqual(h.advice, { reconnect: 'none', interval: 0 })
      assert.equal(r.setCookie, null)
    }
  })

  it('cookie authentication works as well as Basic', async () => {
    const r = await post(`${srv.url}/handshake`, [HANDSHAKE], { cookie: 'TEST_USER=bob' })
    assert.equal(r.body[0]!.successful, true)
  })

  it('missing version / supportedConnectionTypes / no common type', async () => {
    const auth = { authorization: basicOf('alice') }
    const cases = [
      { ...HANDSHAKE, version: undefined },
      { ...HANDSHAKE, supportedConnectionTypes: undefined },
      { ...HANDSHAKE, supportedConnectionTypes: [] },
      { ...HANDSHAKE, supportedConnectionTypes: ['flash'] },
    ]
    for (const msg of cases) {
      const r = await post(`${srv.url}/handshake`, [msg], auth)
      const h = r.body[0]!
      assert.equal(h.successful, false, JSON.stringify(msg))
      assert.match(h.error as string, ERROR)
      assert.equal(h.clientId, undefined)
    }
  })

  it('handshake batched with a publish → 400, no session, no delivery', async () => {
    const before = srv.bayeux.stats().sessions
    const r = await post(
      `${srv.url}/handshake`,
      [HANDSHAKE, { channel: '/x', data: { a: 1 }, id: '2' }],
      { authorization: basicOf('alice') },
    )
    assert.equal(r.status, 400)
    assert.equal(srv.bayeux.stats().sessions, before)
  })

  it('every path under the prefix; bare object; errors are 400', async () => {
    const auth = { authorization: basicOf('alice') }
    for (const path of ['', '/', '/handshake', '/connect', '/any/deeper/path']) {
      const r = await post(`${srv.url}${path}`, [HANDSHAKE], auth)
      assert.equal(r.status, 200, path)
      assert.equal(r.body[0]!.successful, true, path)
    }
    const single = await post(srv.url, HANDSHAKE, auth)
    assert.equal(single.body[0]!.successful, true)
    const form = await fetch(srv.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
      body: `message=${encodeURIComponent(JSON.stringify([HANDSHAKE]))}`,
    })
    assert.equal(((await form.json()) as { successful: boolean }[])[0]!.successful, true)

    assert.equal((await fetch(srv.url)).status, 400) // GET without JSONP
    assert.equal((await post(srv.url, 'a', auth)).status, 400)
    assert.equal((await post(srv.url, '[]', auth)).status, 400)
    assert.equal((await post(srv.url, '[1]', auth)).status, 400)
    assert.equal((await post(srv.url, '', auth)).status, 400)
    // still healthy
    assert.equal((await post(srv.url, [HANDSHAKE], auth)).body[0]!.successful, true)
    // outside the prefix: not ours
    const other = await post(`http://127.0.0.1:${srv.port}${PATH}x`, [HANDSHAKE], auth)
    assert.equal(other.status, 404)
  })

  it('message without channel → error reply (not a crash)', async () => {
    const r = await post(srv.url, [{ id: '9' }], { authorization: basicOf('alice') })
    assert.equal(r.status, 200)
    assert.equal(r.body[0]!.successful, false)
    assert.match(r.body[0]!.error as string, /^400:/)
  })
})

describe('bayeux handshake limits', () => {
  it('maxSessionsPerUser: the next handshake fails with a clear error and reconnect none', async () => {
    const srv = await startServer({ maxSessionsPerUser: 2 })
    try {
      await rawHandshake(srv.url, 'alice')
      await rawHandshake(srv.url, 'alice')
      const r = await post(`${srv.url}/handshake`, [HANDSHAKE], { authorization: basicOf('alice') })
      const h = r.body[0]!
      assert.equal(h.successful, false)
      assert.match(h.error as string, /^403:max_sessions_per_user=2:/)
      assert.deepEqual(h.advice, { reconnect: 'none', interval: 0 })
      // another user is not affected
      await rawHandshake(srv.url, 'bob')
    } finally {
      await srv.close()
    }
  })

  it('at the limit, a session never connected for unconnectedEvictAfter makes room; connected ones never do', async () => {
    const srv = await startServer({ maxSessionsPerUser: 2, unconnectedEvictAfter: 300 })
    const connect = (s: { clientId: string; headers: Record<string, string> }) =>
      post(
        `${srv.url}/connect`,
        [{ channel: '/meta/connect', clientId: s.clientId, connectionType: 'long-polling' }],
        s.headers,
      ).then((r) => r.body[0]!)
    try {
      const looping = await rawHandshake(srv.url, 'alice') // never connects
      const desk = await rawHandshake(srv.url, 'alice')
      assert.equal((await connect(desk)).successful, true)
      // Too young to be taken for a looping client's leftover: refused as before.
      const early = await post(`${srv.url}/handshake`, [HANDSHAKE], {
        authorization: basicOf('alice'),
      })
      assert.match(early.body[0]!.error as string, /^403:max_sessions_per_user=2:/)
      await new Promise((r) => setTimeout(r, 350))
      // The official client's handshake gets the never-connected session's place.
      const c = newClient(srv.url, { headers: { Authorization: basicOf('alice') } })
      try {
        assert.equal((await handshake(c)).successful, true)
        const box = await inbox(c, '/v2/me/workbins')
        srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 1 })
        assert.deepEqual((await box.next()).data, { n: 1 })
        // The evicted session is told to handshake again; the connected one goes on.
        const gone = await connect(looping)
        assert.equal(gone.successful, false)
        assert.equal((gone.advice as Record<string, unknown>).reconnect, 'handshake')
        assert.equal((await connect(desk)).successful, true)
        // Both sessions now connected: nothing to evict, however long one waits.
        await new Promise((r) => setTimeout(r, 350))
        const full = await post(`${srv.url}/handshake`, [HANDSHAKE], {
          authorization: basicOf('alice'),
        })
        assert.match(full.body[0]!.error as string, /^403:max_sessions_per_user=2:/)
      } finally {
        await disconnect(c)
      }
    } finally {
      await srv.close()
    }
  })

  it('unconnectedEvictAfter 0: a never-connected session keeps its place until it expires', async () => {
    const srv = await startServer({ maxSessionsPerUser: 1, unconnectedEvictAfter: 0 })
    try {
      await rawHandshake(srv.url, 'alice')
      await new Promise((r) => setTimeout(r, 100))
      const r = await post(`${srv.url}/handshake`, [HANDSHAKE], { authorization: basicOf('alice') })
      assert.match(r.body[0]!.error as string, /^403:max_sessions_per_user=1:/)
    } finally {
      await srv.close()
    }
  })

  it('body over maxMessageSize → 413, server unaffected', async () => {
    const srv = await startServer({ clientPublish: true, maxMessageSize: 1024 })
    try {
      const s = await rawHandshake(srv.url)
      const big = [{ channel: '/x', clientId: s.clientId, data: { s: 'x'.repeat(2000) } }]
      const r = await post(srv.url, big, s.headers)
      assert.equal(r.status, 413)
      assert.match(r.body[0]!.error as string, /^413:max_message_size=1024:/)
      const ok = await post(srv.url, [{ channel: '/x', clientId: s.clientId, data: {} }], s.headers)
      assert.equal(ok.body[0]!.successful, true)
    } finally {
      await srv.close()
    }
  })

  it('cookie options: Secure and SameSite on BAYEUX_BROWSER', async () => {
    const srv = await startServer({}, { cookie: { secure: true, sameSite: 'None' } })
    try {
      const r = await post(`${srv.url}/handshake`, [HANDSHAKE], { authorization: basicOf('alice') })
      assert.match(
        r.setCookie ?? '',
        /^BAYEUX_BROWSER=\w+; Path=\/; HttpOnly; Secure; SameSite=None$/,
      )
    } finally {
      await srv.close()
    }
  })

  it('websocket disabled: handshake offers long-polling only', async () => {
    const srv = await startServer({ websocket: false })
    try {
      const r = await post(`${srv.url}/handshake`, [HANDSHAKE], { authorization: basicOf('alice') })
      assert.deepEqual(r.body[0]!.supportedConnectionTypes, ['long-polling'])
    } finally {
      await srv.close()
    }
  })
})
