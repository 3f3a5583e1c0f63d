// Slow consumers: a websocket client that stops reading keeps its events in the session queue
// (COMETD_WS_SEND_BUFFER), where the queue limits apply; the queue is also bounded in bytes
// (COMETD_MAX_QUEUE_BYTES) on every transport.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Duplex } from 'node:stream'
import type { Socket } from 'node:net'
import { pino } from 'pino'
import {
  RawWs,
  basicOf,
  connectMsg,
  firstConnect,
  held,
  post,
  rawHandshake,
  startServer,
  until,
} from './helpers.ts'
import type { Msg } from './helpers.ts'

/** A pino logger whose JSON lines land in `lines` (to check what the server logs). */
function capture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  )
  return { logger, lines }
}

const QUEUE_FULL = 'bayeux session queue full: session terminated, client must handshake again'

describe('bayeux slow consumers', () => {
  it('websocket client that stops reading: events stay queued, the session ends at maxQueue, server memory stays bounded', async () => {
    const wsSendBuffer = 64 * 1024
    const { logger, lines } = capture()
    const srv = await startServer({ timeout: 30_000, maxQueue: 100, wsSendBuffer }, { logger })
    // The server side of each upgraded connection: its writableLength is what the server holds.
    const upgraded: Duplex[] = []
    srv.app.server.on('upgrade', (_req, socket: Duplex) => upgraded.push(socket))
    const ws = await RawWs.open(srv.url, { Authorization: basicOf('alice') })
    try {
      ws.send([
        {
          channel: '/meta/handshake',
          version: '1.0',
          supportedConnectionTypes: ['websocket'],
          id: 'h',
        },
      ])
      const hs = await ws.waitFor((m) => m.channel === '/meta/handshake')
      const clientId = hs.clientId as string
      ws.send([{ channel: '/meta/subscribe', clientId, subscription: '/v2/me/workbins', id: 's' }])
      await ws.waitFor((m) => m.channel === '/meta/subscribe')
      ws.send([connectMsg(clientId, { id: 'c1', connectionType: 'websocket' })])
      await ws.waitFor((m) => m.id === 'c1')
      const isHeld = held(srv.bayeux, clientId)
      ws.send([connectMsg(clientId, { id: 'c2', connectionType: 'websocket' })])
      await isHeld
      const server = upgraded[0]!
      // The client stops reading: the kernel buffers fill, then the server's own.
      const clientSocket = (ws.ws as unknown as { _socket: Socket })._socket
      clientSocket.pause()

      const blob = 'x'.repeat(8 * 1024)
      let most = 0
      for (let i = 0; i < 20_000 && srv.bayeux.stats().terminatedTotal === 0; i++) {
        srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { i, blob })
        // one delivery per turn: each flush writes one frame of one event
        await new Promise((r) => setImmediate(r))
        most = Math.max(most, server.writableLength)
      }
      assert.equal(srv.bayeux.stats().terminatedTotal, 1, 'session ended at maxQueue')
      // Held for the socket: at most the threshold plus one frame (and the terminal reply).
      assert.ok(most <= wsSendBuffer + 2 * blob.length, `server held ${most} bytes`)
      assert.ok(server.writableLength <= wsSendBuffer + 2 * blob.length)
      const warn = lines.find((l) => l.msg === QUEUE_FULL)
      assert.ok(warn, 'queue-full warning logged')
      assert.equal(warn.clientId, clientId)
      assert.equal(warn.maxQueue, 100)

      // The client reads again: the held connect tells it to handshake again.
      clientSocket.resume()
      const ended = await ws.waitFor((m) => m.id === 'c2', 10_000)
      assert.equal(ended.successful, false)
      assert.match(ended.error as string, /^409:max_queue=100:/)
      assert.deepEqual(ended.advice, { reconnect: 'handshake', interval: 0 })
      ws.send([connectMsg(clientId, { id: 'c3', connectionType: 'websocket' })])
      const again = await ws.waitFor((m) => m.id === 'c3')
      assert.equal(again.successful, false)
      assert.equal((again.advice as Msg['advice'] & { reconnect: string }).reconnect, 'handshake')
    } finally {
      await ws.close()
      await srv.close()
    }
  })

  it('websocket that drains again gets every queued event, in order', async () => {
    const wsSendBuffer = 16 * 1024
    const srv = await startServer({ timeout: 30_000, maxQueue: 100_000, wsSendBuffer })
    const upgraded: Duplex[] = []
    srv.app.server.on('upgrade', (_req, socket: Duplex) => upgraded.push(socket))
    const ws = await RawWs.open(srv.url, { Authorization: basicOf('alice') })
    try {
      ws.send([
        {
          channel: '/meta/handshake',
          version: '1.0',
          supportedConnectionTypes: ['websocket'],
          id: 'h',
        },
      ])
      const clientId = (await ws.waitFor((m) => m.channel === '/meta/handshake')).clientId as string
      ws.send([{ channel: '/meta/subscribe', clientId, subscription: '/v2/me/workbins', id: 's' }])
      await ws.waitFor((m) => m.channel === '/meta/subscribe')
      const clientSocket = (ws.ws as unknown as { _socket: Socket })._socket
      clientSocket.pause()
      const blob = 'y'.repeat(4 * 1024)
      // Deliver until events wait in the session queue (the kernel buffers are full).
      let n = 0
      while (n < 20_000 && (srv.bayeux.stats().queuedMessages ?? 0) < 200) {
        srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { i: n++, blob })
        await new Promise((r) => setImmediate(r))
      }
      assert.equal(srv.bayeux.stats().queuedMessages, 200, 'events waited in the session queue')
      assert.ok(upgraded[0]!.writableLength <= wsSendBuffer + 2 * blob.length)
      clientSocket.resume()
      await until(
        () => ws.messages.filter((m) => m.channel === '/v2/me/workbins').length === n,
        10_000,
        'every event delivered',
      )
      const got = ws.messages
        .filter((m) => m.channel === '/v2/me/workbins')
        .map((m) => (m.data as { i: number }).i)
      assert.deepEqual(
        got,
        Array.from({ length: n }, (_, i) => i),
      )
      assert.equal(srv.bayeux.stats().queuedMessages, 0)
    } finally {
      await ws.close()
      await srv.close()
    }
  })

  it('long-polling: a few big messages over maxQueueBytes end the session', async () => {
    const { logger, lines } = capture()
    const maxQueueBytes = 100_000
    const srv = await startServer(
      { maxQueue: 10_000, maxQueueBytes, maxMessageSize: 65_536, maxSessionsPerBrowser: -1 },
      { logger },
    )
    try {
      const s = await rawHandshake(srv.url)
      await post(
        srv.url,
        [{ channel: '/meta/subscribe', clientId: s.clientId, subscription: '/v2/me/workbins' }],
        s.headers,
      )
      await firstConnect(srv.url, s)
      const blob = 'z'.repeat(30_000)
      for (let i = 0; i < 4; i++) srv.bayeux.deliverToUser('u-alice', '/v2/me/workbins', { blob })
      assert.equal(srv.bayeux.stats().terminatedTotal, 1)
      assert.equal(srv.bayeux.stats().queuedMessages, 0)
      const warn = lines.find((l) => l.msg === QUEUE_FULL)
      assert.ok(warn, 'queue-full warning logged')
      assert.equal(warn.maxQueueBytes, maxQueueBytes)
      const r = await post(srv.url, [connectMsg(s.clientId)], s.headers)
      const reply = r.body.at(-1)!
      assert.equal(reply.successful, false)
      assert.match(reply.error as string, /^409:max_queue_bytes=100000:/)
      assert.deepEqual(reply.advice, { reconnect: 'handshake', interval: 0 })
    } finally {
      await srv.close()
    }
  })
})
