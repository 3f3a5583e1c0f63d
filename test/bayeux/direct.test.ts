// Direct long-polling connections (src/bayeux/transports/direct/reader.ts) on the wire: what
// is served directly, what is handed to node:http (and fastify) and how, keep-alive, pipelining, limits, timeouts
// and graceful close. Raw sockets only, so that every byte and every connection is ours
// (fetch would pool connections behind our back).

import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { HANDSHAKE, PATH, Wire, basicOf, startServer } from './helpers.ts'
import type { Msg, TestServer, WireResponse } from './helpers.ts'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A Bayeux POST with Content-Length; `extra` header lines each end with \r\n. */
function post(path: string, body: unknown, extra = ''): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return (
    `POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`
  )
}

const handshake = (extra = ''): string =>
  post(`${PATH}/handshake`, [HANDSHAKE], `Authorization: ${basicOf('alice')}\r\n${extra}`)

function json(r: WireResponse): Msg[] {
  return JSON.parse(r.body) as Msg[]
}

/** Handshake on `w`; returns the clientId and the Cookie line for later requests. */
async function session(w: Wire): Promise<{ clientId: string; cookie: string }> {
  w.send(handshake())
  const r = await w.response()
  const m = json(r)[0]!
  assert.equal(m.successful, true, r.body)
  const cookie = `Cookie: ${(r.headers['set-cookie'] ?? '').split(';')[0]}\r\n`
  return { clientId: m.clientId as string, cookie }
}

const connect = (clientId: string, id: string, timeout?: number): Msg[] => [
  {
    channel: '/meta/connect',
    clientId,
    connectionType: 'long-polling',
    id,
    ...(timeout === undefined ? {} : { advice: { timeout } }),
  },
]

