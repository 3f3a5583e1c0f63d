// CORS for desktops served from another origin: the REST API and both CometD paths, on the
// direct long-polling reader and on the node:http path, preflights without credentials.
// Raw sockets, so that the Origin header and every response header are exactly what was sent.

import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { startServer, type TestServer } from '../helpers/server.ts'

const DESK = 'https://desk.example.com'
const AGENT1 = `Basic ${Buffer.from('agent1:agent1pass').toString('base64')}`

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** One request on a new connection; the answer is read until its Content-Length is in. */
function raw(base: string, request: string): Promise<RawResponse> {
  const { port } = new URL(base)
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1')
    let buf = Buffer.alloc(0)
    sock.on('error', reject)
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return
      const [line, ...lines] = buf.toString('latin1', 0, end).split('\r\n')
      const headers: Record<string, string> = {}
      for (const l of lines) {
        const i = l.indexOf(':')
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim()
      }
      const length = Number(headers['content-length'] ?? 0)
      if (buf.length < end + 4 + length) return
      sock.destroy()
      resolve({
        status: Number(line!.split(' ')[1]),
        headers,
        body: buf.toString('utf8', end + 4, end + 4 + length),
      })
    })
    sock.write(request)
  })
}

function request(method: string, path: string, headers: Record<string, string>, body = ''): string {
  let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`
  if (body !== '' || method === 'POST') head += `Content-Length: ${Buffer.byteLength(body)}\r\n`
  return `${head}\r\n${body}`
}

const preflight = (path: string, origin = DESK) =>
  request('OPTIONS', path, {
    Origin: origin,
    'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Headers': 'content-type,x-csrf-token',
  })

const handshake = (path: string, origin: string) =>
  request(
    'POST',
    path,
    { Origin: origin, Authorization: AGENT1, 'Content-Type': 'application/json' },
    JSON.stringify([
      {
        channel: '/meta/handshake',
        version: '1.0',
        supportedConnectionTypes: ['long-polling'],
      },
    ]),
  )

function assertAllowed(r: RawResponse, origin = DESK): void {
  assert.equal(r.headers['access-control-allow-origin'], origin)
  assert.equal(r.headers['access-control-allow-credentials'], 'true')
}

function assertPreflight(r: RawResponse): void {
  assert.equal(r.status, 204, r.body)
  assertAllowed(r)
  const allowed = (r.headers['access-control-allow-headers'] ?? '').toLowerCase()
  assert.ok(allowed.includes('x-csrf-token'), allowed)
  assert.ok(allowed.includes('content-type'), allowed)
  assert.ok((r.headers['access-control-allow-methods'] ?? '').includes('POST'))
}

for (const directHttp of [true, false]) {
  describe(`CORS with allowed origins (direct HTTP reader ${directHttp ? 'on' : 'off'})`, () => {
    let srv: TestServer
    before(async () => {
      srv = await startServer({
        demo: true,
        config: { corsOrigins: `${DESK}, http://localhost:3000`, cometd: { directHttp } },
      })
    })
    after(() => srv.close())

    it('answers REST preflights without credentials', async () => {
      assertPreflight(await raw(srv.url, preflight('/api/v2/me')))
      assertPreflight(await raw(srv.url, preflight('/api/v2/me/workbins/x?agentGroup=Sales')))
    })

    it('lets the page read the reply and the CSRF headers, with credentials', async () => {
      const r = await raw(
        srv.url,
        request('GET', '/api/v2/me', { Origin: DESK, Authorization: AGENT1 }),
      )
      assert.equal(r.status, 200, r.body)
      assertAllowed(r)
      const exposed = (r.headers['access-control-expose-headers'] ?? '').toLowerCase()
      for (const h of ['x-csrf-header', 'x-csrf-token']) assert.ok(exposed.includes(h), exposed)
      // An error reply carries the headers too, so the page can read the GWS envelope.
      const denied = await raw(srv.url, request('GET', '/api/v2/me', { Origin: DESK }))
      assert.equal(denied.status, 401)
      assertAllowed(denied)
    })

    it('gives other origins nothing', async () => {
      const evil = 'https://evil.example'
      const r = await raw(
        srv.url,
        request('GET', '/api/v2/me', { Origin: evil, Authorization: AGENT1 }),
      )
      assert.equal(r.headers['access-control-allow-origin'], undefined)
      const p = await raw(srv.url, preflight('/api/v2/me', evil))
      assert.equal(p.headers['access-control-allow-origin'], undefined)
      const h = await raw(srv.url, handshake('/api/v2/notifications/handshake', evil))
      assert.equal(h.status, 200)
      assert.equal(h.headers['access-control-allow-origin'], undefined)
    })

    it('lets the page read a CometD 413 (body over COMETD_MAX_MESSAGE_SIZE)', async () => {
      const size = 1_000_000
      const head =
        `POST /api/v2/notifications/handshake HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${DESK}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${size}\r\n\r\n[`
      const r = await raw(srv.url, head)
      assert.equal(r.status, 413, r.body)
      assertAllowed(r)
    })

    for (const path of ['/api/v2/notifications', '/genesys/cometd']) {
      it(`serves CometD at ${path} to the allowed origin, preflight included`, async () => {
        assertPreflight(await raw(srv.url, preflight(`${path}/handshake`)))
        assertPreflight(await raw(srv.url, preflight(path)))
        const r = await raw(srv.url, handshake(`${path}/handshake`, 'http://localhost:3000'))
        assert.equal(r.status, 200, r.body)
        assertAllowed(r, 'http://localhost:3000')
        const [reply] = JSON.parse(r.body) as { successful: boolean }[]
        assert.equal(reply!.successful, true, r.body)
      })
    }
  })
}

