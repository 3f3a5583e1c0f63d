// CORS for desktops served from another origin: the REST API and both CometD paths, on the
// direct long-polling reader and on the node:http path, preflights without credentials; CometD
// refuses browser pages of other origins. Raw sockets, so that the Origin and Host headers and
// every response header are exactly what was sent.

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

/**
 * Requests one after the other on one new connection (keep-alive), each sent once the answer
 * before it is in; an answer is read until its Content-Length is in.
 */
function rawSeq(base: string, requests: string[]): Promise<RawResponse[]> {
  const { port } = new URL(base)
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1')
    const answers: RawResponse[] = []
    let buf = Buffer.alloc(0)
    sock.on('error', reject)
    sock.on('close', () => reject(new Error(`closed after ${answers.length} answers`)))
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
      answers.push({
        status: Number(line!.split(' ')[1]),
        headers,
        body: buf.toString('utf8', end + 4, end + 4 + length),
      })
      buf = buf.subarray(end + 4 + length)
      if (answers.length < requests.length) {
        sock.write(requests[answers.length]!)
        return
      }
      resolve(answers)
      sock.destroy()
    })
    sock.write(requests[0]!)
  })
}

/** One request on a new connection. */
async function raw(base: string, request: string): Promise<RawResponse> {
  const [answer] = await rawSeq(base, [request])
  return answer!
}