describe('direct long-polling connections', () => {
  let srv: TestServer
  const direct = (): number => srv.bayeux.stats().directConnections ?? 0
  before(async () => {
    srv = await startServer({ maxMessageSize: 4096, timeout: 1000 })
  })
  after(() => srv.close())
  // Each test destroys its sockets; let the server see them close before the next one counts.
  afterEach(async () => {
    const deadline = Date.now() + 1000
    while (direct() > 0 && Date.now() < deadline) await sleep(10)
  })

  it('serves Bayeux POSTs itself, keep-alive, with the headers node:http would send', async () => {
    const n0 = direct()
    const w = await Wire.open(srv.port)
    try {
      w.send(handshake())
      const r = await w.response()
      assert.equal(r.status, 200)
      assert.equal(r.headers['content-type'], 'application/json;charset=UTF-8')
      assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body))
      assert.ok(!Number.isNaN(Date.parse(r.headers.date ?? '')), 'Date header')
      assert.equal(r.headers.connection, 'keep-alive')
      assert.match(r.headers['set-cookie'] ?? '', /^BAYEUX_BROWSER=\w+; Path=\/; HttpOnly$/)
      assert.equal(direct(), n0 + 1)
      const clientId = json(r)[0]!.clientId as string
      const cookie = `Cookie: ${(r.headers['set-cookie'] ?? '').split(';')[0]}\r\n`
      for (let i = 0; i < 3; i++) {
        w.send(post(`${PATH}/connect`, connect(clientId, `c${i}`, 0), cookie))
        const c = await w.response()
        assert.equal(c.status, 200)
        assert.equal(json(c)[0]!.id, `c${i}`)
        assert.equal(c.headers['set-cookie'], undefined)
      }
      assert.equal(direct(), n0 + 1) // still the same connection, still direct
    } finally {
      w.destroy()
    }
  })

  it('reads a request that arrives in pieces; a very fragmented one goes to node:http', async () => {
    const n0 = direct()
    const w = await Wire.open(srv.port)
    try {
      const text = handshake()
      const piece = Math.ceil(text.length / 8)
      for (let i = 0; i < text.length; i += piece) {
        w.send(text.slice(i, i + piece))
        await sleep(2)
      }
      assert.equal(json(await w.response())[0]!.successful, true)
      assert.equal(direct(), n0 + 1, 'eight reads: served directly')
      // Over MAX_READS (32) reads for one request: handed over mid-head, bytes intact.
      for (let i = 0; i < text.length; i += 4) {
        w.send(text.slice(i, i + 4))
        await sleep(1)
      }
      assert.equal(json(await w.response())[0]!.successful, true)
      assert.equal(direct(), n0)
    } finally {
      w.destroy()
    }
  })

  it('stops reading requests while the client does not read its answers', async () => {
    const w = await Wire.open(srv.port)
    const N = 30_000
    let processed = 0
    const count = (): void => void processed++
    srv.bayeux.events.on('request', count)
    try {
      w.sock.pause() // the client reads nothing for now
      let text = ''
      for (let i = 0; i < N; i++) {
        // Unknown clientId: answered at once (402), about 250 bytes per answer.
        text += post(`${PATH}/connect`, connect('nobody', `p${i}`))
      }
      w.send(text)
      await sleep(1000)
      const stalled = processed
      assert.ok(stalled < N, `reading paused: ${stalled} of ${N} requests read`)
      w.sock.resume()
      for (let i = 0; i < N; i++) {
        const r = await w.response(5000)
        assert.equal(json(r)[0]!.id, `p${i}`)
      }
      assert.equal(processed, N)
    } finally {
      srv.bayeux.events.off('request', count)
      w.destroy()
    }
  })

  it('hands a connection to node:http at its first other request, bytes intact', async () => {
    const n0 = direct()
    const w = await Wire.open(srv.port)
    try {
      const { clientId, cookie } = await session(w)
      assert.equal(direct(), n0 + 1)
      // A REST request (fastify's 404) and a Bayeux POST in one write: both answered in order.
      w.send(
        'GET /api/v2/elsewhere HTTP/1.1\r\nHost: t\r\n\r\n' +
          post(`${PATH}/connect`, connect(clientId, 'after', 0), cookie),
      )
      const rest = await w.response()
      assert.equal(rest.status, 404)
      assert.match(rest.headers['content-type'] ?? '', /^application\/json/)
      const c = await w.response()
      assert.equal(c.status, 200)
      assert.equal(json(c)[0]!.id, 'after')
      assert.equal(direct(), n0) // node's now, for good
    } finally {
      w.destroy()
    }
  })

  it('leaves a connection that starts with another request to node:http', async () => {
    const n0 = direct()
    const w = await Wire.open(srv.port)
    try {
      w.send('GET /api/v2/elsewhere HTTP/1.1\r\nHost: t\r\n\r\n')
      assert.equal((await w.response()).status, 404)
      w.send(handshake())
      assert.equal(json(await w.response())[0]!.successful, true)
      assert.equal(direct(), n0)
    } finally {
      w.destroy()
    }
  })

  it('serves a plain chunked body itself and hands a chunk extension to node:http', async () => {
    const n0 = direct()
    const body = JSON.stringify([HANDSHAKE])
    const head =
      `POST ${PATH}/handshake HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n` +
      `Authorization: ${basicOf('alice')}\r\nTransfer-Encoding: chunked\r\n\r\n`
    const size = Buffer.byteLength(body).toString(16)
    const w = await Wire.open(srv.port)
    try {
      w.send(`${head}${size}\r\n${body}\r\n0\r\n\r\n`)
      assert.equal(json(await w.response())[0]!.successful, true)
      assert.equal(direct(), n0 + 1)
      w.send(`${head}${size};ext=1\r\n${body}\r\n0\r\n\r\n`)
      const r = await w.response()
      assert.equal(r.status, 200)
      assert.equal(json(r)[0]!.successful, true)
      assert.equal(direct(), n0) // handed over with the whole request
    } finally {
      w.destroy()
    }
  })

  it("leaves malformed and oversized heads to node's parser (400, 431)", async () => {
    const bad = await Wire.open(srv.port)
    try {
      bad.send(`POST ${PATH} HTTP/1.1\r\nHost: t\r\nBad Header : x\r\nContent-Length: 2\r\n\r\n[]`)
      assert.equal((await bad.response()).status, 400)
      assert.ok(await bad.closedWithin(1000))
    } finally {
      bad.destroy()
    }
    const big = await Wire.open(srv.port)
    try {
      big.send(post(PATH, '[]', `Cookie: x=${'a'.repeat(20_000)}\r\n`))
      assert.equal((await big.response()).status, 431)
    } finally {
      big.destroy()
    }
  })

  it('refuses a Content-Length over maxMessageSize with 413 and closes', async () => {
    const w = await Wire.open(srv.port)
    try {
      w.send(
        `POST ${PATH} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n` +
          'Content-Length: 5000\r\n\r\n[',
      )
      const r = await w.response()
      assert.equal(r.status, 413)
      assert.equal(r.headers.connection, 'close')
      assert.match(r.body, /413:max_message_size=4096:/)
      assert.ok(await w.closedWithin(1000))
    } finally {
      w.destroy()
    }
  })

  it('honours Connection: close', async () => {
    const w = await Wire.open(srv.port)
    try {
      w.send(handshake('Connection: close\r\n'))
      const r = await w.response()
      assert.equal(r.status, 200)
      assert.equal(r.headers.connection, 'close')
      assert.ok(await w.closedWithin(1000))
    } finally {
      w.destroy()
    }
  })

  it('releases a held connect when the client closes or half-closes its connection', async () => {
    for (const how of ['destroy', 'end'] as const) {
      const w = await Wire.open(srv.port)
      const { clientId, cookie } = await session(w)
      w.send(post(`${PATH}/connect`, connect(clientId, 'c0', 0), cookie))
      await w.response()
      const held0 = srv.bayeux.stats().heldConnects ?? 0
      w.send(post(`${PATH}/connect`, connect(clientId, 'c1'), cookie))
      const deadline = Date.now() + 1000
      while ((srv.bayeux.stats().heldConnects ?? 0) === held0 && Date.now() < deadline)
        await sleep(10)
      assert.equal(srv.bayeux.stats().heldConnects, held0 + 1, how)
      if (how === 'destroy') w.destroy()
      else w.sock.end()
      while ((srv.bayeux.stats().heldConnects ?? 0) > held0 && Date.now() < deadline + 1000)
        await sleep(10)
      assert.equal(srv.bayeux.stats().heldConnects, held0, how)
      if (how === 'end') assert.ok(await w.closedWithin(1000), 'server closed its side')
    }
  })
})

