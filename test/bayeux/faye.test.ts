// The faye client as a second, independent implementation.

import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import faye from 'faye'
import type { Client as FayeClient, FayeMessage } from 'faye'
import { disconnect, handshake, inbox, newClient } from '../helpers/cometd.ts'
import { basicOf, removed, startServer, until } from './helpers.ts'
import type { TestServer } from './helpers.ts'

interface Spied {
  client: FayeClient
  /** clientId from the handshake reply. */
  id(): string
  /** Every incoming message. */
  seen: FayeMessage[]
  /** Every outgoing message. */
  sent: FayeMessage[]
}

class Box {
  readonly all: unknown[] = []
  #waiters: (() => void)[] = []
  readonly push = (d: unknown) => {
    this.all.push(d)
    for (const w of this.#waiters.splice(0)) w()
  }
  async count(n: number, ms = 3000): Promise<unknown[]> {
    const deadline = Date.now() + ms
    while (this.all.length < n) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`got ${this.all.length} of ${n}`)
      await new Promise<void>((r) => {
        const t = setTimeout(r, left)
        this.#waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
    return this.all.slice(0, n)
  }
}

describe('faye client interop', () => {
  let srv: TestServer
  const clients: FayeClient[] = []

  const fayeClient = (user: string, ws: boolean): Spied => {
    const client = new faye.Client(srv.url, { timeout: 5, retry: 1 })
    client.disable('autodisconnect')
    if (!ws) client.disable('websocket')
    client.setHeader('Authorization', basicOf(user))
    let clientId = ''
    const seen: FayeMessage[] = []
    const sent: FayeMessage[] = []
    client.addExtension({
      incoming(m, cb) {
        seen.push(m)
        if (m.channel === '/meta/handshake' && m.successful) clientId = m.clientId ?? ''
        cb(m)
      },
      outgoing(m, cb) {
        sent.push(m)
        cb(m)
      },
    })
    clients.push(client)
    return { client, id: () => clientId, seen, sent }
  }

  before(async () => {
    srv = await startServer({ clientPublish: true, maxSessionsPerBrowser: -1 })
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.disconnect()
    await until(() => srv.bayeux.stats().sessions === 0, 3000, 'faye sessions gone')
  })
  after(() => srv.close())

  for (const ws of [false, true]) {
    const mode = ws ? 'websocket' : 'long-polling'

    it(`${mode}: handshake, subscribe, deliverToUser, publish, unsubscribe, disconnect`, async () => {
      const a = fayeClient('alice', ws)
      const b = fayeClient('bob', ws)
      let up = false
      a.client.on('transport:up', () => (up = true))
      const mine = new Box()
      const room = new Box()
      await a.client.subscribe('/v2/me/workbins', mine.push)
      await b.client.subscribe('/room/*', room.push)
      if (ws) {
        await until(
          () =>
            a.sent.some((m) => m.channel === '/meta/connect' && m.connectionType === 'websocket'),
          3000,
          'faye connect over websocket',
        )
        assert.ok((srv.bayeux.stats().websockets ?? 0) >= 1)
      }
      srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { n: 1, text: 'çà' })
      assert.deepEqual(await mine.count(1), [{ n: 1, text: 'çà' }])
      await a.client.publish('/room/1', { from: 'alice' })
      assert.deepEqual(await room.count(1), [{ from: 'alice' }])
      assert.ok(up)
      // unsubscribe: no more deliveries
      b.client.unsubscribe('/room/*')
      await until(
        () => b.seen.some((m) => m.channel === '/meta/unsubscribe' && m.successful === true),
        3000,
        'unsubscribe reply',
      )
      await a.client.publish('/room/1', { from: 'alice', again: true })
      srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { marker: true })
      await mine.count(2)
      assert.equal(room.all.length, 1)
      // no resend storm: each publish was sent once
      assert.equal(a.sent.filter((m) => m.channel === '/room/1').length, 2)
      // disconnect removes the session on the server
      const gone = removed(srv.bayeux, b.id())
      await b.client.disconnect()
      clients.splice(clients.indexOf(b.client), 1)
      assert.equal((await gone).reason, 'disconnect')
    })
  }

  it('faye publisher → official cometd subscriber', async () => {
    const f = fayeClient('bob', false)
    const c = newClient(srv.url, { headers: { Authorization: basicOf('alice') } })
    try {
      await handshake(c)
      const box = await inbox(c, '/mixed')
      await f.client.publish('/mixed', { from: 'faye' })
      assert.deepEqual((await box.next()).data, { from: 'faye' })
    } finally {
      await disconnect(c)
    }
  })

  it('refused handshake: faye stops (reconnect none), no retry storm', async () => {
    const f = fayeClient('nobody', false)
    const before = srv.authCalls
    f.client.handshake()
    await until(() => f.seen.some((m) => m.channel === '/meta/handshake'), 3000, 'handshake reply')
    await new Promise((r) => setTimeout(r, 1500)) // faye's retry is 1 s
    assert.equal(srv.authCalls - before, 1)
    clients.splice(clients.indexOf(f.client), 1)
  })
})
