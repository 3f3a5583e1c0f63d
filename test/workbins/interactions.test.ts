// The integration endpoint (an addition to GWS, docs/workbins-content.md): apiuser/admin create interactions, read
// them and change their userData; subscribers hear ItemAdded / ItemUpdated.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { IX, U, WB } from '../helpers/fixtures/content.ts'
import { assertError, type Data } from '../helpers/assert.ts'
import { World, type Listener } from '../helpers/world.ts'

describe('POST /interactions (Create)', () => {
  let w: World
  let ada: Listener
  let sue: Listener
  before(async () => {
    w = await World.start()
    ada = await w.listen('agent1')
    sue = await w.listen('sup1')
    await w.subscribe('agent1', ada, `/me/workbins/${WB.later}`)
    await w.subscribe('sup1', sue, `/users/${U.agent1}/workbins/${WB.later}`)
  })
  after(async () => {
    await w.close()
  })

  it('places an interaction in a workbin instance and tells its subscribers', async () => {
    const r = await w.api('api1').post('/interactions', {
      operationName: 'Create',
      mediaType: 'email',
      userData: { Subject: 'Where is my parcel?', Priority: 2, Tag: null },
      receivedDate: '2016-04-08 15:05:57.000+0300',
      extra: { from: 'c2@example.com', subject: 'Where is my parcel?' },
      workbin: { id: WB.later, user: 'agent1' },
    })
    assert.equal(r.status, 200)
    assert.deepEqual(Object.keys(r.body).sort(), ['id', 'statusCode', 'uri'])
    const id = r.body.id as string
    assert.match(id, /^[0-9A-Za-z]{16}$/)
    assert.equal(r.body.uri, `${w.server.apiUrl}/me/emails/${id}`)

    const expected = {
      from: 'c2@example.com',
      subject: 'Where is my parcel?',
      id,
      state: 'InWorkbin',
      capabilities: [],
      receivedDate: '2016-04-08 15:05:57.000+0300',
      userData: {
        Subject: 'Where is my parcel?',
        Priority: 2,
        Tag: null,
        Workbin: 'Later',
        WorkbinAgentId: U.agent1,
      },
      uri: `${w.server.apiUrl}/me/emails/${id}`,
    }
    const own = await ada.next()
    assert.deepEqual(own, {
      messageType: 'WorkbinStateChangeMessage',
      action: 'ItemAdded',
      id: WB.later,
      emailStateResourceV2: expected,
    })
    const sups = await sue.next()
    assert.deepEqual(sups, { ...own, workbinUserId: U.agent1 })

    const got = await w.api('admin1').get(`/interactions/${id}`)
    assert.deepEqual(got.body, {
      statusCode: 0,
      interaction: { ...expected, mediaType: 'email', workbin: { id: WB.later, user: U.agent1 } },
    })
  })

  it('assigns an interaction to an agent (Processing, capabilities), with no workbin message', async () => {
    const r = await w.api('admin1').post('/interactions', {
      operationName: 'Create',
      id: 'ABCDEFGHIJ012345',
      mediaType: 'openmedia',
      openmediaType: 'promotion',
      owner: U.agent1,
    })
    assert.deepEqual(r.body, {
      statusCode: 0,
      id: 'ABCDEFGHIJ012345',
      uri: `${w.server.apiUrl}/openmedia/promotions/ABCDEFGHIJ012345`,
    })
    const got = (await w.api('api1').get('/interactions/ABCDEFGHIJ012345')).body.interaction as Data
    assert.equal(got.state, 'Processing')
    assert.ok((got.capabilities as string[]).includes('Complete'))
    assert.equal(got.owner, U.agent1)
    assert.equal(got.openmediaType, 'promotion')
    assert.match(
      got.receivedDate as string,
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/,
    )
    const mine = await w.api('agent1').get('/me/openmedia/promotion')
    assert.deepEqual(mine.body, {
      statusCode: 0,
      uris: [`${w.server.apiUrl}/openmedia/promotions/ABCDEFGHIJ012345`],
    })
    await w.expectQuiet('agent1', ada)
    await w.expectQuiet('sup1', sue)
  })

  it('is for apiuser and admin only (403/5)', async () => {
    for (const name of ['agent1', 'sup1'] as const) {
      assertError(
        await w.api(name).post('/interactions', {
          operationName: 'Create',
          mediaType: 'email',
          owner: 'agent1',
        }),
        403,
        5,
      )
      assertError(await w.api(name).get(`/interactions/${IX.email1}`), 403, 5)
    }
  })

  it('validates everything and creates nothing on error', async () => {
    const post = (body: Data) =>
      w.api('api1').post('/interactions', { operationName: 'Create', ...body })
    const here = { workbin: { id: WB.later, user: 'agent1' } }
    assertError(await w.api('api1').post('/interactions', { operationName: 'Make' }), 400, 2)
    assertError(await w.api('api1').post('/interactions', {}), 400, 1)
    assertError(await post({ ...here }), 400, 1) // no mediaType
    assertError(await post({ mediaType: 'voice', ...here }), 400, 2)
    assertError(await post({ mediaType: 'email' }), 400, 1) // neither owner nor workbin
    assertError(await post({ mediaType: 'email', owner: 'agent1', ...here }), 400, 2)
    assertError(await post({ mediaType: 'openmedia', ...here }), 400, 1)
    assertError(await post({ mediaType: 'email', openmediaType: 'x', ...here }), 400, 2)
    assertError(await post({ mediaType: 'email', id: 'short', ...here }), 400, 2)
    assertError(await post({ mediaType: 'email', receivedDate: 'yesterday', ...here }), 400, 2)
    assertError(
      await post({ mediaType: 'email', receivedDate: '2016-02-30 10:00:00.000+0000', ...here }),
      400,
      2,
    )
    assertError(await post({ mediaType: 'email', userData: { a: { b: 1 } }, ...here }), 400, 2)
    assertError(await post({ mediaType: 'email', userData: [], ...here }), 400, 2)
    assertError(await post({ mediaType: 'email', extra: { state: 'Done' }, ...here }), 400, 2)
    assertError(await post({ mediaType: 'email', colour: 'red', ...here }), 400, 2)
    assertError(await post({ mediaType: 'email', owner: 'nobody' }), 404, 6)
    assertError(
      await post({ mediaType: 'email', workbin: { id: WB.unknown, user: 'agent1' } }),
      404,
      6,
    )
    assertError(
      await post({ mediaType: 'email', workbin: { id: WB.otherCc, user: 'agent1' } }),
      404,
      6,
    )
    assertError(await post({ mediaType: 'email', workbin: { id: WB.later } }), 400, 1)
    assertError(await post({ mediaType: 'email', workbin: { id: WB.later, place: 'P1' } }), 400, 2)
    assertError(
      await post({ mediaType: 'email', workbin: { id: WB.team, agentGroup: 'Nope' } }),
      404,
      6,
    )
    assertError(
      await post({ mediaType: 'email', workbin: { id: WB.later, user: 'agentB' } }),
      404,
      6,
    )
    assertError(await post({ mediaType: 'chat', id: IX.chat1, owner: 'agent1' }), 409, 18)
    // the clash left the existing interaction where it was
    assert.deepEqual((await w.where(IX.chat1)).workbin, { id: WB.later, user: U.agent1 })
    assertError(await w.api('api1').get('/interactions/NOSUCHINTERACTN'), 404, 6)
    await w.expectQuiet('agent1', ada)
  })
})