describe('direct connections: pipelined requests as on node:http', () => {
  let direct: TestServer
  let node: TestServer
  before(async () => {
    direct = await startServer({ timeout: 1000 })
    node = await startServer({ timeout: 1000, directHttp: false })
  })
  after(async () => {
    await direct.close()
    await node.close()
  })

  interface Seen {
    status: number
    connection: string | undefined
    body: string
    /** Came after the connect's hold (1000 ms) rather than at once. */
    late: boolean
  }

  /**
   * On a fresh session (its first connect answered), send `writes` (one socket write each, the
   * next once the held connect is registered when `hold` says so) and read `n` answers.
   */
  async function run(
    srv: TestServer,
    writes: (clientId: string, cookie: string) => string[],
    n: number,
  ): Promise<{ seen: Seen[]; closed: boolean }> {
    const w = await Wire.open(srv.port)
    try {
      const { clientId, cookie } = await session(w)
      w.send(post(`${PATH}/connect`, connect(clientId, 'c0', 0), cookie))
      assert.equal((await w.response()).status, 200)
      const held0 = srv.bayeux.stats().heldConnects ?? 0
      const t0 = Date.now()
      const [firstWrite, ...rest] = writes(clientId, cookie)
      w.send(firstWrite!)
      if (rest.length > 0) {
        // The first write holds a connect: the rest is pipelined behind the held connect.
        while ((srv.bayeux.stats().heldConnects ?? 0) === held0 && Date.now() - t0 < 500)
          await sleep(5)
        assert.equal(srv.bayeux.stats().heldConnects, held0 + 1, 'connect held')
        for (const text of rest) w.send(text)
      }
      const seen: Seen[] = []
      for (let i = 0; i < n; i++) {
        const r = await w.response()
        seen.push({
          status: r.status,
          connection: r.headers.connection,
          body: r.body.replaceAll(clientId, 'X'),
          late: Date.now() - t0 >= 700,
        })
      }
      return { seen, closed: await w.closedWithin(100) }
    } finally {
      w.destroy()
    }
  }

  async function same(
    writes: (clientId: string, cookie: string) => string[],
    n: number,
  ): Promise<Seen[]> {
    const want = await run(node, writes, n)
    const got = await run(direct, writes, n)
    assert.deepEqual(got, want)
    return want.seen
  }

  it('processes a request pipelined behind a held connect at once', async () => {
    const seen = await same(
      (clientId, cookie) => [
        post(`${PATH}/connect`, connect(clientId, 'c1'), cookie),
        post(`${PATH}/disconnect`, [{ channel: '/meta/disconnect', clientId, id: 'd1' }], cookie) +
          'GET /api/v2/elsewhere HTTP/1.1\r\nHost: t\r\n\r\n',
      ],
      3,
    )
    // The disconnect ends the held connect; a REST request behind it follows (node:http's 404).
    const c1 = JSON.parse(seen[0]!.body) as Msg[]
    assert.equal(c1[0]!.id, 'c1')
    assert.equal((c1[0]!.advice as Record<string, unknown>).reconnect, 'none')
    assert.equal((JSON.parse(seen[1]!.body) as Msg[])[0]!.id, 'd1')
    assert.equal(seen[2]!.status, 404)
    assert.ok(seen.every((s) => !s.late))
  })

  it('ends a held connect with a disconnect sent in the same write', async () => {
    const seen = await same(
      (clientId, cookie) => [
        post(`${PATH}/connect`, connect(clientId, 'c1'), cookie) +
          post(`${PATH}/disconnect`, [{ channel: '/meta/disconnect', clientId, id: 'd1' }], cookie),
      ],
      2,
    )
    assert.deepEqual(
      seen.map((s) => [s.status, (JSON.parse(s.body) as Msg[])[0]!.id, s.late]),
      [
        [200, 'c1', false],
        [200, 'd1', false],
      ],
    )
  })

  it('a pipelined connect supersedes the held one and is answered at once', async () => {
    const seen = await same(
      (clientId, cookie) => [
        post(`${PATH}/connect`, connect(clientId, 'c1'), cookie),
        post(`${PATH}/connect`, connect(clientId, 'c2'), cookie),
      ],
      2,
    )
    assert.deepEqual(
      seen.map((s) => [s.status, (JSON.parse(s.body) as Msg[])[0]!.id, s.late]),
      [
        [500, 'c1', false],
        [200, 'c2', false],
      ],
    )
  })

  it('holds a pipelined connect only if the answers before it are written', async () => {
    const seen = await same(
      (clientId, cookie) => [
        post(`${PATH}/connect`, connect(clientId, 'c1', 0), cookie) +
          post(`${PATH}/connect`, connect(clientId, 'c2'), cookie) +
          post(
            PATH,
            [{ channel: '/meta/subscribe', clientId, subscription: '/p/a', id: 's1' }],
            cookie,
          ),
      ],
      3,
    )
    assert.deepEqual(
      seen.map((s) => [s.status, (JSON.parse(s.body) as Msg[])[0]!.id, s.late]),
      [
        [200, 'c1', false],
        [200, 'c2', true],
        [200, 's1', true],
      ],
    )
  })
})

