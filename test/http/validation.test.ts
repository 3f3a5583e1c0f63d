// Route schemas (src/http/schemas/) reject bad input in the GWS envelope with the codes clients
// rely on (docs/api.md): no body or no operationName 400 / 1, an unknown operationName or a
// field of the wrong type 400 / 2, a disabled feature 404 / 6 first; nothing changes.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertError } from '../helpers/assert.ts'
import { ApiClient } from '../helpers/http.ts'
import { PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const WB = '00000000-0000-4000-8000-000000000000'

describe('schema validation answers the GWS envelope', () => {
  let server: TestServer
  let agent: ApiClient
  before(async () => {
    server = await startServer({ provision: basicDocument() })
    agent = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
  })
  after(() => server.close())

  test('a body that is not an object, or has no operationName: 400 / 1', async () => {
    for (const rawBody of [
      '[]',
      '"Subscribe"',
      '{}',
      '{"operationName":""}',
      '{"operationName":null}',
    ]) {
      assertError(await agent.request('POST', '/me', undefined, { rawBody }), 400, 1)
      assertError(await agent.request('POST', `/me/workbins/${WB}`, undefined, { rawBody }), 400, 1)
    }
  })

  test('an unknown operationName or one of the wrong type: 400 / 2, named in the message', async () => {
    const reply = await agent.post('/me/workbins', { operationName: 'RequestAgentStats' })
    assertError(reply, 400, 2)
    assert.match(String(reply.body.statusMessage), /RequestAgentStats.*\/me\/workbins/)
    assertError(await agent.post('/me', { operationName: 7 }), 400, 2)
    assertError(await agent.post('/interactions/x', { operationName: 'Create' }), 400, 2)
    // a single-valued query parameter given twice
    assertError(await agent.get(`/me/workbins/${WB}?agentGroup=a&agentGroup=b`), 400, 2)
  })

  test('a field of the wrong type is 400 / 2 and is not coerced; nothing changes', async () => {
    const placeNow = async () =>
      (await agent.get<{ user: { place: string | null } }>('/me')).body.user.place
    const before = await placeNow()
    const reply = await agent.post('/me', { operationName: 'StartContactCenterSession', place: 5 })
    assertError(reply, 400, 2)
    assert.match(String(reply.body.statusMessage), /place/)
    assert.equal(await placeNow(), before)
    for (const body of [
      { operationName: 'AddEmail', id: 5 },
      { operationName: 'PullEmail', nickname: ['x'] },
      { operationName: 'AddEmail', id: 'abc', saveLAR: 'yes' },
    ]) {
      assertError(await agent.post(`/me/workbins/${WB}`, body), 400, 2)
    }
  })

  test('without api-multimedia a workbin URL is 404 / 6 whatever the body', async () => {
    const other = new ApiClient(server.apiUrl, 'other1', PASSWORD)
    assertError(await other.post(`/me/workbins/${WB}`, { operationName: 'Nope' }), 404, 6)
    assertError(await other.request('POST', '/interactions', undefined, { rawBody: '[]' }), 404, 6)
    assertError(await other.get(`/me/workbins/${WB}?agentGroup=a&agentGroup=b`), 404, 6)
  })
})
