// How the long-polling transport reads request bodies, on both HTTP paths: the direct
// connections (transports/direct/reader.ts, the default) and node:http
// (transports/long-polling.ts, with `directHttp: false`, and for connections handed to node).
// On node:http a body that came with its headers is taken at once; a body split over TCP
// writes, a chunked body, an aborted body and an over-long chunked body take the stream path.
// Raw sockets, so that the split is real and not left to a client library.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PATH, Wire, post, rawHandshake, startServer } from './helpers.ts'
import type { RawSession, TestServer } from './helpers.ts'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function subscribeBody(s: RawSession, id: string): string {
  return JSON.stringify([
    { channel: '/meta/subscribe', clientId: s.clientId, subscription: '/chat/a', id },
  ])
}

for (const directHttp of [true, false]) {
  describe(`bayeux long-polling request bodies (raw sockets, ${directHttp ? 'direct' : 'node:http'})`, () => {
    let srv: TestServer
    before(async () => {
      srv = await startServer({ maxMessageSize: 4096, directHttp })
    })
    after(() => srv.close())

    /** The request just answered was served by the path under test. */
    function assertPath(): void {
      const n = srv.bayeux.stats().directConnections ?? 0
      if (directHttp) assert.ok(n > 0, 'served on a direct connection')
      else assert.equal(n, 0)
    }

    it('a body split over two TCP writes is read whole', async () => {
      const s = await rawHandshake(srv.url)
      const body = subscribeBody(s, 'split')
      const w = await Wire.open(srv.port)
      try {
        w.send(
          `POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            `Cookie: ${s.cookie}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
            body.slice(0, 10),
        )
        await sleep(50) // the server has parsed the headers and part of the body by now
        w.send(body.slice(10))
        const r = await w.response()
        assertPath()
        assert.equal(r.status, 200)
        const m = (JSON.parse(r.body) as Record<string, unknown>[])[0]!
        assert.equal(m.id, 'split')
        assert.equal(m.successful, true)
      } finally {
        w.destroy()
      }
    })

    it('a chunked body (no Content-Length) is read whole', async () => {
      const s = await rawHandshake(srv.url)
      const body = subscribeBody(s, 'chunked')
      const w = await Wire.open(srv.port)
      try {
        const a = body.slice(0, 7)
        const b = body.slice(7)
        w.send(
          `POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            `Cookie: ${s.cookie}\r\nTransfer-Encoding: chunked\r\n\r\n` +
            `${a.length.toString(16)}\r\n${a}\r\n`,
        )
        await sleep(30)
        w.send(`${Buffer.byteLength(b).toString(16)}\r\n${b}\r\n0\r\n\r\n`)
        const r = await w.response()
        assertPath()
        assert.equal(r.status, 200)
        assert.equal((JSON.parse(r.body) as Record<string, unknown>[])[0]!.id, 'chunked')
      } finally {
        w.destroy()
      }
    })

    it('a chunked body over maxMessageSize → 413 while it is read', async () => {
      const w = await Wire.open(srv.port)
      try {
        const part = 'x'.repeat(3000)
        w.send(
          `POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            `Transfer-Encoding: chunked\r\n\r\n${part.length.toString(16)}\r\n${part}\r\n`,
        )
        await sleep(30)
        w.send(`${part.length.toString(16)}\r\n${part}\r\n`)
        const r = await w.response()
        assert.equal(r.status, 413)
        assert.match(r.body, /413:max_message_size=4096:/)
      } finally {
        w.destroy()
      }
    })

    it('a client that goes away in the middle of its body changes nothing', async () => {
      const s = await rawHandshake(srv.url)
      const body = subscribeBody(s, 'gone')
      const subs0 = srv.bayeux.stats().subscriptions ?? 0
      const w = await Wire.open(srv.port)
      w.send(
        `POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Cookie: ${s.cookie}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
          body.slice(0, 20),
      )
      await sleep(30)
      w.destroy()
      await sleep(30)
      assert.equal(srv.bayeux.stats().subscriptions, subs0) // the half body was not processed
      const r = await post(srv.url, JSON.parse(subscribeBody(s, 'after')) as unknown, s.headers)
      assert.equal(r.status, 200)
      assert.equal(r.body[0]!.successful, true)
      assert.equal(srv.bayeux.stats().subscriptions, subs0 + 1)
    })
  })
}
