// An agent's media channels as a GWS desktop drives them: StartContactCenterSession with
// `channels`, the state menu (GET /settings/agent-states), Ready / NotReady per channel with
// the ChannelStateChangeMessage on /v2/me/channels (official cometd client, on the
// /genesys/cometd path packaged GWS builds use), GET /me?subresources=..., and the store-backed
// "is this agent Ready on this channel" question the offer logic asks.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Ajv } from 'ajv'
import type { CometD } from 'cometd'
import { isReadyOn } from '../../src/workbins/channels.ts'
import { assertError, type Data } from '../helpers/assert.ts'
import { basic, disconnect, handshake, inbox, newClient, type Inbox } from '../helpers/cometd.ts'
import { contentDocument, PASSWORD, U, WB } from '../helpers/fixtures/content.ts'
import { ApiClient } from '../helpers/http.ts'
import { startServer } from '../helpers/server.ts'
import { World } from '../helpers/world.ts'

const CHANNELS = '/v2/me/channels'

function document() {
  const doc = contentDocument()
  ;(doc.contactCenters[0] as Record<string, unknown>).agentStates = [
    { state: 'NotReady', displayName: 'Lunch', reasonCode: 'Lunch' },
    { state: 'Ready', displayName: 'Available' },
    { state: 'NotReady', displayName: 'Training', reasonCode: 'Training' },
  ]
  return doc
}

interface Desk {
  client: CometD
  box: Inbox
}

/** A desktop's CometD session at `path`, subscribed to /v2/me/channels. */
async function desk(
  w: World,
  user: string,
  path: string,
  transport: 'long-polling' | 'websocket' = 'long-polling',
): Promise<Desk> {
  const client = newClient(`${w.server.url}${path}`, {
    transport,
    headers: { Authorization: basic(user, PASSWORD) },
  })
  await handshake(client)
  return { client, box: await inbox(client, CHANNELS) }
}

const notReady = (channel: string) => ({
  channel,
  userState: { id: 'NotReady', state: 'NotReady', displayName: 'Not Ready' },
})

