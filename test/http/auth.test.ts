// Authentication (docs/api.md, Conventions): Basic on any request, JSESSIONID session cookie, idle expiry, CSRF, 401 shape.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertError } from '../helpers/assert.ts'
import { ApiClient } from '../helpers/http.ts'
import { U, PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

describe('authentication and sessions', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ provision: basicDocument() })
  })
  after(() => server.close())

  test('no credentials: 401 with a Basic challenge and statusCode 20', async () => {
    const res = await new ApiClient(server.apiUrl).get('/me')
    assertError(res, 401, 20)
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="/)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8/)
  })

  test('wrong password and unknown user: 401 / 20, no session cookie', async () => {
    for (const [user, pw] of [
      ['agent1', 'wrong'],
      ['nobody', PASSWORD],
    ] as const) {
      const client = new ApiClient(server.apiUrl, user, pw)
      const res = await client.get('/me')
      assertError(res, 401, 20)
      assert.equal(client.cookies.has('JSESSIONID'), false)
    }
  })

  test('malformed Authorization header: 401 / 20', async () => {
    const res = await new ApiClient(server.apiUrl).request('GET', '/me', undefined, {
      headers: { authorization: 'Basic !!!notbase64' },
    })
    assertError(res, 401, 20)
  })

  test('Basic opens a session: JSESSIONID is HttpOnly, SameSite=Lax, and works alone', async () => {
    const client = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    const first = await client.get('/me')
    assert.equal(first.status, 200)
    const setCookie = first.headers.getSetCookie().find((c) => c.startsWith('JSESSIONID='))
    assert.ok(setCookie, 'a JSESSIONID cookie is set')
    assert.match(setCookie, /HttpOnly/i)
    assert.match(setCookie, /SameSite=Lax/i)
    assert.match(setCookie, /Path=\//)

    // Now only the cookie is sent.
    const cookieOnly = new ApiClient(server.apiUrl)
    cookieOnly.cookies.set('JSESSIONID', client.cookies.get('JSESSIONID')!)
    const second = await cookieOnly.get('/me')
    assert.equal(second.status, 200)
    assert.equal((second.body.user as { id: string }).id, U.agent1)
    assert.equal(second.headers.getSetCookie().length, 0, 'no new session for a valid cookie')
  })

  test('two Basic logins of one user get different sessions', async () => {
    const a = new ApiClient(server.apiUrl, 'agent2', PASSWORD)
    const b = new ApiClient(server.apiUrl, 'agent2', PASSWORD)
    assert.equal((await a.get('/me')).status, 200)
    assert.equal((await b.get('/me')).status, 200)
    assert.ok(a.cookies.get('JSESSIONID'))
    assert.notEqual(a.cookies.get('JSESSIONID'), b.cookies.get('JSESSIONID'))
  })

  test('Basic with the cookie of the same user keeps that session', async () => {
    const a = new ApiClient(server.apiUrl, 'agent2', PASSWORD, { basicAlways: true })
    assert.equal((await a.get('/me')).status, 200)
    const sid = a.cookies.get('JSESSIONID')
    const again = await a.get('/me')
    assert.equal(again.status, 200)
    assert.equal(again.headers.getSetCookie().length, 0)
    assert.equal(a.cookies.get('JSESSIONID'), sid)
  })

  test('Basic of another user than the cookie’s opens a session of that user', async () => {
    const a = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    assert.equal((await a.get('/me')).status, 200)
    const b = new ApiClient(server.apiUrl, 'agent2', PASSWORD, { basicAlways: true })
    b.cookies.set('JSESSIONID', a.cookies.get('JSESSIONID')!)
    const res = await b.get('/me')
    assert.equal((res.body.user as { id: string }).id, U.agent2)
    assert.notEqual(b.cookies.get('JSESSIONID'), a.cookies.get('JSESSIONID'))
  })

  test('a bogus cookie is not a session: 401', async () => {
    const client = new ApiClient(server.apiUrl)
    client.cookies.set('JSESSIONID', 'not-a-session')
    const res = await client.get('/me')
    assertError(res, 401, 20)
  })

  test('an idle session expires', async () => {
    const client = new ApiClient(server.apiUrl, 'sup1', PASSWORD)
    assert.equal((await client.get('/me')).status, 200)
    const sid = client.cookies.get('JSESSIONID')!
    // Make the session look idle for longer than sessionIdleSeconds (the real store method).
    await server.app.store.touchSession(
      sid,
      Date.now() - (server.app.config.sessionIdleSeconds + 5) * 1000,
    )
    const cookieOnly = new ApiClient(server.apiUrl)
    cookieOnly.cookies.set('JSESSIONID', sid)
    const res = await cookieOnly.get('/me')
    assertError(res, 401, 20)
    assert.equal(await server.app.store.getSession(sid), undefined, 'expired session removed')
  })

  test('the Basic password never reaches a stored session or the reply', async () => {
    const client = new ApiClient(server.apiUrl, 'admin1', PASSWORD)
    const res = await client.get('/me')
    assert.equal(res.status, 200)
    assert.equal(JSON.stringify(res.body).includes(PASSWORD), false)
    const session = await server.app.store.getSession(client.cookies.get('JSESSIONID')!)
    assert.equal(JSON.stringify(session).includes(PASSWORD), false)
  })
})

