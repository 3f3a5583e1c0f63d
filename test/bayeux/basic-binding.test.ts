// Long-polling sessions bound by Basic credentials (src/bayeux/README.md, "Session binding"): a
// client whose BAYEUX_BROWSER cookie never comes back (a page on another site, whose browser
// keeps SameSite=Lax cookies off its requests) reaches its session with its user's Basic header
// on every request; a clientId with anyone else's, wrong or no credentials stays unknown (402).
// On both HTTP paths: direct connections and node:http (`directHttp: false`).

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { HANDSHAKE, basicOf, connectMsg, held, post, rawHandshake, startServer } from './helpers.ts'
import type { Msg, TestServer } from './helpers.ts'

const T = 1500

/** A handshake with Basic only, its Set-Cookie dropped as a cross-site browser drops it. */
async function cookielessHandshake(url: string, user = 'alice'): Promise<string> {
  const r = await post(`${url}/handshake`, [HANDSHAKE], { authorization: basicOf(user) })
  assert.equal(r.body[0]?.successful, true, r.text)
  assert.match(r.setCookie ?? '', /^BAYEUX_BROWSER=/) // set, and never sent back
  return r.body[0]!.clientId as string
}

function subscribeMsg(clientId: string, id = 's'): Msg {
  return { channel: '/meta/subscribe', clientId, subscription: '/v2/me/workbins', id }
}

function assertUnknown(m: Msg | undefined): void {
  assert.equal(m?.successful, false, JSON.stringify(m))
  assert.match(m.error as string, /^402:/)
}

for (const directHttp of [true, false]) {
  describe(`bayeux long-polling bound by Basic credentials (${directHttp ? 'direct' : 'node:http'})`, () => {
    let srv: TestServer
    before(async () => {
      srv = await startServer({ timeout: T, directHttp, maxSessionsPerBrowser: 1 })
    })
    after(() => srv.close())

    function assertPath(): void {
      const n = srv.bayeux.stats().directConnections ?? 0
      if (directHttp) assert.ok(n > 0, 'served on a direct connection')
      else assert.equal(n, 0)
    }

    it('subscribe, connect and a held connect with Basic and no cookie: delivered', async () => {
      const id = await cookielessHandshake(srv.url)
      const basic = { authorization: basicOf('alice') }
      const sub = await post(srv.url, [subscribeMsg(id)], basic)
      assertPath()
      assert.equal(sub.body[0]?.successful, true, sub.text)
      const first = await post(`${srv.url}/connect`, [connectMsg(id, { id: 'c0' })], basic)
      assert.equal(first.body[0]?.successful, true, first.text)
      const isHeld = held(srv.bayeux, id)
      const poll = post(`${srv.url}/connect`, [connectMsg(id, { id: 'c1' })], basic)
      await isHeld
      srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 1 })
      const r = await poll
      assert.deepEqual(
        r.body.map((m) => [m.channel, m.successful]),
        [
          ['/v2/me/workbins', undefined],
          ['/meta/connect', true],
        ],
      )
      assert.deepEqual(r.body[0]!.data, { n: 1 })
      const bye = await post(srv.url, [{ channel: '/meta/disconnect', clientId: id }], basic)
      assert.equal(bye.body[0]?.successful, true, bye.text)
    })

    it('wrong, another user’s, malformed or no credentials: unknown, and nothing changes', async () => {
      const id = await cookielessHandshake(srv.url)
      const other = await rawHandshake(srv.url, 'bob') // a cookie of another browser
      const refused: Record<string, string>[] = [
        {},
        { authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` },
        { authorization: basicOf('bob') },
        { authorization: basicOf('carol') },
        { authorization: basicOf('alice').replace('Basic', 'Bearer') },
        { cookie: other.cookie },
        { cookie: other.cookie, authorization: basicOf('bob') },
      ]
      for (const headers of refused) {
        const r = await post(srv.url, [subscribeMsg(id), connectMsg(id)], headers)
        assertPath()
        assert.equal(r.body.length, 2, JSON.stringify(headers))
        for (const m of r.body) assertUnknown(m)
        assert.equal((r.body[1]!.advice as { reconnect: string }).reconnect, 'handshake')
      }
      // The refused subscribes subscribed nothing: a delivery does not reach the session.
      srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 2 })
      const ok = await post(srv.url, [connectMsg(id)], { authorization: basicOf('alice') })
      assert.deepEqual(
        ok.body.map((m) => [m.channel, m.successful]),
        [['/meta/connect', true]],
      )
    })

    it('a session handshaken with a cookie continues with Basic alone', async () => {
      const s = await rawHandshake(srv.url)
      const r = await post(srv.url, [subscribeMsg(s.clientId), connectMsg(s.clientId)], {
        authorization: basicOf('alice'),
      })
      assert.deepEqual(
        r.body.map((m) => m.successful),
        [true, true],
        r.text,
      )
    })

    it('credentials are checked only without the cookie, once per request', async () => {
      const s = await rawHandshake(srv.url)
      const before = srv.authCalls
      const withCookie = { ...s.headers, authorization: basicOf('alice') }
      await post(srv.url, [subscribeMsg(s.clientId), connectMsg(s.clientId)], withCookie)
      assert.equal(srv.authCalls, before, 'the cookie binds: Basic not checked')
      const id = await cookielessHandshake(srv.url)
      const n = srv.authCalls
      const r = await post(
        srv.url,
        [subscribeMsg(id, 'a'), subscribeMsg(id, 'b'), connectMsg(id)],
        { authorization: basicOf('alice') },
      )
      assert.deepEqual(
        r.body.map((m) => m.successful),
        [true, true, true],
        r.text,
      )
      assert.equal(srv.authCalls, n + 1)
    })

    it('multiple-clients: each cookie-less session counts as a browser of its own', async () => {
      // maxSessionsPerBrowser is 1 here: two sessions sharing a cookie would not both be held.
      const basic = { authorization: basicOf('bob') }
      const ids = [
        await cookielessHandshake(srv.url, 'bob'),
        await cookielessHandshake(srv.url, 'bob'),
      ]
      for (const id of ids) await post(`${srv.url}/connect`, [connectMsg(id)], basic)
      const polls = ids.map(async (id) => {
        const isHeld = held(srv.bayeux, id)
        const r = post(`${srv.url}/connect`, [connectMsg(id)], basic)
        await isHeld
        return r
      })
      for (const r of await Promise.all(polls)) {
        assert.equal(r.body[0]?.successful, true, r.text)
        assert.equal(
          (r.body[0]?.advice as Record<string, unknown> | undefined)?.['multiple-clients'],
          undefined,
        )
      }
    })
  })
}