describe('POST /interactions/{id} (UpdateUserData, DeleteUserData)', () => {
  it('changes userData; subscribers of its workbin hear ItemUpdated', async () => {
    const w = await World.start()
    try {
      const ada = await w.listen('agent1')
      await w.subscribe('agent1', ada, `/me/workbins/${WB.later}`)
      const upd = await w.api('api1').post(`/interactions/${IX.chat1}`, {
        operationName: 'UpdateUserData',
        userData: { Priority: 1, ChatServerPort: '7161' },
      })
      assert.deepEqual(upd.body, { statusCode: 0 })
      const m = await ada.next()
      assert.equal(m.messageType, 'WorkbinStateChangeMessage')
      assert.equal(m.action, 'ItemUpdated')
      assert.equal(m.id, WB.later)
      assert.deepEqual((m.chatStateResourceV2 as Data).userData, {
        ChatServerPort: '7161',
        Workbin: 'Later',
        WorkbinAgentId: U.agent1,
        Priority: 1,
      })
      const del = await w.api('api1').post(`/interactions/${IX.chat1}`, {
        operationName: 'DeleteUserData',
        keys: ['Priority'],
      })
      assert.deepEqual(del.body, { statusCode: 0 })
      const m2 = await ada.next()
      assert.equal(m2.action, 'ItemUpdated')
      assert.equal(((m2.chatStateResourceV2 as Data).userData as Data).Priority, undefined)
      // An owned interaction changes silently (no workbin to tell).
      assert.deepEqual(
        (
          await w.api('api1').post(`/interactions/${IX.email1}`, {
            operationName: 'UpdateUserData',
            userData: { x: 'y' },
          })
        ).body,
        { statusCode: 0 },
      )
      assert.equal(((await w.where(IX.email1)).userData as Data).x, 'y')
      assertError(
        await w.api('api1').post(`/interactions/${IX.chat1}`, { operationName: 'UpdateUserData' }),
        400,
        1,
      )
      assertError(
        await w
          .api('api1')
          .post(`/interactions/${IX.chat1}`, { operationName: 'DeleteUserData', keys: 'x' }),
        400,
        2,
      )
      assertError(
        await w.api('api1').post(`/interactions/${IX.chat1}`, { operationName: 'Complete' }),
        400,
        2,
      )
      assertError(
        await w
          .api('agent1')
          .post(`/interactions/${IX.chat1}`, { operationName: 'UpdateUserData', userData: {} }),
        403,
        5,
      )
      await w.expectQuiet('agent1', ada)
    } finally {
      await w.close()
    }
  })
})
