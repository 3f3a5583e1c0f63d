// Workbin content GETs and RequestAgentStats (docs/workbins-content.md), end to end.
// Fixture: test/helpers/fixtures/content.ts.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { IX, U, WB } from '../helpers/fixtures/content.ts'
import { assertAccepted, assertError, type Data } from '../helpers/assert.ts'
import { World, type Listener } from '../helpers/world.ts'

const EMPTY_ALL = {
  emails: [],
  chats: [],
  workitems: [],
  openmedia: [],
  facebook: [],
  tweets: [],
  facebooksessions: [],
}

describe('content GETs', () => {
  let w: World
  before(async () => {
    w = await World.start()
  })
  after(async () => {
    await w.close()
  })

  const header = (id: string, workbinName: string, type: string) => ({
    workbinName,
    id,
    displayName: workbinName,
    uri: `${w.server.apiUrl}/workbins/${id}`,
    type,
  })

  it('subresources=* adds every media array to the workbin (Agent instance of the caller)', async () => {
    for (const path of [`/me/workbins/${WB.later}`, `/workbins/${WB.later}`]) {
      const r = await w.api('agent1').get(`${path}?subresources=*`)
      assert.equal(r.status, 200)
      const wb = r.body.workbin as Data
      assert.equal(r.body.statusCode, 0)
      const { chats, ...rest } = wb
      const { chats: _none, ...otherMedia } = EMPTY_ALL
      assert.deepEqual(rest, { ...header(WB.later, 'Later', 'Agent'), ...otherMedia })
      assert.deepEqual(chats, [
        {
          id: IX.chat1,
          chatType: 'Inbound',
          state: 'InWorkbin',
          capabilities: [],
          participants: [],
          receivedDate: '2016-04-08 15:06:57.000+0300',
          userData: { ChatServerPort: '7160', Workbin: 'Later', WorkbinAgentId: U.agent1 },
          uri: `${w.server.apiUrl}/me/chats/${IX.chat1}`,
        },
      ])
    }
    // agent2's instance of the same workbin is empty: content is per owner.
    const r2 = await w.api('agent2').get(`/me/workbins/${WB.later}?subresources=chat`)
    assert.deepEqual(r2.body, {
      statusCode: 0,
      workbin: { ...header(WB.later, 'Later', 'Agent'), chats: [] },
    })
  })

  it('a subresources list embeds only those media (singular or plural words)', async () => {
    const r = await w.api('agent1').get(`/me/workbins/${WB.later}?subresources=email,chats`)
    assert.deepEqual(Object.keys(r.body.workbin as Data).sort(), [
      'chats',
      'displayName',
      'emails',
      'id',
      'type',
      'uri',
      'workbinName',
    ])
    assertError(await w.api('agent1').get(`/me/workbins/${WB.later}?subresources=voice`), 400, 2)
  })

  it('/{mediaType} answers the collection at the top level, with fields applied to the items', async () => {
    const r = await w.api('agent1').get(`/me/workbins/${WB.later}/chats?fields=id,state`)
    assert.deepEqual(r.body, { statusCode: 0, chats: [{ id: IX.chat1, state: 'InWorkbin' }] })
    const empty = await w.api('agent1').get(`/me/workbins/${WB.later}/workitems`)
    assert.deepEqual(empty.body, { statusCode: 0, workitems: [] })
    assertError(await w.api('agent1').get(`/me/workbins/${WB.later}/voices`), 404, 6)
  })

  it('group instances need and use the group parameter', async () => {
    const r = await w
      .api('agent2')
      .get(`/me/workbins/${WB.team}?agentGroup=Sales&subresources=workitem`)
    const items = (r.body.workbin as Data).workitems as Data[]
    assert.deepEqual(
      items.map((i) => [i.id, i.state, i.workitemType]),
      [[IX.workitem1, 'InWorkbin', 'Inbound']],
    )
    assert.equal((r.body.workbin as Data).type, 'AgentGroup')
    const media = await w.api('agent1').get(`/me/workbins/${WB.team}/workitems?agentGroup=Sales`)
    assert.equal((media.body.workitems as Data[]).length, 1)
    // Support's instance is another list; agent3 (Support) may not read Sales'.
    const support = await w
      .api('agent3')
      .get(`/me/workbins/${WB.team}?agentGroup=Support&subresources=*`)
    assert.deepEqual((support.body.workbin as Data).workitems, [])
    assertError(
      await w.api('agent3').get(`/me/workbins/${WB.team}?agentGroup=Sales&subresources=*`),
      403,
      5,
    )
    assertError(await w.api('agent1').get(`/me/workbins/${WB.team}?subresources=*`), 400, 2)
  })

  it('supervisors read a supervised agent’s instance via /users/{userId}; others may not', async () => {
    const r = await w.api('sup1').get(`/users/${U.agent1}/workbins/${WB.later}?subresources=*`)
    assert.equal(r.status, 200)
    assert.deepEqual(
      ((r.body.workbin as Data).chats as Data[]).map((c) => c.id),
      [IX.chat1],
    )
    // the GWS documentation also shows this path without /users/: it is served too
    const doc = await w.api('sup1').get(`/${U.agent1}/workbins/${WB.later}/chats`)
    assert.equal((doc.body.chats as Data[]).length, 1)
    assertError(
      await w.api('agent2').get(`/users/${U.agent1}/workbins/${WB.later}?subresources=*`),
      403,
      5,
    )
    assertError(
      await w.api('sup1').get(`/users/${U.agent3}/workbins/${WB.later}?subresources=*`),
      403,
      5,
    )
  })

  it('workbinIds answers several instances at once, all or nothing', async () => {
    const r = await w
      .api('agent1')
      .get(`/me/workbins?workbinIds=${WB.desk},${WB.later}&subresources=chat`)
    assert.deepEqual(r.body, {
      statusCode: 0,
      workbins: [
        { ...header(WB.desk, 'Desk', 'Place'), chats: [] },
        { ...header(WB.later, 'Later', 'Agent'), chats: await chatsOf(w, 'agent1', WB.later) },
      ],
    })
    const groups = await w
      .api('agent1')
      .get(`/me/workbins?workbinIds=${WB.team}&agentGroup=Sales&subresources=*`)
    assert.equal((((groups.body.workbins as Data[])[0] as Data).workitems as Data[]).length, 1)
    assertError(
      await w.api('agent1').get(`/me/workbins?workbinIds=${WB.later},${WB.unknown}&subresources=*`),
      404,
      6,
    )
  })

  it('content is invisible across contact centers and without api-multimedia', async () => {
    assertError(await w.api('agentB').get(`/me/workbins/${WB.later}?subresources=*`), 404, 6)
    assertError(await w.api('agentC').get(`/me/workbins/${WB.later}?subresources=*`), 404, 6)
  })
})

