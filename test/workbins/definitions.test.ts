// GET of workbin definitions over HTTP (docs/workbins-subscriptions.md "List workbins"):
// the three list URLs with and without `fields`, one workbin on every URL family, group
// parameters, absolute `uri` from the configured public URL, and the feature gate.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ApiClient } from '../helpers/http.ts'
import { assertError } from '../helpers/assert.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { PASSWORD, U, WB, subscriptionDocument } from '../helpers/fixtures/subscriptions.ts'

const PUBLIC = 'http://gws.example.test:8080/api/v2'
const uri = (id: string) => `${PUBLIC}/workbins/${id}`

const RESOURCES = {
  [WB.agent]: {
    workbinName: 'testWorkbin',
    id: WB.agent,
    displayName: 'Test Workbin',
    uri: uri(WB.agent),
    type: 'Agent',
  },
  [WB.agent2]: {
    workbinName: 'secondWorkbin',
    id: WB.agent2,
    displayName: 'Second',
    uri: uri(WB.agent2),
    type: 'Agent',
  },
  [WB.place]: {
    workbinName: 'placeWorkbin',
    id: WB.place,
    displayName: 'Place WB',
    uri: uri(WB.place),
    type: 'Place',
  },
  [WB.agentGroup]: {
    workbinName: 'Workbin_AgentGroup',
    id: WB.agentGroup,
    displayName: 'Agent group WB',
    uri: uri(WB.agentGroup),
    type: 'AgentGroup',
  },
  [WB.placeGroup]: {
    workbinName: 'Workbin_PlaceGroup',
    id: WB.placeGroup,
    displayName: 'Place group WB',
    uri: uri(WB.placeGroup),
    type: 'PlaceGroup',
  },
}
const ALL = [WB.agent, WB.agent2, WB.place, WB.agentGroup, WB.placeGroup]
const PER_USER = [WB.agent, WB.agent2, WB.place]

type Body = Record<string, unknown> & { statusCode: number }

