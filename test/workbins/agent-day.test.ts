// An agent's day the GWS way (docs/interactions.md), with the official cometd client on
// `/v2/me/*` for the owner (agent1), a colleague (agent2) and their supervisor (sup1): an
// integration queues a workitem and offers it to agent1, who accepts it, attaches data and puts
// it into the Sales team workbin; agent2 pulls it and completes it into the PostProcessing
// queue. Every HTTP reply and every CometD message on every channel of the three is checked,
// in order, and then that nothing else arrived. On SQLite and on PostgreSQL.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertAccepted, assertError, type Data } from '../helpers/assert.ts'
import { openDesk, queuesDocument, QUEUE, type Desk } from '../helpers/desk.ts'
import { WB } from '../helpers/fixtures/content.ts'
import { e2eStores } from '../helpers/stores.ts'
import { World } from '../helpers/world.ts'

const WORKITEMS = '/v2/me/workitems'
const WORKBINS = '/v2/me/workbins'
const TEAM = `/me/workbins/${WB.team}?agentGroup=Sales`
const HANDLING = [
  'Transfer',
  'PlaceInQueue',
  'AttachUserData',
  'UpdateUserData',
  'DeleteUserData',
  'Complete',
]

for (const backend of await e2eStores()) {
  describe(`a day of an agent, on ${backend.name}`, { skip: backend.skip }, () => {
    let world: World
    let owner: Desk
    let colleague: Desk
    let supervisor: Desk

    before(async () => {
      world = await World.start({ document: queuesDocument(), db: await backend.db() })
      owner = await openDesk(world.server, 'agent1')
      colleague = await openDesk(world.server, 'agent2')
      supervisor = await openDesk(world.server, 'sup1')
    })
    after(async () => {
      await Promise.all([owner, colleague, supervisor].map((d) => d?.close()))
      await world?.close()
    })

    /** The next message of a desk is exactly this one. */
    async function expectMessage(desk: Desk, channel: string, data: Data): Promise<void> {
      const m = await desk.next()
      assert.equal(m.channel, channel, JSON.stringify(m.data))
      assert.deepEqual(m.data, data)
    }

    /** Nothing else is pending: the next message is the answer to a stats request. */
    async function expectQuiet(name: string, desk: Desk): Promise<void> {
      const r = await world.api(name).post('/workbins', { operationName: 'RequestAgentStats' })
      const m = await desk.next()
      assert.equal(m.channel, WORKBINS)
      assert.equal(m.data.messageType, 'WorkbinStatsMessage', JSON.stringify(m.data))
      assert.equal(m.data.referenceId, r.body.referenceId)
    }

    it('offer, accept, attach, put, pull by a colleague, complete into a queue', async () => {
      const base = world.server.apiUrl
      // Start of the day: both agents take their places, everybody watches the team workbin.
      for (const [name, place, desk] of [
        ['agent1', 'P1', owner],
        ['agent2', 'P2', colleague],
      ] as const) {
        const r = await world.api(name).post('/me', {
          operationName: 'StartContactCenterSession',
          place,
          channels: ['workitem', 'email', 'chat', 'openmedia'],
        })
        assert.deepEqual(r.body, { statusCode: 0 })
        // Offers reach agents Ready on the interaction's media channel.
        for (const channel of ['workitem', 'email', 'chat', 'openmedia']) {
          const ready = await world.api(name).post(`/me/channels/${channel}`, {
            operationName: 'Ready',
          })
          assert.equal(ready.status, 200, JSON.stringify(ready.body))
          await expectMessage(desk, '/v2/me/channels', {
            messageType: 'ChannelStateChangeMessage',
            notificationType: 'StateChange',
            channels: [
              { channel, userState: { id: 'Ready', state: 'Ready', displayName: 'Ready' } },
            ],
          })
        }
      }
      for (const [name, desk] of [
        ['agent1', owner],
        ['agent2', colleague],
        ['sup1', supervisor],
      ] as const) {
        const ref = assertAccepted(await world.api(name).post(TEAM, { operationName: 'Subscribe' }))
        await expectMessage(desk, WORKBINS, {
          messageType: 'WorkbinSubscriptionStateChangeMessage',
          id: WB.team,
          stateResource: 'Subscribed',
          referenceId: ref,
          agentGroup: 'Sales',
        })
      }

      // The queues are there for desktops to name.
      const queues = await world.api('agent1').get('/queues?fields=*')
      assert.deepEqual(queues.body, {
        statusCode: 0,
        queues: [QUEUE.inbound, QUEUE.post].map((q, i) => ({
          id: q.id,
          name: q.name,
          description: i === 0 ? 'new work' : 'after work',
          channel: 'workitem',
          uri: `${base}/queues/${q.id}`,
        })),
      })

      // An integration queues a workitem: nobody handles it, nobody is told.
      const id = await world.create({
        mediaType: 'workitem',
        queue: 'Inbound',
        userData: { Case: '8' },
      })
      const created = await world.where(id)
      assert.equal(created.state, 'Queued')
      assert.equal(created.queue, 'Inbound')
      const receivedDate = created.receivedDate as string
      const uri = `${base}/workitems/${id}`
      const workitem = (state: string, capabilities: string[], userData: Data) => ({
        id,
        workitemType: 'Inbound',
        state,
        capabilities,
        receivedDate,
        userData,
        uri,
      })

      // It is offered to agent1: Invited, Accept or Reject.
      const offerRef = assertAccepted(
        await world
          .api('api1')
          .post(`/interactions/${id}`, { operationName: 'Offer', agent: 'agent1' }),
      )
      assert.ok(offerRef > 0)
      await expectMessage(owner, WORKITEMS, {
        messageType: 'WorkitemStateChangeMessage',
        notificationType: 'StatusChange',
        workitem: workitem('Invited', ['Accept', 'Reject'], { Case: '8' }),
      })
      const listed = await world.api('agent1').get('/me/workitems?fields=id,state')
      assert.deepEqual(listed.body, { statusCode: 0, workitems: [{ id, state: 'Invited' }] })

      // agent1 accepts it.
      const acceptRef = assertAccepted(
        await world.api('agent1').post(`/me/workitems/${id}`, { operationName: 'Accept' }),
      )
      await expectMessage(owner, WORKITEMS, {
        messageType: 'WorkitemStateChangeMessage',
        notificationType: 'StatusChange',
        workitem: workitem('Processing', HANDLING, { Case: '8' }),
        referenceId: acceptRef,
      })

      // ... attaches data.
      const attachRef = assertAccepted(
        await world.api('agent1').post(`/me/workitems/${id}`, {
          operationName: 'AttachUserData',
          userData: { Note: 'called back', Priority: 2 },
        }),
      )
      const attached = { Case: '8', Note: 'called back', Priority: 2 }
      await expectMessage(owner, WORKITEMS, {
        messageType: 'WorkitemStateChangeMessage',
        notificationType: 'PropertiesUpdated',
        workitem: workitem('Processing', HANDLING, attached),
        referenceId: attachRef,
      })

      // ... and puts it into the team workbin: everybody watching it sees both messages.
      const putRef = assertAccepted(
        await world.api('agent1').post(TEAM, { operationName: 'AddWorkitem', id }),
      )
      const inWorkbin = workitem('InWorkbin', [], { ...attached, Workbin: 'Team' })
      const itemAdded = {
        messageType: 'WorkbinStateChangeMessage',
        action: 'ItemAdded',
        id: WB.team,
        agentGroup: 'Sales',
        workitemStateResourceV2: inWorkbin,
      }
      await expectMessage(owner, WORKITEMS, {
        messageType: 'WorkitemStateChangeMessage',
        notificationType: 'StatusChange',
        workitem: inWorkbin,
        referenceId: putRef,
      })
      await expectMessage(owner, WORKBINS, { ...itemAdded, referenceId: putRef })
      for (const desk of [colleague, supervisor]) {
        await expectMessage(desk, WORKITEMS, {
          messageType: 'WorkitemStateChangeMessage',
          notificationType: 'StatusChange',
          workitem: inWorkbin,
        })
        await expectMessage(desk, WORKBINS, itemAdded)
      }
      const content = await world.api('sup1').get(`${TEAM}&subresources=workitem`)
      const items = (content.body.workbin as Data).workitems as Data[]
      assert.deepEqual(
        items.find((w) => w.id === id),
        inWorkbin,
      )

      // Its uri is readable by everyone who can see the item, and by nobody else.
      for (const name of ['agent1', 'agent2', 'sup1']) {
        const r = await world.api(name).get(`/workitems/${id}`)
        assert.deepEqual(r.body, { statusCode: 0, workitem: inWorkbin }, name)
      }
      assertError(await world.api('agent3').get(`/workitems/${id}`), 404, 6)

      // agent2 pulls it: theirs now, with capabilities; the others see it leave the workbin.
      const pullRef = assertAccepted(
        await world.api('agent2').post(TEAM, { operationName: 'PullWorkitem', id }),
      )
      const pulled = workitem('Processing', HANDLING, { ...attached, Workbin: 'Team' })
      const seen = { ...pulled, capabilities: [] }
      const itemRemoved = (resource: Data) => ({
        messageType: 'WorkbinStateChangeMessage',
        action: 'ItemRemoved',
        id: WB.team,
        agentGroup: 'Sales',
        workitemStateResourceV2: resource,
      })
      await expectMessage(colleague, WORKITEMS, {
        messageType: 'WorkitemStateChangeMessage',
        notificationType: 'StatusChange',
        workitem: pulled,
        referenceId: pullRef,
      })
      await expectMessage(colleague, WORKBINS, { ...itemRemoved(pulled), referenceId: pullRef })
      for (const desk of [owner, supervisor]) {
        await expectMessage(desk, WORKITEMS, {
          messageType: 'WorkitemStateChangeMessage',
          notificationType: 'StatusChange',
          workitem: seen,
        })
        await expectMessage(desk, WORKBINS, itemRemoved(seen))
      }

      // agent2 completes it into the PostProcessing queue: shown Completed, waiting there.
      const completeRef = assertAccepted(
        await world.api('agent2').post(`/me/workitems/${id}`, {
          operationName: 'Complete',
          queueName: 'PostProcessing',
        }),
      )
      await expectMessage(colleague, WORKITEMS, {
        messageType: 'WorkitemStateChangeMessage',
        notificationType: 'StatusChange',
        workitem: { ...pulled, state: 'Completed', capabilities: [] },
        referenceId: completeRef,
      })
      const end = await world.where(id)
      assert.equal(end.state, 'Queued')
      assert.equal(end.queue, 'PostProcessing')
      assert.deepEqual((await world.api('agent2').get('/me/workitems')).body, {
        statusCode: 0,
        uris: [],
      })

      // Nothing else reached anybody.
      await expectQuiet('agent1', owner)
      await expectQuiet('agent2', colleague)
      await expectQuiet('sup1', supervisor)
    })
  })
}
