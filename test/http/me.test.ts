// GET/POST /api/v2/me, GET /api/v2/features, and the GWS envelope for bad input (docs/api.md).

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertError } from '../helpers/assert.ts'
import { ApiClient } from '../helpers/http.ts'
import { CC1, CC2, U, PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

interface UserBody {
  id: string
  userName: string
  firstName: string
  lastName: string
  roles: string[]
  contactCenterId: string
  place: string | null
}

describe('/me and /features', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ provision: basicDocument(), config: { bodyLimit: 2048 } })
  })
  after(() => server.close())

  test('GET /me describes the caller', async () => {
    const res = await new ApiClient(server.apiUrl, 'sup1', PASSWORD).get<{
      statusCode: number
      user: UserBody
    }>('/me')
    assert.equal(res.status, 200)
    assert.equal(res.body.statusCode, 0)
    const u = res.body.user
    assert.equal(u.id, U.sup1)
    assert.equal(u.userName, 'sup1')
    assert.equal(u.firstName, 'Sue')
    assert.equal(u.lastName, 'Visor')
    assert.deepEqual(u.roles, ['ROLE_AGENT', 'ROLE_SUPERVISOR'])
    assert.equal(u.contactCenterId, CC1)
    assert.equal(u.place, null)
  })

  test('StartContactCenterSession sets the current place; EndContactCenterSession clears it', async () => {
    const client = new ApiClient(server.apiUrl, 'agent2', PASSWORD)
    const start = await client.post('/me', {
      operationName: 'StartContactCenterSession',
      place: 'Place_2',
    })
    assert.deepEqual([start.status, start.body], [200, { statusCode: 0 }])
    assert.equal((await client.get<{ user: UserBody }>('/me')).body.user.place, 'Place_2')

    const bad = await client.post('/me', {
      operationName: 'StartContactCenterSession',
      place: 'Nowhere',
    })
    assert.equal(bad.status, 404)
    assert.equal(bad.body.statusCode, 6)
    assert.equal(
      (await client.get<{ user: UserBody }>('/me')).body.user.place,
      'Place_2',
      'unchanged',
    )

    const end = await client.post('/me', { operationName: 'EndContactCenterSession' })
    assert.deepEqual([end.status, end.body], [200, { statusCode: 0 }])
    assert.equal((await client.get<{ user: UserBody }>('/me')).body.user.place, null)
  })

  test('the current place survives a restart (acknowledged means stored)', async () => {
    const own = await startServer({ provision: basicDocument() })
    let restarted: TestServer | undefined
    try {
      const client = new ApiClient(own.apiUrl, 'agent2', PASSWORD)
      await client.post('/me', { operationName: 'StartContactCenterSession', place: 'Place_1' })
      await own.close({ keepDb: true })
      restarted = await startServer({ dbPath: own.dbPath })
      const again = new ApiClient(restarted.apiUrl, 'agent2', PASSWORD)
      assert.equal((await again.get<{ user: UserBody }>('/me')).body.user.place, 'Place_1')
    } finally {
      await restarted?.close()
    }
  })

  test('GET /features lists the contact center features (uris, then fields=*)', async () => {
    const client = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    const uris = await client.get<{ statusCode: number; uris: string[] }>('/features')
    assert.equal(uris.status, 200)
    assert.deepEqual(uris.body.uris, [
      `${server.apiUrl}/features/api-multimedia`,
      `${server.apiUrl}/features/api-voice`,
    ])
    const full = await client.get<{ features: { id: string }[] }>('/features?fields=*')
    assert.deepEqual(
      full.body.features.map((f) => f.id),
      ['api-multimedia', 'api-voice'],
    )
    const one = await client.get('/features/api-voice')
    assert.equal(one.status, 200)
    const missing = await client.get('/features/api-nothing')
    assertError(missing, 404, 6)
  })

  test('another contact center sees only its own features and user', async () => {
    const other = new ApiClient(server.apiUrl, 'other1', PASSWORD)
    const me = await other.get<{ user: UserBody }>('/me')
    assert.equal(me.body.user.contactCenterId, CC2)
    const feats = await other.get<{ features: { id: string }[] }>('/features?fields=id')
    assert.deepEqual(feats.body.features, [{ id: 'api-voice' }])
  })

  describe('bad input gets a GWS error and changes nothing', () => {
    let client: ApiClient
    before(() => {
      client = new ApiClient(server.apiUrl, 'agent1', PASSWORD, { inject: server.app.http })
    })

    test('malformed JSON → 400 / 1', async () => {
      const res = await client.request('POST', '/me', undefined, { rawBody: '{"operationName": ' })
      assertError(res, 400, 1)
    })
    test('body is not an object → 400 / 1', async () => {
      const res = await client.post('/me', ['StartContactCenterSession'])
      assertError(res, 400, 1)
    })
    test('no body → 400 / 1', async () => {
      const res = await client.request('POST', '/me')
      assertError(res, 400, 1)
    })
    test('missing operationName → 400 / 1', async () => {
      const res = await client.post('/me', { place: 'Place_2' })
      assertError(res, 400, 1)
    })
    test('operationName of the wrong type → 400 / 2', async () => {
      const res = await client.post('/me', { operationName: 42 })
      assertError(res, 400, 2)
    })
    test('unknown operationName → 400 / 2', async () => {
      const res = await client.post('/me', { operationName: 'Explode' })
      assertError(res, 400, 2)
    })
    test('wrong type for place → 400 / 2', async () => {
      const res = await client.post('/me', { operationName: 'StartContactCenterSession', place: 7 })
      assertError(res, 400, 2)
    })
    test('unsupported content type → 415 / 1', async () => {
      const res = await client.request('POST', '/me', undefined, {
        rawBody: '<xml/>',
        headers: { 'content-type': 'application/xml' },
      })
      assertError(res, 415, 1)
    })
    test('oversized body → 413 / 10', async () => {
      const res = await client.post('/me', {
        operationName: 'StartContactCenterSession',
        place: 'x'.repeat(4096),
      })
      assertError(res, 413, 10)
    })
    test('unknown route → 404 / 6 (authenticated)', async () => {
      const res = await client.get('/no/such/thing')
      assertError(res, 404, 6)
    })
    test('after all of the above the caller is unchanged', async () => {
      const me = await client.get<{ user: UserBody }>('/me')
      assert.equal(me.body.user.place, 'Place_1')
    })
  })

  test('/health answers without credentials', async () => {
    const res = await fetch(`${server.url}/health`)
    assert.equal(res.status, 200)
    const body = (await res.json()) as { status: string }
    assert.equal(body.status, 'ok')
  })
})

describe('an internal failure', () => {
  test('is a 500 / statusCode 4 with a generic message and no stack', async () => {
    const server = await startServer({ provision: basicDocument() })
    const client = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    assert.equal((await client.get('/me')).status, 200)
    // Pull the database out from under the running server: every store call now throws.
    await server.app.store.close()
    try {
      const res = await client.get('/me')
      assert.equal(res.status, 500)
      assert.deepEqual(res.body, { statusCode: 4, statusMessage: 'Internal error' })
    } finally {
      await server.close() // closing a closed store is a no-op
    }
  })
})
