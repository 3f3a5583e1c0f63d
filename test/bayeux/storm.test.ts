// Reconnect storm, reduced to CI size: every session dropped at once; all
// clients re-handshake, re-subscribe and receive again; the server answers no 5xx.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CometD } from 'cometd'
import { Inbox, disconnect, handshake, newClient } from '../helpers/cometd.ts'
import { basicOf, startServer, until } from './helpers.ts'

describe('reconnect storm (small)', () => {
  it('40 clients (long-polling and websocket) re-handshake after all sessions are dropped', async () => {
    const srv = await startServer({ maxSessionsPerBrowser: -1, maxSessionsPerUser: 64 })
    const clients: { c: CometD; box: Inbox; handshakes: number }[] = []
    try {
      for (let i = 0; i < 40; i++) {
        const c = newClient(srv.url, {
          transport: i % 2 ? 'websocket' : 'long-polling',
          headers: { Authorization: basicOf(i % 4 < 2 ? 'alice' : 'bob') },
        })
        const entry = { c, box: new Inbox(), handshakes: 0 }
        // the reconnect-safe pattern: subscribe in the /meta/handshake listener
        c.addListener('/meta/handshake', (m) => {
          if (!m.successful) return
          entry.handshakes++
          c.subscribe('/v2/me/workbins', entry.box.push)
        })
        clients.push(entry)
      }
      await Promise.all(clients.map((e) => handshake(e.c)))
      await until(() => srv.bayeux.stats().subscriptions === 40, 3000, '40 subscriptions')
      await until(() => srv.bayeux.stats().heldConnects === 40, 3000, '40 held connects')

      const ids = clients.map((e) => e.c.getClientId()!)
      const t0 = Date.now()
      for (const id of ids) srv.bayeux.disconnectSession(id, 'handshake')
      await until(
        () => clients.every((e) => e.handshakes === 2),
        5000,
        'every client re-handshaken',
      )
      await until(() => srv.bayeux.stats().subscriptions === 40, 3000, 'subscriptions back')
      const took = Date.now() - t0
      assert.ok(took < 10_000, `storm settled in ${took} ms`)
      for (const e of clients) assert.ok(!ids.includes(e.c.getClientId()!))

      srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { after: 'storm' })
      srv.bayeux.deliverToUser('u-bob', '/v2/me/workbins', { after: 'storm' })
      for (const e of clients) assert.deepEqual((await e.box.next()).data, { after: 'storm' })
      assert.equal(srv.statuses.filter((s) => s >= 500).length, 0)
      assert.equal(srv.bayeux.stats().sessions, 40)
    } finally {
      await Promise.all(clients.map((e) => disconnect(e.c)))
      await srv.close()
    }
  })
})