describe('direct connections: half-closed by the client, as on node:http', () => {
  let direct: TestServer
  let node: TestServer
  before(async () => {
    direct = await startServer()
    node = await startServer({ directHttp: false })
    for (const srv of [direct, node]) {
      // Answered later than the client's FIN.
      srv.bayeux.onService('/service/slow', async () => {
        await sleep(200)
        return { ok: true }
      })
    }
  })
  after(async () => {
    await direct.close()
    await node.close()
  })

  /**
   * Everything the server writes after `text` and the client's FIN, until it closes (or 1.5 s);
   * `prepare` runs first on the same connection (a session: its clientId and Cookie line).
   */
  async function afterFin(
    srv: TestServer,
    text: (clientId: string, cookie: string) => string,
    prepare: boolean,
  ): Promise<{ bytes: string; closed: boolean }> {
    const w = await Wire.open(srv.port)
    try {
      let clientId = ''
      let cookie = ''
      if (prepare) {
        ;({ clientId, cookie } = await session(w))
        w.send(post(`${PATH}/connect`, connect(clientId, 'c0', 0), cookie))
        await w.response()
      }
      let bytes = ''
      w.sock.on('data', (c: Buffer) => (bytes += c.toString('latin1')))
      w.sock.end(text(clientId, cookie))
      const closed = await w.closedWithin(1500)
      return {
        // Header names in lower case (node:http writes them as given, the direct path in
        // title case), no Date.
        bytes: bytes
          .replace(/\r\n([^:\r\n]+):/g, (_m, name: string) => `\r\n${name.toLowerCase()}:`)
          .replace(/\r\ndate: [^\r]*/g, '')
          .replaceAll(clientId || '\0', 'X'),
        closed,
      }
    } finally {
      w.destroy()
    }
  }

  async function same(
    text: (clientId: string, cookie: string) => string,
    prepare = false,
  ): Promise<string> {
    const want = await afterFin(node, text, prepare)
    const got = await afterFin(direct, text, prepare)
    assert.deepEqual(got, want)
    assert.ok(want.closed, 'connection closed')
    return want.bytes
  }

  const head = `POST ${PATH} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n`
  const partial: [string, string][] = [
    ['a head', `${head}X-A: b\r\n`],
    ['a Content-Length body', `${head}Content-Length: 10\r\n\r\n[{"a":`],
    ['a chunked body', `${head}Transfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n`],
  ]
  for (const [name, text] of partial) {
    it(`answers part of a request and FIN with node's 400: ${name}`, async () => {
      assert.match(await same(() => text), /^HTTP\/1\.1 400 /)
    })
  }

  it("answers a partial request behind a held connect with node's 400 at once", async () => {
    const bytes = await same(
      (clientId, cookie) =>
        post(`${PATH}/connect`, connect(clientId, 'c1'), cookie) +
        `${head}Content-Length: 10\r\n\r\n[`,
      true,
    )
    assert.match(bytes, /^HTTP\/1\.1 400 /)
  })

  it('answers what is answered at once before the FIN, and nothing later', async () => {
    const service = (clientId: string, cookie: string, id: string, channel: string): string =>
      post(PATH, [{ channel, clientId, id, data: {} }], cookie)
    const echo = await same(
      (clientId, cookie) => service(clientId, cookie, 'e1', '/meta/unknown-channel'),
      true,
    )
    assert.match(echo, /^HTTP\/1\.1 200 /)
    // node:http ends the connection at the FIN: the slow service's answer is never written.
    assert.equal(await same((id, c) => service(id, c, 's1', '/service/slow'), true), '')
  })
})