/** A request; `Host` is 127.0.0.1 unless `headers` names another. */
function request(method: string, path: string, headers: Record<string, string>, body = ''): string {
  const { Host: host = '127.0.0.1', ...rest } = headers
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n`
  for (const [k, v] of Object.entries(rest)) head += `${k}: ${v}\r\n`
  if (body !== '' || method === 'POST') head += `Content-Length: ${Buffer.byteLength(body)}\r\n`
  return `${head}\r\n${body}`
}

const preflight = (path: string, origin = DESK) =>
  request('OPTIONS', path, {
    Origin: origin,
    'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Headers': 'content-type,x-csrf-token',
  })

const HANDSHAKE_BODY = JSON.stringify([
  {
    channel: '/meta/handshake',
    version: '1.0',
    supportedConnectionTypes: ['long-polling'],
  },
])

const handshake = (path: string, origin: string) =>
  request(
    'POST',
    path,
    { Origin: origin, Authorization: AGENT1, 'Content-Type': 'application/json' },
    HANDSHAKE_BODY,
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
      // A CometD request it could send without a preflight is refused outright (see 'CometD
      // long-polling and Origin' below); a JSON one would need the preflight refused above.
      const h = await raw(
        srv.url,
        simplePost(
          '/api/v2/notifications/handshake',
          'text/plain',
          { Origin: evil, Authorization: AGENT1 },
          HANDSHAKE_BODY,
        ),
      )
      assert.equal(h.status, 403)
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
    // No origin is listed: a CometD request another origin's page could send is refused.
    const h = await raw(
      srv.url,
      simplePost(
        '/genesys/cometd/handshake',
        'text/plain',
        { Origin: DESK, Authorization: AGENT1 },
        HANDSHAKE_BODY,
      ),
    )
    assert.equal(h.status, 403)
    assert.equal(h.headers['access-control-allow-origin'], undefined)
    // The server's own pages (the console) use CometD as before.
    const own = await raw(
      srv.url,
      request(
        'POST',
        '/genesys/cometd/handshake',
        { Host: new URL(srv.url).host, Origin: srv.url, Authorization: AGENT1 },
        HANDSHAKE_BODY,
      ),
    )
    assert.equal(own.status, 200, own.body)
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

/** A POST a page can send without a preflight, `mode: 'no-cors'`: text/plain or a form. */
/** A POST with this Content-Type (undefined: none, as a fetch of a Blob without type sends). */
function simplePost(
  path: string,
  type: string | undefined,
  headers: Record<string, string>,
  json: string,
) {
  const body = type?.startsWith('application/x-www-form-urlencoded')
    ? `message=${encodeURIComponent(json)}`
    : json
  return request(
    'POST',
    path,
    type === undefined ? headers : { ...headers, 'Content-Type': type },
    body,
  )
}

interface BayeuxReply {
  channel: string
  successful: boolean
  error?: string
  clientId?: string
  advice?: { reconnect?: string }
}

const replyOf = (r: RawResponse) => (JSON.parse(r.body) as BayeuxReply[])[0]!

/** The JSESSIONID cookie of a login (`name=value`), as a browser keeps it. */
async function login(srv: TestServer, user: string): Promise<string> {
  const basic = `Basic ${Buffer.from(`${user}:${user}pass`).toString('base64')}`
  const res = await fetch(`${srv.apiUrl}/me`, { headers: { Authorization: basic } })
  assert.equal(res.status, 200)
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('JSESSIONID='))
  assert.ok(cookie, 'a JSESSIONID cookie')
  return cookie.split(';')[0]!
}

for (const directHttp of [true, false]) {
  describe(`CometD long-polling and Origin (direct HTTP reader ${directHttp ? 'on' : 'off'})`, () => {
    let srv: TestServer
    /** The server's own origin, and the Host its pages send. */
    let own: string
    let host: string
    const handshakes = () => srv.app.bayeux.stats().handshakes ?? 0

    before(async () => {
      srv = await startServer({
        demo: true,
        // Sessions outlive the test that opens them: a session opened by mistake stays counted.
        config: { corsOrigins: DESK, cometd: { directHttp, maxInterval: 30_000 } },
      })
      own = srv.url
      host = new URL(srv.url).host
    })
    after(() => srv.close())

    it('refuses a page of an unlisted origin before it parses or authenticates anything', async () => {
      // agent1's cookie, as a browser sends it (SameSite=Lax) from any page of the same site.
      const cookie = await login(srv, 'agent1')
      const before = handshakes()
      const origins = [
        'https://evil.example',
        `http://127.0.0.1:${Number(new URL(own).port) + 1}`, // same site, another port
        'null', // a sandboxed page or a file: a browser all the same
      ]
      // What a page may send to another origin without a preflight (Fetch: CORS-safelisted
      // Content-Types; none at all is sendable too).
      const types = ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', undefined]
      for (const path of ['/api/v2/notifications/handshake', '/genesys/cometd']) {
        for (const origin of origins) {
          for (const type of types) {
            const what = `${path} ${origin} ${type}`
            const r = await raw(
              srv.url,
              simplePost(
                path,
                type,
                { Host: host, Origin: origin, Cookie: cookie },
                HANDSHAKE_BODY,
              ),
            )
            assert.equal(r.status, 403, `${what}: ${r.body}`)
            assert.equal(r.headers['content-type'], 'application/json;charset=UTF-8', what)
            assert.equal(r.headers['access-control-allow-origin'], undefined, what)
            assert.equal(r.headers['set-cookie'], undefined, what)
            const reply = replyOf(r)
            assert.equal(reply.successful, false, what)
            assert.equal(reply.error, '403::origin_denied', what)
            assert.equal(reply.advice?.reconnect, 'none', what)
          }
        }
      }
      // Refused before parsing (a body that is not Bayeux: 403, not 400) and before
      // authentication (no credentials: 403, not a handshake reply saying unauthenticated).
      for (const [headers, body] of [
        [{ Cookie: cookie }, 'not json'],
        [{}, HANDSHAKE_BODY],
      ] as const) {
        const r = await raw(
          srv.url,
          simplePost(
            '/api/v2/notifications',
            'text/plain',
            { Host: host, Origin: 'https://evil.example', ...headers },
            body,
          ),
        )
        assert.equal(r.status, 403, r.body)
        assert.equal(replyOf(r).error, '403::origin_denied')
      }
      // The server's own origin seen under another Host (a proxy that rewrites it) is another
      // origin, as for websocket upgrades: pass Host through or list the public origin.
      const proxied = await raw(
        srv.url,
        simplePost(
          '/api/v2/notifications',
          'text/plain',
          { Host: 'backend.internal:8080', Origin: own, Cookie: cookie },
          HANDSHAKE_BODY,
        ),
      )
      assert.equal(proxied.status, 403, proxied.body)
      assert.equal(handshakes(), before, 'no session was opened')
      // JSON, as every CometD client sends, is not checked: a page of another origin cannot
      // send it without a preflight, which is refused (above). So the server's own pages keep
      // working behind a proxy that rewrites Host.
      const ownJson = await raw(
        srv.url,
        request(
          'POST',
          '/api/v2/notifications/handshake',
          {
            Host: 'backend.internal:8080',
            Origin: own,
            Cookie: cookie,
            'Content-Type': 'application/json',
          },
          HANDSHAKE_BODY,
        ),
      )
      assert.equal(ownJson.status, 200, ownJson.body)
      assert.equal(replyOf(ownJson).successful, true, ownJson.body)
    })

    it("uses up none of the user's sessions: the desktop still gets its own", async () => {
      // COMETD_MAX_SESSIONS_PER_USER (16) blind handshakes with the victim's cookie, on one
      // keep-alive connection, then the victim's own desktop on the server's origin.
      const cookie = await login(srv, 'agent2')
      const before = handshakes()
      const blind = simplePost(
        '/api/v2/notifications/handshake',
        'text/plain',
        { Host: host, Origin: 'https://evil.example', Cookie: cookie },
        HANDSHAKE_BODY,
      )
      const desk = request(
        'POST',
        '/api/v2/notifications/handshake',
        { Host: host, Origin: own, Cookie: cookie, 'Content-Type': 'application/json' },
        HANDSHAKE_BODY,
      )
      const answers = await rawSeq(srv.url, [...Array<string>(16).fill(blind), desk])
      const mine = answers.pop()!
      assert.deepEqual(
        answers.map((r) => r.status),
        Array<number>(16).fill(403),
      )
      assert.equal(mine.status, 200, mine.body)
      assert.equal(replyOf(mine).successful, true, mine.body)
      assert.equal(handshakes(), before + 1, 'the desktop session alone')
    })

    it('refuses a connect from another origin: a session is used from its own origin only', async () => {
      // A session opened without Origin (a Node.js client) whose connect a page replays.
      const hs = await raw(
        srv.url,
        request(
          'POST',
          '/api/v2/notifications/handshake',
          { Host: host, Authorization: AGENT1, 'Content-Type': 'application/json' },
          HANDSHAKE_BODY,
        ),
      )
      assert.equal(hs.status, 200, hs.body)
      const { clientId } = replyOf(hs)
      const browser = (hs.headers['set-cookie'] ?? '').split(';')[0]!
      const connect = (headers: Record<string, string>) =>
        request(
          'POST',
          '/api/v2/notifications/connect',
          { Host: host, Cookie: browser, 'Content-Type': 'text/plain', ...headers },
          JSON.stringify([
            {
              channel: '/meta/connect',
              clientId,
              connectionType: 'long-polling',
              advice: { timeout: 0 },
            },
          ]),
        )
      const foreign = await raw(srv.url, connect({ Origin: 'https://evil.example' }))
      assert.equal(foreign.status, 403, foreign.body)
      assert.equal(replyOf(foreign).error, '403::origin_denied')
      // The session itself is untouched: its own client connects.
      const mine = await raw(srv.url, connect({}))
      assert.equal(mine.status, 200, mine.body)
      assert.equal(replyOf(mine).successful, true, mine.body)
    })

    it('serves the server own origin, a listed origin and clients without Origin', async () => {
      const cookie = await login(srv, 'agent1')
      const cases: Record<string, string>[] = [
        { Origin: own }, // the console, or a desktop served by this server
        { Origin: DESK }, // WORKBINS_CORS_ORIGINS
        {}, // not a browser: cometd-nodejs-client, faye in Node.js, curl
      ]
      for (const headers of cases) {
        const r = await raw(
          srv.url,
          simplePost(
            '/genesys/cometd/handshake',
            'text/plain;charset=UTF-8',
            { Host: host, Cookie: cookie, ...headers },
            HANDSHAKE_BODY,
          ),
        )
        assert.equal(r.status, 200, `${JSON.stringify(headers)}: ${r.body}`)
        assert.equal(replyOf(r).successful, true, r.body)
      }
    })
  })
}

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
