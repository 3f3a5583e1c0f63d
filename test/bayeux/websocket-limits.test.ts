// What a websocket may hold on to (docs/cometd.md, "Limits"): only the sessions bound to it
// now, not every session ever handshaken on it; no socket without a session for longer than
// COMETD_WS_IDLE_TIMEOUT; at most COMETD_MAX_WEBSOCKETS_PER_USER sockets per user.

import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CometD } from 'cometd'
import { disconnect, handshake, inbox, newClient, nextOn } from '../helpers/cometd.ts'
import {
  WS_HANDSHAKE,
  basicOf,
  held,
  rawSockets,
  startServer,
  until,
  wsConnect as connect,
  wsHandshake,
} from './helpers.ts'
import type { Msg, TestServer, RawWs } from './helpers.ts'

/** The close code and reason the server sent, or null if the socket is still open after `ms`. */
function closedWithin(ws: RawWs, ms: number): Promise<{ code: number; reason: string } | null> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), ms)
    ws.ws.once('close', (code: number, reason: Buffer) => {
      clearTimeout(t)
      resolve({ code, reason: reason.toString() })
    })
  })
}

describe('websocket: a socket keeps only the sessions bound to it now', () => {
  let srv: TestServer
  const { open, closeAll } = rawSockets(() => srv.url)
  let seq = 0
  const reply = async (ws: RawWs, m: Msg): Promise<Msg> => {
    const id = `m${seq++}`
    ws.send([{ ...m, id }])
    return ws.waitFor((r) => r.id === id)
  }
  const stats = () => srv.bayeux.stats()

  before(async () => {
    srv = await startServer({ maxSessionsPerUser: 4 })
  })
  afterEach(async () => {
    await closeAll()
  })
  after(() => srv.close())

  it('sessions ended on a socket that stays open leave it: client and server disconnects, terminations', async () => {
    const ws = await open()
    // One socket, many sessions one after the other, each ended another way. Before, the
    // socket kept every one of them (a /meta/disconnect even put its own back) until it closed.
    for (let i = 0; i < 60; i++) {
      const clientId = await wsHandshake(ws)
      assert.equal(stats().websocketSessions, 1, `round ${i}: the new session only`)
      await reply(ws, { channel: '/meta/subscribe', clientId, subscription: '/v2/me/workbins' })
      await reply(ws, connect(clientId, 'x', { advice: { timeout: 0 } }))
      switch (i % 3) {
        case 0: {
          const r = await reply(ws, { channel: '/meta/disconnect', clientId })
          assert.equal(r.successful, true)
          break
        }
        case 1: {
          // Server-side end, told on the open socket (EndContactCenterSession).
          srv.bayeux.disconnectSession(clientId, 'none')
          break
        }
        default: {
          // Terminated while its connect is held (queue over its limit, position lost):
          // answered at once with reconnect:"handshake".
          const isHeld = held(srv.bayeux, clientId)
          const c = `c${seq++}`
          ws.send([connect(clientId, c)])
          await isHeld
          srv.bayeux.disconnectSession(clientId, 'handshake')
          const r = await ws.waitFor((m) => m.id === c)
          assert.equal((r.advice as { reconnect: string }).reconnect, 'handshake')
        }
      }
      await until(() => stats().sessions === 0, 3000, `round ${i}: session gone`)
      assert.equal(stats().websocketSessions, 0, `round ${i}: the socket keeps no session`)
    }
    assert.equal(stats().websockets, 1)
    assert.equal(ws.closeCode, null)
  })

  it('a session taken over by another socket of its user leaves the first one', async () => {
    const ws1 = await open()
    const clientId = await wsHandshake(ws1)
    await reply(ws1, connect(clientId, 'x', { advice: { timeout: 0 } }))
    const ws2 = await open()
    const r = await reply(ws2, connect(clientId, 'x', { advice: { timeout: 0 } }))
    assert.equal(r.successful, true)
    assert.equal(stats().websocketSessions, 1, 'bound to the second socket only')
    await ws2.close()
    await until(() => stats().websockets === 1, 3000, 'second socket gone')
    assert.equal(stats().websocketSessions, 0, 'the first socket did not keep it')
    // It still expires (its socket closed), as before.
    await until(() => stats().sessions === 0, 8000, 'session expired')
  })
})