describe('direct connections: timeouts and close', () => {
  it('closes an idle connection after keepAliveTimeout and a stalled head with 408', async () => {
    const srv = await startServer()
    try {
      srv.app.server.keepAliveTimeout = 300
      srv.app.server.headersTimeout = 300
      const idle = await Wire.open(srv.port)
      idle.send(handshake())
      assert.equal((await idle.response()).status, 200)
      assert.ok(await idle.closedWithin(2500), 'idle connection closed')
      const stalled = await Wire.open(srv.port)
      stalled.send(`POST ${PATH} HTTP/1.1\r\nHost: t\r\n`)
      assert.equal((await stalled.response(2500)).status, 408)
      assert.ok(await stalled.closedWithin(1000))
    } finally {
      await srv.close()
    }
  })

  it('lets a stalled body wait past headersTimeout, as node:http does (requestTimeout 0)', async () => {
    const direct = await startServer()
    const node = await startServer({ directHttp: false })
    try {
      const text = handshake()
      const cut = text.length - 5 // the head and part of the body
      const seen = []
      for (const srv of [node, direct]) {
        srv.app.server.headersTimeout = 300
        const w = await Wire.open(srv.port)
        try {
          w.send(text.slice(0, cut))
          const closed = await w.closedWithin(900)
          if (!closed) w.send(text.slice(cut))
          const r = await w.response()
          seen.push({ closed, status: r.status, successful: json(r)[0]?.successful })
        } finally {
          w.destroy()
        }
      }
      assert.deepEqual(seen[1], seen[0])
      assert.deepEqual(seen[0], { closed: false, status: 200, successful: true })
    } finally {
      await direct.close()
      await node.close()
    }
  })

  it("cuts a stalled body at requestTimeout when one is set, with node's 408", async () => {
    const srv = await startServer()
    try {
      // node:http checks requestTimeout every connectionsCheckingInterval (30 s): here only
      // the direct path is timed; the answer is node's either way.
      srv.app.server.headersTimeout = 200
      srv.app.server.requestTimeout = 700
      const text = handshake()
      const w = await Wire.open(srv.port)
      try {
        const t0 = Date.now()
        w.send(text.slice(0, text.length - 5))
        const r = await w.response()
        const ms = Date.now() - t0
        assert.equal(r.status, 408)
        assert.match(r.headers['content-type'] ?? '', /^application\/json/)
        assert.ok(ms >= 650 && ms < 1500, `after ${ms} ms`)
        assert.ok(await w.closedWithin(1000))
      } finally {
        w.destroy()
      }
    } finally {
      await srv.close()
    }
  })

  it('server close: held connects answered with Connection: close, idle ones closed', async () => {
    const srv = await startServer({ timeout: 30_000 })
    const idle = await Wire.open(srv.port)
    const held = await Wire.open(srv.port)
    const { clientId, cookie } = await session(held)
    held.send(post(`${PATH}/connect`, connect(clientId, 'c0', 0), cookie))
    await held.response()
    held.send(post(`${PATH}/connect`, connect(clientId, 'c1'), cookie))
    idle.send(handshake())
    await idle.response()
    await sleep(50)
    const t0 = Date.now()
    // What app.close() does (src/app.ts): the Bayeux server first, then fastify (server.close).
    await srv.bayeux.close()
    await srv.app.close()
    assert.ok(Date.now() - t0 < 2000, `closed in ${Date.now() - t0} ms`)
    const r = await held.response()
    assert.equal(r.headers.connection, 'close')
    assert.equal((json(r)[0]!.advice as Record<string, unknown>).reconnect, 'retry')
    assert.ok(await held.closedWithin(1000))
    assert.ok(await idle.closedWithin(1000))
  })
})