describe('session touches follow the idle time', () => {
  let server: TestServer
  before(async () => {
    // A 2 s idle time: a session's last use is written at most every 100 ms (5%).
    server = await startServer({ provision: basicDocument(), config: { sessionIdleSeconds: 2 } })
  })
  after(async () => server.close())

  test('a session in use outlives its idle time; its last use is written once per 5% of it', async () => {
    const client = new ApiClient(server.apiUrl, 'sup1', PASSWORD)
    assert.equal((await client.get('/me')).status, 200)
    const sid = client.cookies.get('JSESSIONID')!
    const cookieOnly = new ApiClient(server.apiUrl)
    cookieOnly.cookies.set('JSESSIONID', sid)
    const seen = async () => (await server.app.store.getSession(sid))?.lastSeenAt
    // Used every 150 ms for 3 s: longer than the idle time, and every use is let in.
    const start = Date.now()
    while (Date.now() - start < 3000) {
      assert.equal((await cookieOnly.get('/me')).status, 200)
      const last = await seen()
      assert.ok(last !== undefined && Date.now() - last <= 300, `last use written: ${last}`)
      await new Promise((r) => setTimeout(r, 150))
    }
    // Two uses 10 ms apart: the second writes nothing.
    await new Promise((r) => setTimeout(r, 150))
    assert.equal((await cookieOnly.get('/me')).status, 200)
    const first = await seen()
    await new Promise((r) => setTimeout(r, 10))
    assert.equal((await cookieOnly.get('/me')).status, 200)
    assert.equal(await seen(), first)
  })
})

describe('CSRF protection (WORKBINS_CSRF=1)', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ provision: basicDocument(), config: { csrf: true } })
  })
  after(() => server.close())

  test('GET /me hands out the header name and token; POST needs them', async () => {
    const client = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    const me = await client.get('/me')
    assert.equal(me.status, 200)
    assert.equal(me.headers.get('x-csrf-header'), 'X-CSRF-TOKEN')
    const token = me.headers.get('x-csrf-token')
    assert.ok(token)

    const without = await client.post('/me', { operationName: 'StartContactCenterSession' })
    assertError(without, 403, 3)
    assert.equal(without.body.statusMessage, 'Missing or invalid Csrf token')

    const wrong = await client.request(
      'POST',
      '/me',
      { operationName: 'StartContactCenterSession', place: 'Place_2' },
      {
        headers: { 'x-csrf-token': 'nope' },
      },
    )
    assertError(wrong, 403, 3)
    // Nothing changed by the refused request.
    assert.equal(((await client.get('/me')).body.user as { place: string }).place, 'Place_1')

    client.csrfToken = token
    const ok = await client.post('/me', {
      operationName: 'StartContactCenterSession',
      place: 'Place_2',
    })
    assert.equal(ok.status, 200)
    assert.equal(ok.body.statusCode, 0)
  })

  test('without CSRF enabled no token headers are sent', async () => {
    const plain = await startServer({ provision: basicDocument() })
    try {
      const res = await new ApiClient(plain.apiUrl, 'agent1', PASSWORD).get('/me')
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('x-csrf-token'), null)
    } finally {
      await plain.close()
    }
  })
})