describe('media channels and agent states', () => {
  let w: World
  let ada: Desk
  let bob: Desk
  before(async () => {
    w = await World.start({ document: document() })
    ada = await desk(w, 'agent1', '/genesys/cometd')
    bob = await desk(w, 'agent2', '/api/v2/notifications')
  })
  after(async () => {
    await disconnect(ada.client)
    await disconnect(bob.client)
    await w.close()
  })

  const ready = (user: string, channel: string) =>
    isReadyOn(w.server.app.store, U[user as keyof typeof U], channel)

  it('lists the agent state menu: built-in states (renamed when provisioned), then reasons', async () => {
    const r = await w.api('agent1').get('/settings/agent-states')
    assert.equal(r.status, 200)
    assert.deepEqual(r.body, {
      statusCode: 0,
      settings: [
        { id: 'Ready', state: 'Ready', displayName: 'Available', operationName: 'Ready' },
        { id: 'NotReady', state: 'NotReady', displayName: 'Not Ready', operationName: 'NotReady' },
        {
          id: 'NotReady.Lunch',
          state: 'NotReady',
          displayName: 'Lunch',
          operationName: 'NotReady',
          reasonCode: 'Lunch',
        },
        {
          id: 'NotReady.Training',
          state: 'NotReady',
          displayName: 'Training',
          operationName: 'NotReady',
          reasonCode: 'Training',
        },
      ],
    })
    // A contact center without provisioned states has the two built-in ones.
    const b = await w.api('agentB').get('/settings/agent-states')
    assert.deepEqual(
      (b.body.settings as Data[]).map((s) => [s.id, s.displayName]),
      [
        ['Ready', 'Ready'],
        ['NotReady', 'Not Ready'],
      ],
    )
  })

  it('records the session’s channels, NotReady first; Ready / NotReady with the message', async () => {
    assert.deepEqual((await w.api('agent1').get('/me/channels')).body, {
      statusCode: 0,
      channels: [],
    })
    const start = await w.api('agent1').post('/me', {
      operationName: 'StartContactCenterSession',
      place: 'P1',
      channels: ['chat', 'email', 'workitem', 'chat'],
    })
    assert.deepEqual(start.body, { statusCode: 0 })
    assert.deepEqual((await w.api('agent1').get('/me/channels')).body, {
      statusCode: 0,
      channels: [notReady('chat'), notReady('email'), notReady('workitem')],
    })
    assert.equal(await ready('agent1', 'chat'), false)

    const r = await w.api('agent1').post('/me/channels/chat', { operationName: 'Ready' })
    assert.equal(r.status, 200)
    assert.deepEqual(r.body, { statusCode: 0 })
    const m = await ada.box.next(3000)
    assert.equal(m.channel, CHANNELS)
    assert.deepEqual(m.data, {
      messageType: 'ChannelStateChangeMessage',
      notificationType: 'StateChange',
      channels: [
        { channel: 'chat', userState: { id: 'Ready', state: 'Ready', displayName: 'Available' } },
      ],
    })
    assert.equal(await ready('agent1', 'chat'), true)
    assert.equal(await ready('agent1', 'email'), false)
    assert.equal(await ready('agent2', 'chat'), false)

    const lunch = await w
      .api('agent1')
      .post('/me/channels/email', { operationName: 'NotReady', reasonCode: 'Lunch' })
    assert.deepEqual(lunch.body, { statusCode: 0 })
    const away = {
      channel: 'email',
      userState: {
        id: 'NotReady.Lunch',
        state: 'NotReady',
        displayName: 'Lunch',
        reasonCode: 'Lunch',
      },
    }
    assert.deepEqual((await ada.box.next(3000)).data, {
      messageType: 'ChannelStateChangeMessage',
      notificationType: 'StateChange',
      channels: [away],
    })
    assert.deepEqual((await w.api('agent1').get('/me/channels')).body, {
      statusCode: 0,
      channels: [
        { channel: 'chat', userState: { id: 'Ready', state: 'Ready', displayName: 'Available' } },
        away,
        notReady('workitem'),
      ],
    })
    // Only the owner hears of it: agent2's desk got nothing.
    assert.equal(bob.box.all.length, 0)
    // What arrived is what the AsyncAPI document describes.
    const doc = (await (await fetch(`${w.server.apiUrl}/asyncapi.json`)).json()) as {
      components: { schemas: Record<string, object> }
    }
    const validate = new Ajv({ strict: false }).compile(
      doc.components.schemas.ChannelStateChangeMessage!,
    )
    for (const msg of ada.box.all) assert.ok(validate(msg.data), JSON.stringify(validate.errors))
  })

  it('serves the websocket transport at /genesys/cometd too', async () => {
    const sue = await desk(w, 'agent3', '/genesys/cometd', 'websocket')
    try {
      await w.api('agent3').post('/me', {
        operationName: 'StartContactCenterSession',
        channels: ['workitem'],
      })
      await w.api('agent3').post('/me/channels/workitem', { operationName: 'Ready' })
      const m = await sue.box.next(3000)
      assert.equal((m.data as Data).messageType, 'ChannelStateChangeMessage')
      assert.equal(w.server.app.bayeux.stats().websockets, 1)
    } finally {
      await disconnect(sue.client)
    }
  })

  it('another node on the same database sees the same states', async () => {
    const other = await startServer({ dbPath: w.server.dbPath })
    try {
      const there = await new ApiClient(other.apiUrl, 'agent1', PASSWORD).get('/me/channels')
      assert.deepEqual(there.body, (await w.api('agent1').get('/me/channels')).body)
      assert.equal(await isReadyOn(other.app.store, U.agent1, 'chat'), true)
    } finally {
      await other.close({ keepDb: true })
    }
  })

  it('refuses what is not a channel, a state or a reason, and changes nothing', async () => {
    const before = (await w.api('agent1').get('/me/channels')).body
    const post = (channel: string, body: Data) =>
      w.api('agent1').post(`/me/channels/${channel}`, body)
    assertError(await post('voice', { operationName: 'Ready' }), 404, 6)
    assertError(await post('chat', { operationName: 'NotReady', reasonCode: 'Nap' }), 400, 2)
    assertError(await post('chat', { operationName: 'Ready', reasonCode: 'Lunch' }), 400, 2)
    const bad = await post('chat', { operationName: 'Dance' })
    assert.equal(bad.status, 400)
    assertError(await post('chat', {}), 400, 1)
    const start = (channels: unknown) =>
      w.api('agent1').post('/me', { operationName: 'StartContactCenterSession', channels })
    assertError(await start(['chat', 'no spaces']), 400, 2)
    assertError(await start('chat'), 400, 2)
    assertError(await start(Array.from({ length: 17 }, (_, i) => `c${i}`)), 400, 2)
    assert.deepEqual((await w.api('agent1').get('/me/channels')).body, before)
    assert.equal(ada.box.unread, 0, 'no message for a refused request')
  })

  it('answers GET /me?subresources= with what exists', async () => {
    const plain = await w.api('agent1').get('/me')
    const user = plain.body.user as Data
    assert.equal(user.channels, undefined)
    const r = await w.api('agent1').get('/me?subresources=features,devices,channels,settings')
    assert.equal(r.status, 200)
    const channels = (await w.api('agent1').get('/me/channels')).body.channels
    assert.deepEqual(r.body, {
      statusCode: 0,
      user: {
        ...user,
        features: [
          {
            id: 'api-multimedia',
            name: 'api-multimedia',
            uri: `${w.server.apiUrl}/features/api-multimedia`,
          },
        ],
        devices: [],
        channels,
        settings: [],
      },
    })
    assert.deepEqual((await w.api('agent1').get('/me?subresources=*')).body, r.body)
    const some = await w.api('agent1').get('/me?subresources=channels')
    assert.deepEqual(Object.keys(some.body.user as Data), [...Object.keys(user), 'channels'])
    assertError(await w.api('agent1').get('/me?subresources=calls'), 400, 2)
  })

  it('a new StartContactCenterSession keeps the states of channels it keeps; End drops them', async () => {
    await w.api('agent1').post('/me', {
      operationName: 'StartContactCenterSession',
      channels: ['workitem', 'chat'],
    })
    const now = (await w.api('agent1').get('/me/channels')).body.channels as Data[]
    assert.deepEqual(
      now.map((c) => [c.channel, (c.userState as Data).state]),
      [
        ['workitem', 'NotReady'],
        ['chat', 'Ready'],
      ],
    )
    // Without `channels`, the session's channels stay as they are.
    await w.api('agent1').post('/me', { operationName: 'StartContactCenterSession' })
    assert.equal(((await w.api('agent1').get('/me/channels')).body.channels as Data[]).length, 2)
    assert.equal(await ready('agent1', 'chat'), true)
    const end = await w.api('agent1').post('/me', { operationName: 'EndContactCenterSession' })
    assert.deepEqual(end.body, { statusCode: 0 })
    assert.deepEqual((await w.api('agent1').get('/me/channels')).body.channels, [])
    assert.equal(await ready('agent1', 'chat'), false)
    assertError(await w.api('agent1').post('/me/channels/chat', { operationName: 'Ready' }), 404, 6)
  })
})