describe('workbin definitions over HTTP', () => {
  let server: TestServer
  const as = (name: string) =>
    new ApiClient(server.apiUrl, name, PASSWORD, { inject: server.app.http })

  before(async () => {
    server = await startServer({
      provision: subscriptionDocument(),
      config: { publicUrl: PUBLIC },
    })
  })
  after(() => server.close())

  test('GET /workbins without fields: uris of every workbin of the contact center', async () => {
    const res = await as('agent1').get<Body>('/workbins')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8/)
    assert.deepEqual(res.body, { statusCode: 0, uris: ALL.map(uri) })
  })

  test('GET /workbins?fields=*: whole objects, field by field; never another contact center', async () => {
    const res = await as('agent1').get<Body>('/workbins?fields=*')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { statusCode: 0, workbins: ALL.map((id) => RESOURCES[id]) })
    const b = await as('agentB').get<Body>('/workbins?fields=*')
    assert.deepEqual(b.body, {
      statusCode: 0,
      workbins: [
        {
          workbinName: 'bWorkbin',
          id: WB.otherCc,
          displayName: 'B',
          uri: uri(WB.otherCc),
          type: 'Agent',
        },
      ],
    })
  })

  test('GET /workbins?fields=id,type: only those fields; a filter by field value', async () => {
    const res = await as('agent1').get<Body>('/workbins?fields=id,type,nonsense')
    assert.deepEqual(res.body, {
      statusCode: 0,
      workbins: ALL.map((id) => ({ id, type: RESOURCES[id].type })),
    })
    const filtered = await as('agent1').get<Body>('/workbins?fields=id&type=AgentGroup')
    assert.deepEqual(filtered.body, { statusCode: 0, workbins: [{ id: WB.agentGroup }] })
    const uris = await as('agent1').get<Body>('/workbins?type=Place')
    assert.deepEqual(uris.body, { statusCode: 0, uris: [uri(WB.place)] })
  })

  test('GET /me/workbins: the Agent and Place workbins, uris or objects', async () => {
    const plain = await as('agent1').get<Body>('/me/workbins')
    assert.deepEqual([plain.status, plain.body], [200, { statusCode: 0, uris: PER_USER.map(uri) }])
    const full = await as('agent1').get<Body>('/me/workbins?fields=*')
    assert.deepEqual(full.body, { statusCode: 0, workbins: PER_USER.map((id) => RESOURCES[id]) })
    const some = await as('agent1').get<Body>('/me/workbins?fields=workbinName')
    assert.deepEqual(some.body, {
      statusCode: 0,
      workbins: PER_USER.map((id) => ({ workbinName: RESOURCES[id].workbinName })),
    })
  })

  test('GET /users/{userId}/workbins: for users the caller may act on only', async () => {
    const expected = { statusCode: 0, workbins: PER_USER.map((id) => RESOURCES[id]) }
    for (const [who, target] of [
      ['sup1', U.agent1],
      ['admin1', U.agent2],
      ['api1', U.sup1],
      ['agent1', U.agent1],
    ] as const) {
      const res = await as(who).get<Body>(`/users/${target}/workbins?fields=*`)
      assert.deepEqual([res.status, res.body], [200, expected], `${who} on ${target}`)
    }
    const uris = await as('sup1').get<Body>(`/users/${U.agent3}/workbins`)
    assert.deepEqual(uris.body, { statusCode: 0, uris: PER_USER.map(uri) })
    assertError(await as('agent1').get(`/users/${U.agent3}/workbins`), 403, 5)
    assertError(await as('sup1').get(`/users/${U.agent2}/workbins`), 403, 5)
    assertError(await as('agent1').get(`/users/${'f'.repeat(32)}/workbins`), 404, 6)
    assertError(await as('adminB').get(`/users/${U.agent1}/workbins`), 404, 6)
  })

  test('GET one workbin: /workbins/{id} ≡ /me/workbins/{id}; /users/{userId}/...; fields', async () => {
    for (const path of [`/workbins/${WB.agent}`, `/me/workbins/${WB.agent}`]) {
      const res = await as('agent1').get<Body>(path)
      assert.deepEqual(
        [res.status, res.body],
        [200, { statusCode: 0, workbin: RESOURCES[WB.agent] }],
      )
    }
    // the definition alone needs no owner: a group workbin without its parameter, a Place
    // workbin for a user without a place
    const group = await as('agent3').get<Body>(`/workbins/${WB.agentGroup}`)
    assert.deepEqual(group.body, { statusCode: 0, workbin: RESOURCES[WB.agentGroup] })
    const place = await as('agent3').get<Body>(`/me/workbins/${WB.place}`)
    assert.deepEqual(place.body, { statusCode: 0, workbin: RESOURCES[WB.place] })
    const byUser = await as('sup1').get<Body>(`/users/${U.agent1}/workbins/${WB.agent2}`)
    assert.deepEqual(byUser.body, { statusCode: 0, workbin: RESOURCES[WB.agent2] })
    const fields = await as('agent1').get<Body>(`/workbins/${WB.place}?fields=id,displayName`)
    assert.deepEqual(fields.body, {
      statusCode: 0,
      workbin: { id: WB.place, displayName: 'Place WB' },
    })
  })

  test('GET one group workbin with agentGroup / placeGroup: the group is checked', async () => {
    const ag = await as('agent1').get<Body>(`/me/workbins/${WB.agentGroup}?agentGroup=Sales`)
    assert.deepEqual(
      [ag.status, ag.body],
      [200, { statusCode: 0, workbin: RESOURCES[WB.agentGroup] }],
    )
    const pg = await as('agent1').get<Body>(`/me/workbins/${WB.placeGroup}?placeGroup=North`)
    assert.deepEqual(
      [pg.status, pg.body],
      [200, { statusCode: 0, workbin: RESOURCES[WB.placeGroup] }],
    )
    assertError(await as('agent1').get(`/me/workbins/${WB.agentGroup}?agentGroup=Support`), 403, 5)
    assertError(await as('agent1').get(`/me/workbins/${WB.agentGroup}?agentGroup=Nope`), 400, 2)
    assertError(await as('agent1').get(`/me/workbins/${WB.agent}?agentGroup=Sales`), 400, 2)
    assertError(await as('agent1').get(`/me/workbins/${WB.placeGroup}?placeGroup=South`), 403, 5)
  })

  test('GET one: unknown workbin, another contact center, users not visible', async () => {
    assertError(await as('agent1').get(`/workbins/${WB.unknown}`), 404, 6)
    assertError(await as('agent1').get(`/me/workbins/${WB.otherCc}`), 404, 6)
    assertError(await as('adminB').get(`/workbins/${WB.agent}`), 404, 6)
    assertError(await as('agent1').get(`/users/${U.agent2}/workbins/${WB.agent}`), 403, 5)
    assertError(await as('sup1').get(`/users/${U.agentB}/workbins/${WB.agent}`), 404, 6)
  })

  test('feature gate: without api-multimedia every workbin URL is 404/6', async () => {
    const c = as('agentC')
    for (const path of [
      '/workbins',
      '/workbins?fields=*',
      '/me/workbins',
      `/users/${U.agentC}/workbins`,
      `/workbins/${WB.noFeature}`,
      `/me/workbins/${WB.noFeature}`,
    ]) {
      assertError(await c.get(path), 404, 6)
    }
    // the same user is otherwise served (the gate, not authentication, answers)
    const me = await c.get<Body>('/me')
    assert.equal(me.status, 200)
  })
})