async function chatsOf(w: World, user: 'agent1', workbin: string): Promise<unknown> {
  const r = await w.api(user).get(`/me/workbins/${workbin}/chats`)
  return r.body.chats
}

describe('RequestAgentStats', () => {
  let w: World
  let ada: Listener
  let sue: Listener
  let cy: Listener
  before(async () => {
    w = await World.start()
    ada = await w.listen('agent1')
    sue = await w.listen('sup1')
    cy = await w.listen('agent3')
  })
  after(async () => {
    await w.close()
  })

  async function stats(name: 'agent1' | 'sup1' | 'agent3', l: Listener, body: Data) {
    const r = await w.api(name).post('/workbins', { operationName: 'RequestAgentStats', ...body })
    const ref = assertAccepted(r)
    const m = await l.next()
    assert.deepEqual(Object.keys(m).sort(), ['messageType', 'referenceId', 'workbinStats'])
    assert.equal(m.messageType, 'WorkbinStatsMessage')
    assert.equal(m.referenceId, ref)
    return m.workbinStats as Data
  }

  it('defaults to the caller’s Agent workbins', async () => {
    assert.deepEqual(await stats('agent1', ada, {}), {
      [WB.later]: { Count: 1, Owner: U.agent1, Type: 'Agent' },
    })
    assert.deepEqual(await stats('agent3', cy, { workbinType: 'Agent' }), {
      [WB.later]: { Count: 0, Owner: U.agent3, Type: 'Agent' },
    })
  })

  it('counts follow puts and pulls', async () => {
    assertAccepted(
      await w
        .api('agent1')
        .post(`/me/workbins/${WB.later}`, { operationName: 'AddEmail', id: IX.email1 }),
    )
    assert.equal((await ada.next()).action, 'ItemAdded')
    assert.deepEqual(await stats('agent1', ada, {}), {
      [WB.later]: { Count: 2, Owner: U.agent1, Type: 'Agent' },
    })
    assertAccepted(
      await w
        .api('agent1')
        .post(`/me/workbins/${WB.later}`, { operationName: 'PullEmail', id: IX.email1 }),
    )
    assert.equal((await ada.next()).action, 'ItemRemoved')
    assert.deepEqual(await stats('agent1', ada, {}), {
      [WB.later]: { Count: 1, Owner: U.agent1, Type: 'Agent' },
    })
  })

  it('workbinType + workbinOwner for users, places and groups, with visibility checks', async () => {
    assert.deepEqual(await stats('sup1', sue, { workbinType: 'Agent', workbinOwner: 'agent1' }), {
      [WB.later]: { Count: 1, Owner: U.agent1, Type: 'Agent' },
    })
    assert.deepEqual(
      await stats('sup1', sue, { workbinType: 'AgentGroup', workbinOwner: 'Sales' }),
      {
        [WB.team]: { Count: 1, Owner: 'Sales', Type: 'AgentGroup' },
      },
    )
    assert.deepEqual(await stats('agent1', ada, { workbinType: 'Place', workbinOwner: 'P1' }), {
      [WB.desk]: { Count: 0, Owner: 'P1', Type: 'Place' },
    })
    assert.deepEqual(await stats('agent1', ada, { workbinType: 'Place' }), {
      [WB.desk]: { Count: 0, Owner: 'P1', Type: 'Place' },
    })
    assert.deepEqual(
      await stats('agent1', ada, { workbinType: 'PlaceGroup', workbinOwner: 'North' }),
      {
        [WB.floor]: { Count: 0, Owner: 'North', Type: 'PlaceGroup' },
      },
    )
  })

  it('refuses bad, unknown and invisible owners synchronously, with no message', async () => {
    const post = (name: 'agent1' | 'agent3', body: Data) =>
      w.api(name).post('/workbins', { operationName: 'RequestAgentStats', ...body })
    assertError(await post('agent1', { workbinType: 'Queue' }), 400, 2)
    assertError(await post('agent1', { workbinOwner: 'Sales' }), 400, 1)
    assertError(await post('agent1', { workbinType: 'AgentGroup' }), 400, 1)
    assertError(await post('agent1', { workbinType: 'AgentGroup', workbinOwner: 'Nobody' }), 404, 6)
    assertError(await post('agent1', { workbinType: 'Agent', workbinOwner: 'nobody' }), 404, 6)
    assertError(await post('agent3', { workbinType: 'AgentGroup', workbinOwner: 'Sales' }), 403, 5)
    assertError(await post('agent3', { workbinType: 'Agent', workbinOwner: 'agent1' }), 403, 5)
    assertError(await post('agent3', { workbinType: 'Place', workbinOwner: 'P1' }), 403, 5)
    assertError(await post('agent3', { workbinType: 'PlaceGroup', workbinOwner: 'North' }), 403, 5)
    await w.expectQuiet('agent1', ada)
    await w.expectQuiet('agent3', cy)
  })
})