describe('a workbin named by its workbinName in URLs', () => {
  let w: World
  before(async () => {
    w = await World.start()
  })
  after(() => w.close())

  it('answers as by id, within the caller’s contact center only', async () => {
    const byId = await w.api('agent1').get(`/me/workbins/${WB.later}?subresources=*`)
    const byName = await w.api('agent1').get('/me/workbins/Later?subresources=*')
    assert.equal(byName.status, 200)
    assert.deepEqual(byName.body, byId.body)
    const media = await w.api('agent1').get('/me/workbins/Later/chats?fields=id')
    assert.deepEqual(media.body, { statusCode: 0, chats: [{ id: '0001BaBFVPR20035' }] })
    const team = await w.api('agent2').get('/me/workbins/Team/workitems?agentGroup=Sales')
    assert.equal((team.body.workitems as Data[]).length, 1)
    // agentB's contact center has its own "Later": the name resolves there, to its id.
    const other = await w.api('agentB').get('/me/workbins/Later')
    assert.equal((other.body.workbin as Data).id, WB.otherCc)
    assertError(await w.api('agent1').get('/me/workbins/Nowhere'), 404, 6)
    // Operations take names too.
    const sub = await w.api('agent1').post('/me/workbins/Later', { operationName: 'Subscribe' })
    assert.equal(sub.status, 200, JSON.stringify(sub.body))
  })
})
