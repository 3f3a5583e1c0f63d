// REST writes take application/json only: a body a cross-site HTML form can send without a
// CORS preflight (form-encoded, text/plain, multipart) is 415 and changes nothing, even with
// the victim's session cookie. Bayeux long-polling keeps its `message=` form bodies.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { HANDSHAKE } from '../bayeux/helpers.ts'
import { assertError } from '../helpers/assert.ts'
import { ApiClient } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

describe('REST writes: application/json only', () => {
  let srv: TestServer
  let agent: ApiClient
  before(async () => {
    srv = await startServer({ demo: true })
    agent = new ApiClient(srv.apiUrl, 'agent1', 'agent1pass')
    assert.equal((await agent.get('/me')).status, 200) // JSESSIONID cookie from now on
  })
  after(() => srv.close())

  const place = async () => ((await agent.get('/me')).body.user as { place: string }).place

  const forged: [string, string][] = [
    [
      'application/x-www-form-urlencoded',
      'operationName=StartContactCenterSession&place=Place_7002',
    ],
    [
      'text/plain',
      JSON.stringify({ operationName: 'StartContactCenterSession', place: 'Place_7002' }),
    ],
    [
      'text/plain;charset=UTF-8',
      JSON.stringify({ operationName: 'StartContactCenterSession', place: 'Place_7002' }),
    ],
    [
      'multipart/form-data; boundary=b',
      '--b\r\nContent-Disposition: form-data; name="operationName"\r\n\r\nEndContactCenterSession\r\n--b--\r\n',
    ],
  ]
  for (const [type, body] of forged) {
    it(`${type} with the session cookie → 415, nothing changed`, async () => {
      assert.equal(await place(), 'Place_7001')
      const r = await agent.request('POST', '/me', undefined, {
        headers: { 'content-type': type },
        rawBody: body,
      })
      assertError(r, 415, 1)
      assert.match(String(r.body.statusMessage), /application\/json/)
      assert.equal(await place(), 'Place_7001')
    })
  }

  it('the same operation as JSON (with a charset) does change the place', async () => {
    const op = { operationName: 'StartContactCenterSession', place: 'Place_7002' }
    const r = await agent.request('POST', '/me', undefined, {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      rawBody: JSON.stringify(op),
    })
    assert.equal(r.status, 200)
    assert.equal(await place(), 'Place_7002')
  })

  it('a POST with neither body nor Content-Type reaches the route: 400 / 1', async () => {
    const res = await fetch(`${srv.apiUrl}/me`, {
      method: 'POST',
      headers: { authorization: agent.basicHeader()! },
    })
    assert.equal(res.status, 400)
    assert.equal(((await res.json()) as { statusCode: number }).statusCode, 1)
  })
})

describe('Bayeux long-polling still takes form-encoded message= bodies', () => {
  for (const directHttp of [true, false]) {
    it(`handshake and connect as forms (${directHttp ? 'direct' : 'node:http'} path)`, async () => {
      const srv = await startServer({ demo: true, config: { cometd: { directHttp } } })
      try {
        const authorization = `Basic ${Buffer.from('agent1:agent1pass').toString('base64')}`
        const form = async (path: string, messages: object[], cookie?: string) => {
          const res = await fetch(srv.cometdUrl + path, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              authorization,
              ...(cookie ? { cookie } : {}),
            },
            body: `message=${encodeURIComponent(JSON.stringify(messages))}`,
          })
          assert.equal(res.status, 200)
          const cookieOut = (res.headers.get('set-cookie') ?? '').split(';')[0]
          return { replies: (await res.json()) as Record<string, unknown>[], cookie: cookieOut }
        }
        const hs = await form('/handshake', [HANDSHAKE])
        assert.equal(hs.replies[0]!.successful, true)
        const clientId = hs.replies[0]!.clientId as string
        const connect = { channel: '/meta/connect', clientId, connectionType: 'long-polling' }
        const c = await form('/connect', [{ ...connect, advice: { timeout: 0 } }], hs.cookie)
        assert.equal(c.replies[0]!.channel, '/meta/connect')
        assert.equal(c.replies[0]!.successful, true)
      } finally {
        await srv.close()
      }
    })
  }
})
