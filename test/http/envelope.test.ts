// Every answer under /api/v2 is the GWS envelope {"statusCode":N,"statusMessage":"..."}, even
// for requests fastify's router or node's parser reject before any route runs: a table of
// hostile URLs, headers and bodies, each sent as raw bytes, with the expected HTTP status and
// GWS statusCode. None of them changes the store.

import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { Wire } from '../bayeux/helpers.ts'
import { DbSnapshot } from '../helpers/db-snapshot.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { until } from '../helpers/wait.ts'

const AUTH = `Basic ${Buffer.from('agent1:agent1pass').toString('base64')}`
const WB = 'aee812a5-7396-4dd9-b180-230f1c1fb085'

interface Case {
  name: string
  /** The raw request head (request line and headers, no final blank line), then the body. */
  head: string
  body?: string
  status: number
  code: number
}

function req(method: string, target: string, headers: string[] = []): string {
  return [`${method} ${target} HTTP/1.1`, 'Host: t', `Authorization: ${AUTH}`, ...headers].join(
    '\r\n',
  )
}

function json(method: string, target: string, body: string, headers: string[] = []): Case['head'] {
  return req(method, target, [
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...headers,
  ])
}

const START = JSON.stringify({ operationName: 'StartContactCenterSession', place: 'Place_7002' })
const manyIds = Array.from(
  { length: 500 },
  (_, i) => `${WB.slice(0, -3)}${String(i).padStart(3, '0')}`,
)

const CASES: Case[] = [
  {
    name: 'NUL and invalid UTF-8 in a path parameter',
    head: req('GET', '/api/v2/workbins/%00%ff'),
    status: 400,
    code: 2,
  },
  { name: 'bad percent-encoding', head: req('GET', '/api/v2/workbins/%zz'), status: 400, code: 2 },
  {
    name: 'truncated percent-encoding',
    head: req('GET', '/api/v2/me/workbins/%E0%A4'),
    status: 400,
    code: 2,
  },
  {
    name: 'workbin id over 200 characters',
    head: req('GET', `/api/v2/workbins/${'a'.repeat(201)}`),
    status: 414,
    code: 2,
  },
  {
    name: 'user id over 200 characters',
    head: req('GET', `/api/v2/users/${'u'.repeat(300)}/workbins`),
    status: 414,
    code: 2,
  },
  {
    name: 'a 200-character workbin id is merely unknown',
    head: req('GET', `/api/v2/workbins/${'a'.repeat(200)}`),
    status: 404,
    code: 6,
  },
  {
    name: '500 workbin ids: request line over maxHeaderSize',
    head: req('GET', `/api/v2/me/workbins?workbinIds=${manyIds.join(',')}`),
    status: 431,
    code: 2,
  },
  {
    name: 'one header over maxHeaderSize',
    head: req('GET', '/api/v2/me', [`X-Big: ${'b'.repeat(20_000)}`]),
    status: 431,
    code: 2,
  },
  {
    name: 'control character in a header name',
    head: req('GET', '/api/v2/me', ['X\u0001: y']),
    status: 400,
    code: 2,
  },
  { name: 'unknown method token', head: req('BREW', '/api/v2/me'), status: 400, code: 2 },
  {
    name: 'non-numeric Content-Length',
    head: req('POST', '/api/v2/me', ['Content-Type: application/json', 'Content-Length: abc']),
    status: 400,
    code: 2,
  },
  { name: 'OPTIONS on a route', head: req('OPTIONS', '/api/v2/me'), status: 404, code: 6 },
  { name: 'DELETE on a route', head: req('DELETE', '/api/v2/me'), status: 404, code: 6 },
  { name: 'unknown path', head: req('GET', '/api/v2/nope/%20x'), status: 404, code: 6 },
  { name: 'no credentials', head: 'GET /api/v2/me HTTP/1.1\r\nHost: t', status: 401, code: 20 },
  {
    name: 'garbage credentials',
    head: 'GET /api/v2/me HTTP/1.1\r\nHost: t\r\nAuthorization: Basic %%%',
    status: 401,
    code: 20,
  },
  {
    name: 'invalid JSON',
    head: json('POST', '/api/v2/me', '{"operationName":'),
    body: '{"operationName":',
    status: 400,
    code: 1,
  },
  {
    name: 'JSON array body',
    head: json('POST', '/api/v2/me', '[]'),
    body: '[]',
    status: 400,
    code: 1,
  },
  {
    name: 'JSON string body',
    head: json('POST', '/api/v2/me', '"x"'),
    body: '"x"',
    status: 400,
    code: 1,
  },
  {
    name: 'operationName not a string',
    head: json('POST', '/api/v2/me', '{"operationName":{"a":1}}'),
    body: '{"operationName":{"a":1}}',
    status: 400,
    code: 2,
  },
  {
    name: 'form body',
    head: req('POST', '/api/v2/me', [
      'Content-Type: application/x-www-form-urlencoded',
      'Content-Length: 51',
    ]),
    body: 'operationName=StartContactCenterSession&place=Place',
    status: 415,
    code: 1,
  },
  {
    name: 'text/plain JSON body',
    head: req('POST', '/api/v2/me', [
      'Content-Type: text/plain',
      `Content-Length: ${START.length}`,
    ]),
    body: START,
    status: 415,
    code: 1,
  },
  {
    name: 'multipart body',
    head: req('POST', '/api/v2/me', [
      'Content-Type: multipart/form-data; boundary=x',
      'Content-Length: 4',
    ]),
    body: '--x-',
    status: 415,
    code: 1,
  },
  {
    name: 'body without Content-Type',
    head: req('POST', '/api/v2/me', [`Content-Length: ${START.length}`]),
    body: START,
    status: 415,
    code: 1,
  },
  {
    name: 'no body, no Content-Type',
    head: req('POST', '/api/v2/me', ['Content-Length: 0']),
    status: 400,
    code: 1,
  },
  {
    name: 'body over the limit',
    head: json('POST', '/api/v2/me', ' '.repeat(70_000)),
    body: ' '.repeat(70_000),
    status: 413,
    code: 10,
  },
]