describe('direct connections: hostile line endings and slow heads', () => {
  let direct: TestServer
  let node: TestServer
  before(async () => {
    direct = await startServer()
    node = await startServer({ directHttp: false })
  })
  after(async () => {
    await direct.close()
    await node.close()
  })

  /** Send `text` in one write; the answer, how long it took, and whether the server closed. */
  async function answer(
    srv: TestServer,
    text: string,
  ): Promise<{ r: WireResponse; ms: number; closed: boolean }> {
    const w = await Wire.open(srv.port)
    try {
      const t0 = Date.now()
      w.send(text)
      const r = await w.response(3000)
      const ms = Date.now() - t0
      return { r, ms, closed: await w.closedWithin(1000) }
    } finally {
      w.destroy()
    }
  }

  const line = `POST ${PATH} HTTP/1.1`
  const cases: [string, string][] = [
    [
      'bare LF everywhere',
      `${line}\nHost: t\nContent-Type: application/json\nContent-Length: 2\n\n[]`,
    ],
    ['bare LF, head not finished', `${line}\nHost: t\n`],
    ['bare LF after the request line only', `${line}\nHost: t\r\nContent-Length: 2\r\n\r\n[]`],
    ['mixed CRLF and LF', `${line}\r\nHost: t\nContent-Length: 2\r\n\r\n[]`],
    ['blank line a bare LF', `${line}\r\nHost: t\r\nContent-Length: 2\r\n\n[]`],
    ['bare CR, head not finished', `${line}\rHost: t\r`],
    ['bare CR inside a header line', `${line}\r\nHost: t\rX: y\r\n`],
    ['obs-fold', `${line}\r\nHost: t\r\nX: a\r\n b\r\nContent-Length: 2\r\n\r\n[]`],
    ['obs-fold, head not finished', `${line}\r\nHost: t\r\nX: a\r\n\tb\r\n`],
    ['NUL, head not finished', `${line}\r\nHost: t\0\r\n`],
    ['a bad header name, head not finished', `${line}\r\nBad Header : x\r\n`],
    ['HTAB in the request line, head not finished', `POST\t${PATH} HTTP/1.1\r\n`],
  ]
  for (const [name, text] of cases) {
    it(`answers as node:http does, at once: ${name}`, async () => {
      const want = await answer(node, text)
      const got = await answer(direct, text)
      assert.equal(want.r.status, 400)
      assert.equal(got.r.status, want.r.status)
      assert.equal(got.r.body, want.r.body)
      assert.equal(got.closed, want.closed)
      assert.ok(got.closed, 'connection closed')
      assert.ok(got.ms < 500, `answered in ${got.ms} ms (node:http: ${want.ms} ms)`)
    })
  }

  /** Trickle a never-ending head in `pieces` writes `gap` ms apart, then keep it stalled. */
  async function slowHead(srv: TestServer, gap: number, pieces: number): Promise<number> {
    const w = await Wire.open(srv.port)
    try {
      const t0 = Date.now()
      w.send(`${line}\r\nHost: t\r\nX-Slow: `)
      let sent = 1
      const trickle = (async () => {
        while (!w.closed && sent < pieces && Date.now() - t0 < 5000) {
          await sleep(gap)
          if (!w.closed) w.send('a')
          sent++
        }
      })()
      const r = await w.response(5000)
      const ms = Date.now() - t0
      await trickle
      assert.equal(r.status, 408)
      // node:http's answer (fastify's clientError handler), on both paths.
      assert.match(r.headers['content-type'] ?? '', /^application\/json/)
      assert.ok(await w.closedWithin(1000), 'connection closed')
      return ms
    } finally {
      w.destroy()
    }
  }

  it('cuts a slow head at headersTimeout from its first byte, also after the handover', async () => {
    const timeout = 1000
    const before = direct.app.server.headersTimeout
    direct.app.server.headersTimeout = timeout
    try {
      // Well over MAX_READS (32) reads: handed to node:http mid-head, the clock keeps running.
      const handed = await slowHead(direct, 15, 1000)
      assert.ok(handed >= timeout - 50 && handed < 1.5 * timeout, `handed over: ${handed} ms`)
      // A few reads, then silence: stays on the direct path.
      const kept = await slowHead(direct, 100, 4)
      assert.ok(kept >= timeout - 50 && kept < 1.5 * timeout, `direct: ${kept} ms`)
    } finally {
      direct.app.server.headersTimeout = before
    }
  })
})