describe('CORS by default (no origin allowed)', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ demo: true })
  })
  after(() => srv.close())

  it('adds no CORS header anywhere and keeps OPTIONS unanswered', async () => {
    const r = await raw(
      srv.url,
      request('GET', '/api/v2/me', { Origin: DESK, Authorization: AGENT1 }),
    )
    assert.equal(r.status, 200)
    assert.equal(r.headers['access-control-allow-origin'], undefined)
    const p = await raw(srv.url, preflight('/api/v2/me'))
    assert.notEqual(p.status, 204)
    assert.equal(p.headers['access-control-allow-origin'], undefined)
    const h = await raw(srv.url, handshake('/genesys/cometd/handshake', DESK))
    assert.equal(h.status, 200)
    assert.equal(h.headers['access-control-allow-origin'], undefined)
    // The Bayeux transport still refuses other methods on its paths.
    const o = await raw(srv.url, preflight('/api/v2/notifications'))
    assert.equal(o.status, 400)
  })

  it('refuses an origin that is not one', async () => {
    await assert.rejects(
      startServer({ config: { corsOrigins: 'https://desk.example.com/' } }),
      /WORKBINS_CORS_ORIGINS/,
    )
    await assert.rejects(startServer({ config: { corsOrigins: '*' } }), /WORKBINS_CORS_ORIGINS/)
  })
})

describe('websocket upgrades and Origin', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ demo: true, config: { corsOrigins: DESK } })
  })
  after(() => srv.close())

  /** The HTTP status of an upgrade with this Origin (101: opened), credentials included. */
  const upgrade = (origin: string | undefined) =>
    new Promise<number>((resolve, reject) => {
      const url = `${srv.url.replace('http', 'ws')}/api/v2/notifications`
      const ws = new WebSocket(url, {
        headers: { Authorization: AGENT1 },
        ...(origin === undefined ? {} : { origin }),
      })
      ws.on('open', () => {
        ws.close()
        resolve(101)
      })
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0)
        ws.terminate()
      })
      ws.on('error', reject)
    })

  it('refuses a page of another origin: it would read the user notifications', async () => {
    assert.equal(await upgrade('https://evil.example'), 403)
    assert.equal(await upgrade('null'), 403)
  })

  it('opens for the server own origin, a listed origin, and a client without Origin', async () => {
    assert.equal(await upgrade(new URL(srv.url).origin), 101)
    assert.equal(await upgrade(DESK), 101)
    assert.equal(await upgrade(undefined), 101)
  })
})