describe('websocket: a socket without a session is closed after COMETD_WS_IDLE_TIMEOUT', () => {
  let srv: TestServer
  const { open, closeAll } = rawSockets(() => srv.url)
  const clients: CometD[] = []
  const IDLE = 400

  before(async () => {
    srv = await startServer({ wsIdleTimeout: IDLE })
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(disconnect))
    await closeAll()
  })
  after(() => srv.close())

  it('an upgraded socket that never handshakes is closed with 1000 "no session"', async () => {
    const before = srv.bayeux.stats().websocketIdleClosedTotal ?? 0
    const ws = await open()
    const t0 = Date.now()
    const closed = await closedWithin(ws, IDLE * 6)
    assert.deepEqual(closed, { code: 1000, reason: 'no session' })
    const took = Date.now() - t0
    assert.ok(took >= IDLE - 50, `closed after ${took} ms`)
    assert.equal(srv.bayeux.stats().websocketIdleClosedTotal, before + 1)
  })

  it('a socket with a live session stays open; once its session ends it is closed', async () => {
    const ws = await open()
    ws.send([{ ...WS_HANDSHAKE, id: 'h' }])
    const clientId = (await ws.waitFor((m) => m.id === 'h')).clientId as string
    ws.send([connect(clientId, 'c0', { advice: { timeout: 0 } })])
    await ws.waitFor((m) => m.id === 'c0')
    // Its session lives (interval + maxInterval = 3 s without a connect): several idle periods.
    assert.equal(await closedWithin(ws, IDLE * 3), null, 'open while its session lives')
    ws.send([{ channel: '/meta/disconnect', clientId, id: 'd' }])
    await ws.waitFor((m) => m.id === 'd')
    const t0 = Date.now()
    assert.deepEqual(await closedWithin(ws, IDLE * 6), { code: 1000, reason: 'no session' })
    assert.ok(Date.now() - t0 >= IDLE - 50, 'a whole idle period after its session ended')
  })

  it('the official client: the socket it leaves after a server-side disconnect is closed; it handshakes again on a new one', async () => {
    const c = newClient(srv.url, {
      transport: 'websocket',
      headers: { Authorization: basicOf('bob') },
    })
    clients.push(c)
    await handshake(c)
    await held(srv.bayeux, c.getClientId()!)
    const told = nextOn(c, '/meta/disconnect')
    srv.bayeux.disconnectUser('u-bob') // EndContactCenterSession
    await told
    await until(() => c.getStatus() === 'disconnected', 1000, 'client disconnected')
    // The client does not close its socket; the server does, once it has been without a session.
    assert.equal(srv.bayeux.stats().websockets, 1)
    await until(() => srv.bayeux.stats().websockets === 0, IDLE * 6, 'left socket closed')
    // The client goes on as before: a new handshake (on a new socket), deliveries.
    await handshake(c)
    assert.equal(c.getTransport()?.type, 'websocket')
    const box = await inbox(c, '/v2/me/workbins')
    srv.bayeux.deliverToUser('u-bob', '/v2/me/workbins', { again: true })
    assert.deepEqual((await box.next()).data, { again: true })
    assert.equal(srv.bayeux.stats().websockets, 1)
  })
})

describe('websocket: at most COMETD_MAX_WEBSOCKETS_PER_USER sockets per user', () => {
  let srv: TestServer
  const { open, closeAll } = rawSockets(() => srv.url)
  const clients: CometD[] = []

  before(async () => {
    srv = await startServer({ maxWebsocketsPerUser: 3 })
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(disconnect))
    await closeAll()
  })
  after(() => srv.close())

  it('the upgrade beyond the cap is refused with 429; other users and freed places are not', async () => {
    const mine = [await open(), await open(), await open()]
    await assert.rejects(open(), /upgrade refused: 429/)
    assert.equal(srv.bayeux.stats().websocketUserLimitRefusedTotal, 1)
    await open('bob') // per user
    await mine[0]!.close()
    await until(() => srv.bayeux.stats().websockets === 3, 3000, 'one of alice closed')
    await open() // her place is free again
    await assert.rejects(open(), /upgrade refused: 429/)
    assert.equal(srv.bayeux.stats().websockets, 4)
  })

  it('the official client refused an upgrade over the cap falls back to long-polling', async () => {
    for (let i = 0; i < 3; i++) await open('carol')
    const c = newClient(srv.url, {
      transport: 'auto',
      headers: { Authorization: basicOf('carol') },
    })
    clients.push(c)
    await handshake(c)
    assert.equal(c.getTransport()?.type, 'long-polling')
    const box = await inbox(c, '/v2/me/workbins')
    srv.bayeux.deliverToUser('u-carol', '/v2/me/workbins', { fallback: true })
    assert.deepEqual((await box.next()).data, { fallback: true })
  })
})