describe('every /api/v2 error is the GWS envelope', () => {
  let srv: TestServer
  let port: number
  let db: DbSnapshot
  before(async () => {
    srv = await startServer({ demo: true })
    port = Number(new URL(srv.url).port)
    db = new DbSnapshot(srv.dbPath)
  })
  after(async () => {
    db.close()
    await srv.close()
  })

  for (const c of CASES) {
    it(`${c.name} → ${c.status} / ${c.code}`, async () => {
      const before = db.take()
      const wire = await Wire.open(port)
      try {
        wire.send(`${c.head}\r\n\r\n${c.body ?? ''}`)
        const res = await wire.response()
        assert.equal(res.status, c.status, res.body)
        assert.match(res.headers['content-type'] ?? '', /^application\/json/)
        const body = JSON.parse(res.body) as Record<string, unknown>
        assert.deepEqual(Object.keys(body).sort(), ['statusCode', 'statusMessage'], res.body)
        assert.equal(body.statusCode, c.code, res.body)
        assert.equal(typeof body.statusMessage, 'string')
      } finally {
        wire.destroy()
      }
      assert.equal(db.take(), before, 'the store changed')
    })
  }
})

describe('a request arriving while the server closes', () => {
  it('the one in flight is answered with Connection: close; one pipelined behind it is left for the client to retry', async () => {
    const srv = await startServer({ demo: true })
    const wire = await Wire.open(Number(new URL(srv.url).port))
    try {
      // A request in flight (its body not all sent) keeps the connection open during close.
      const body = JSON.stringify({ operationName: 'Nope' })
      const arrived = once(srv.app.http.server, 'request')
      wire.send(`${json('POST', '/api/v2/me', body)}\r\n\r\n${body.slice(0, 5)}`)
      await arrived
      const closed = srv.close()
      // fastify marks itself closing before it stops listening: then new requests get 503
      await until('the server stops listening', () => !srv.app.http.server.listening)
      wire.send(`${body.slice(5)}${req('GET', '/api/v2/me')}\r\n\r\n`)
      const answered = await wire.response()
      assert.equal(answered.status, 400)
      assert.equal(answered.headers.connection, 'close')
      // RFC 9112 (pipelining): a client retries the requests a closed connection left
      // unanswered; the server does not wait out its grace period for this connection.
      assert.equal(await wire.closedWithin(2000), true)
      await assert.rejects(wire.response(), /connection closed/)
      await closed
    } finally {
      wire.destroy()
    }
  })
})
