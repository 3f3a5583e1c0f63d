// COMETD_MAX_SESSIONS_PER_USER with durable sessions (docs/cometd.md "Limits",
// docs/durable-delivery.md "An outage longer than the session"): handshakes arriving together
// never pass it, whatever never-connected sessions they end to make room; a session coming back
// after it expired is refused when the user reached the limit meanwhile.

import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, describe, it } from 'node:test'
import { Inbox, disconnect, handshake, newClient, subscribe } from '../helpers/cometd.ts'
import { basic } from '../helpers/http.ts'
import { PASSWORD, contentDocument } from '../helpers/fixtures/content.ts'
import { TcpProxy } from '../helpers/tcp-proxy.ts'
import { until } from '../helpers/wait.ts'
import { World } from '../helpers/world.ts'

const AUTH = { authorization: basic('agent1', PASSWORD) }

describe('the per-user session limit with durable sessions', () => {
  const worlds: World[] = []
  const proxies: TcpProxy[] = []
  after(async () => {
    await Promise.all(proxies.map((p) => p.down()))
    await Promise.all(worlds.map((w) => w.close()))
  })

  it('handshakes arriving together at the limit: never more sessions than the limit', async () => {
    const w = await World.start({
      document: contentDocument(),
      config: {
        cometd: { maxSessionsPerUser: 2, unconnectedEvictAfter: 100, maxInterval: 20_000 },
      },
    })
    worlds.push(w)
    const handshakeRaw = async () => {
      const r = await fetch(`${w.server.cometdUrl}/handshake`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...AUTH },
        body: JSON.stringify([
          {
            channel: '/meta/handshake',
            version: '1.0',
            supportedConnectionTypes: ['long-polling'],
          },
        ]),
      })
      return ((await r.json()) as { successful: boolean; error?: string }[])[0]!
    }
    for (let round = 0; round < 3; round++) {
      // Two sessions that never connect fill the limit, then six handshakes come at once.
      assert.ok((await handshakeRaw()).successful)
      assert.ok((await handshakeRaw()).successful)
      await new Promise((r) => setTimeout(r, 150))
      const replies = await Promise.all(Array.from({ length: 6 }, handshakeRaw))
      const ok = replies.filter((r) => r.successful)
      assert.equal(ok.length, 2, `round ${round}: ${JSON.stringify(replies)}`)
      for (const r of replies) {
        if (!r.successful) assert.match(r.error ?? '', /^403:max_sessions_per_user=2:/)
      }
      // The next round's two fill-ins make room by ending these two (never connected).
      await new Promise((r) => setTimeout(r, 150))
    }
  })

  it('a session back from an outage is not resumed when the user reached the limit meanwhile', async () => {
    const w = await World.start({
      document: contentDocument(),
      config: { cometd: { maxSessionsPerUser: 1 } },
    })
    worlds.push(w)
    const proxy = new TcpProxy(Number(new URL(w.server.url).port))
    proxies.push(proxy)
    await proxy.up()
    const away = newClient(`http://127.0.0.1:${proxy.port}/api/v2/notifications`, {
      ack: true,
      headers: { Authorization: AUTH.authorization },
      config: { maxNetworkDelay: 1000, maxBackoff: 500 },
    })
    const stayed = newClient(w.server.cometdUrl, {
      ack: true,
      headers: { Authorization: AUTH.authorization },
    })
    try {
      await handshake(away)
      const awayBox = new Inbox()
      await subscribe(away, '/v2/me/*', awayBox.push)
      proxy.hold()
      const expired = once(w.server.app.bayeux.events, 'removed')
      await expired
      // The user's other desktop takes the only place.
      await handshake(stayed)
      const box = new Inbox()
      await subscribe(stayed, '/v2/me/*', box.push)
      proxy.release()
      const r = await w.api('agent1').post('/workbins', { operationName: 'RequestAgentStats' })
      const ref = r.body.referenceId as number
      const got = (b: Inbox) =>
        b.all.some((m) => (m.data as { referenceId?: number }).referenceId === ref)
      await until('the staying desktop got its message', () => got(box))
      // Long enough for the one away to try its old session and a new handshake.
      await new Promise((res) => setTimeout(res, 2500))
      assert.equal(got(awayBox), false, 'the expired session was not resumed over the limit')
      assert.equal(stayed.getStatus(), 'connected')
    } finally {
      await disconnect(stayed)
      away.disconnect()
    }
  })
})
