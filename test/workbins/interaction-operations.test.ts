// Interaction operations and offers (docs/interactions.md): wrong state → 400 / 2 and nothing
// changes, someone else's interaction → 404 / 6, integration-only Offer → 403 / 5, Reject and
// the offer timeout return the interaction to its queue, Transfer (its invitation:
// transfer.test.ts), open media Create, and races where exactly one request wins.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertAccepted, assertError, type Data } from '../helpers/assert.ts'
import { openDesk, queuesDocument, QUEUE, startWork, type Desk } from '../helpers/desk.ts'
import { IX, U, WB } from '../helpers/fixtures/content.ts'
import { World } from '../helpers/world.ts'

const WORKITEMS = '/v2/me/workitems'

describe('interaction operations', () => {
  let world: World
  let desk1: Desk
  let desk2: Desk

  before(async () => {
    world = await World.start({ document: queuesDocument(), config: { offerTimeoutSeconds: 2 } })
    // Offers reach agents Ready on the interaction's media channel.
    const channels = ['workitem', 'email', 'chat', 'openmedia']
    await startWork(world, 'agent1', 'P1', channels)
    await startWork(world, 'agent2', 'P2', channels)
    desk1 = await openDesk(world.server, 'agent1')
    desk2 = await openDesk(world.server, 'agent2')
  })
  after(async () => {
    await Promise.all([desk1, desk2].map((d) => d?.close()))
    await world?.close()
  })

  const queued = () => world.create({ mediaType: 'workitem', queue: 'Inbound' })
  const offer = (id: string, agent = 'agent1') =>
    world.api('api1').post(`/interactions/${id}`, { operationName: 'Offer', agent })
  const op = (user: string, id: string, body: Data) =>
    world.api(user).post(`/me/workitems/${id}`, body)

  async function nextWorkitem(desk: Desk): Promise<Data> {
    const m = await desk.next()
    assert.equal(m.channel, WORKITEMS, JSON.stringify(m.data))
    assert.equal(m.data.messageType, 'WorkitemStateChangeMessage')
    return m.data
  }

  /** An interaction offered to agent1 (its Invited message consumed). */
  async function offered(): Promise<string> {
    const id = await queued()
    assertAccepted(await offer(id))
    assert.equal(((await nextWorkitem(desk1)).workitem as Data).state, 'Invited')
    return id
  }

  /** An interaction agent1 handles (messages consumed). */
  async function handled(): Promise<string> {
    const id = await offered()
    assertAccepted(await op('agent1', id, { operationName: 'Accept' }))
    assert.equal(((await nextWorkitem(desk1)).workitem as Data).state, 'Processing')
    return id
  }

  it('refuses an operation in the wrong state with 400 / 2 and changes nothing', async () => {
    const id = await offered()
    const before = await world.where(id)
    for (const body of [
      { operationName: 'Complete' },
      { operationName: 'AttachUserData', userData: { a: '1' } },
      { operationName: 'PlaceInQueue', queueName: 'PostProcessing' },
      { operationName: 'Transfer', targetUri: `${world.server.apiUrl}/users/${U.agent2}` },
    ]) {
      assertError(await op('agent1', id, body), 400, 2)
    }
    assert.deepEqual(await world.where(id), before)
    assertAccepted(await op('agent1', id, { operationName: 'Accept' }))
    await nextWorkitem(desk1)
    const accepted = await world.where(id)
    assertError(await op('agent1', id, { operationName: 'Accept' }), 400, 2)
    assertError(await op('agent1', id, { operationName: 'Reject' }), 400, 2)
    assertError(await offer(id, 'agent2'), 400, 2) // not in a queue
    assert.deepEqual(await world.where(id), accepted)
  })

  it('refuses bad parameters with 400 and changes nothing', async () => {
    const id = await handled()
    const before = await world.where(id)
    assertError(await op('agent1', id, { operationName: 'PlaceInQueue' }), 400, 1)
    assertError(
      await op('agent1', id, { operationName: 'PlaceInQueue', queueName: 'Nope' }),
      400,
      2,
    )
    assertError(await op('agent1', id, { operationName: 'Complete', queueName: 'Nope' }), 400, 2)
    assertError(await op('agent1', id, { operationName: 'Transfer' }), 400, 1)
    assertError(
      await op('agent1', id, { operationName: 'Transfer', targetUri: '/users/nobody' }),
      400,
      2,
    )
    assertError(await op('agent1', id, { operationName: 'DeleteUserData', keys: 'a' }), 400, 2)
    assertError(await op('agent1', id, { operationName: 'Frobnicate' }), 400, 2)
    assert.deepEqual(await world.where(id), before)
  })

  it('answers 404 / 6 for another agent’s interaction and 403 / 5 for Offer by an agent', async () => {
    const id = await handled()
    const before = await world.where(id)
    assertError(await op('agent2', id, { operationName: 'Complete' }), 404, 6)
    assertError(await op('agent2', IX.email1, { operationName: 'Complete' }), 404, 6)
    assertError(
      await world.api('agent2').post(`/me/emails/${IX.email1}`, { operationName: 'Complete' }),
      404,
      6,
    )
    assertError(await op('agent1', 'ZZZZZZZZZZZZZZZZ', { operationName: 'Complete' }), 404, 6)
    const q = await queued()
    assertError(
      await world
        .api('agent1')
        .post(`/interactions/${q}`, { operationName: 'Offer', agent: 'agent1' }),
      403,
      5,
    )
    assertError(await offer(q, 'agent3'), 400, 2) // agent3 has not started a session
    // Not Ready on the workitem channel: not offered; Ready again: offered.
    const notReady = await world
      .api('agent2')
      .post('/me/channels/workitem', { operationName: 'NotReady' })
    assert.equal(notReady.status, 200)
    assert.equal((await desk2.next()).data.messageType, 'ChannelStateChangeMessage')
    assertError(await offer(q, 'agent2'), 400, 2)
    assert.equal(
      (await world.api('agent2').post('/me/channels/workitem', { operationName: 'Ready' })).status,
      200,
    )
    assert.equal((await desk2.next()).data.messageType, 'ChannelStateChangeMessage')
    assertError(await offer(q, 'nobody'), 404, 6)
    assert.deepEqual(await world.where(id), before)
    assert.equal((await world.where(q)).state, 'Queued')
  })

  it('Reject returns the offer to its queue; the agent sees it Completed', async () => {
    const id = await offered()
    const ref = assertAccepted(await op('agent1', id, { operationName: 'Reject' }))
    const m = await nextWorkitem(desk1)
    assert.equal(m.referenceId, ref)
    assert.equal(m.notificationType, 'StatusChange')
    assert.equal((m.workitem as Data).state, 'Completed')
    assert.deepEqual((m.workitem as Data).capabilities, [])
    const now = await world.where(id)
    assert.equal(now.state, 'Queued')
    assert.equal(now.queue, 'Inbound')
  })

  it('an offer not answered in time is Revoked and back in its queue', async () => {
    const id = await offered()
    const m = await desk1.next(6000)
    assert.equal(m.channel, WORKITEMS)
    assert.deepEqual(m.data, {
      messageType: 'WorkitemStateChangeMessage',
      notificationType: 'StatusChange',
      workitem: { ...((m.data.workitem as Data) ?? {}), state: 'Revoked', capabilities: [] },
    })
    assert.equal((m.data.workitem as Data).id, id)
    assert.equal((await world.where(id)).state, 'Queued')
    assertError(await op('agent1', id, { operationName: 'Accept' }), 404, 6)
  })

  it('Transfer invites another agent, who accepts it', async () => {
    const id = await handled()
    const target = `${world.server.apiUrl}/users/${U.agent2}`
    const ref = assertAccepted(
      await op('agent1', id, { operationName: 'Transfer', targetUri: target }),
    )
    const mine = await nextWorkitem(desk1)
    assert.equal(mine.referenceId, ref)
    assert.equal((mine.workitem as Data).state, 'Completed')
    const invited = await nextWorkitem(desk2)
    assert.equal(invited.referenceId, undefined)
    assert.equal((invited.workitem as Data).state, 'Invited')
    assert.deepEqual((invited.workitem as Data).capabilities, ['Accept', 'Reject'])
    assert.equal((await world.where(id)).invited, U.agent2)
    assertAccepted(await op('agent2', id, { operationName: 'Accept' }))
    const theirs = await nextWorkitem(desk2)
    assert.equal((theirs.workitem as Data).state, 'Processing')
    assert.ok(((theirs.workitem as Data).capabilities as string[]).includes('Complete'))
    assert.equal((await world.where(id)).owner, U.agent2)
    // and agent2 finishes it: completed for good, read-only
    assertAccepted(await op('agent2', id, { operationName: 'Complete' }))
    assert.equal(((await nextWorkitem(desk2)).workitem as Data).state, 'Completed')
    assert.equal((await world.where(id)).state, 'Completed')
    assertError(await op('agent2', id, { operationName: 'Complete' }), 404, 6)
  })

  /** An interaction of this media created for agent1 (its Processing message consumed). */
  async function owned(mediaType: string): Promise<string> {
    const id = await world.create({ mediaType, owner: 'agent1' })
    assert.equal(((await desk1.next()).data[mediaType] as Data).state, 'Processing')
    return id
  }

  it('E-mail Transfer takes userUri or queueName; chat Transfer takes queueName', async () => {
    const users = `${world.server.apiUrl}/users`
    const email = (user: string, id: string, body: Data) =>
      world.api(user).post(`/me/emails/${id}`, { operationName: 'Transfer', ...body })
    const left = async (desk: Desk, key: string, state: string) => {
      assert.equal(((await desk.next()).data[key] as Data).state, state)
    }

    const accept = async (id: string) => {
      assertAccepted(
        await world.api('agent2').post(`/me/emails/${id}`, { operationName: 'Accept' }),
      )
      await left(desk2, 'email', 'Processing')
    }

    // userUri: agent2 is invited (E-mail API → Transfer, "Transfer to Agent")
    const id = await owned('email')
    assertAccepted(await email('agent1', id, { userUri: `${users}/${U.agent2}` }))
    await left(desk1, 'email', 'Completed')
    await left(desk2, 'email', 'Invited')
    await accept(id)
    assert.equal((await world.where(id)).owner, U.agent2)
    // queueName: into a queue ("Transfer to Queue")
    assertAccepted(await email('agent2', id, { queueName: 'PostProcessing' }))
    await left(desk2, 'email', 'Completed')
    assert.equal((await world.where(id)).queue, 'PostProcessing')
    // targetUri keeps working on e-mail
    const byUri = await owned('email')
    assertAccepted(await email('agent1', byUri, { targetUri: `${users}/${U.agent2}` }))
    await left(desk1, 'email', 'Completed')
    await left(desk2, 'email', 'Invited')
    await accept(byUri)

    const chat = await owned('chat')
    assertAccepted(
      await world
        .api('agent1')
        .post(`/me/chats/${chat}`, { operationName: 'Transfer', queueName: 'Inbound' }),
    )
    await left(desk1, 'chat', 'Completed')
    assert.equal((await world.where(chat)).queue, 'Inbound')
    assert.equal(desk1.box.unread, 0)
    assert.equal(desk2.box.unread, 0)
  })

  it('refuses a Transfer to no target, to two, or to an unknown one, changing nothing', async () => {
    const users = `${world.server.apiUrl}/users`
    const id = await owned('email')
    const before = await world.where(id)
    const transfer = (body: Data) =>
      world.api('agent1').post(`/me/emails/${id}`, { operationName: 'Transfer', ...body })
    assertError(await transfer({}), 400, 1)
    for (const body of [
      { userUri: `${users}/${U.agent2}`, queueName: 'Inbound' },
      { targetUri: `${users}/${U.agent2}`, queueName: 'Inbound' },
      { userUri: `${users}/${U.agent2}`, targetUri: `${users}/${U.agent2}` },
      { userUri: `${users}/nobody` }, // as targetUri with an unknown user
      { userUri: `${world.server.apiUrl}/queues/${QUEUE.inbound.id}` }, // not a user
      { queueName: 'Nope' }, // as targetUri with an unknown queue
    ]) {
      assertError(await transfer(body), 400, 2)
    }
    // queueName names a Transfer target on e-mail and chat only
    const workitem = await handled()
    assertError(
      await op('agent1', workitem, { operationName: 'Transfer', queueName: 'Inbound' }),
      400,
      1,
    )
    assert.deepEqual(await world.where(id), before)
    assert.equal(desk1.box.unread, 0)
  })

  it('userData operations answer PropertiesUpdated', async () => {
    const id = await handled()
    for (const [body, expected] of [
      [
        { operationName: 'AttachUserData', userData: { a: 'x', b: 1 } },
        { a: 'x', b: 1 },
      ],
      [
        { operationName: 'UpdateUserData', userData: { a: 'y' } },
        { a: 'y', b: 1 },
      ],
      [{ operationName: 'DeleteUserData', keys: ['b'] }, { a: 'y' }],
    ] as const) {
      const ref = assertAccepted(await op('agent1', id, body))
      const m = await nextWorkitem(desk1)
      assert.equal(m.notificationType, 'PropertiesUpdated')
      assert.equal(m.referenceId, ref)
      assert.deepEqual((m.workitem as Data).userData, expected)
    }
  })

  it('of concurrent Accepts, and of concurrent Completes, exactly one wins', async () => {
    const id = await offered()
    const accepts = await Promise.all(
      [1, 2, 3].map(() => op('agent1', id, { operationName: 'Accept' })),
    )
    assert.equal(accepts.filter((r) => r.status === 200).length, 1)
    for (const r of accepts.filter((x) => x.status !== 200)) assertError(r, 400, 2)
    await nextWorkitem(desk1)
    const completes = await Promise.all(
      ['PostProcessing', undefined, 'Inbound'].map((queueName) =>
        op('agent1', id, { operationName: 'Complete', ...(queueName ? { queueName } : {}) }),
      ),
    )
    assert.equal(completes.filter((r) => r.status === 200).length, 1)
    // a loser either lost the compare-and-set (400 / 2) or came after: no longer its (404 / 6)
    for (const r of completes.filter((x) => x.status !== 200)) {
      if (r.status === 404) assertError(r, 404, 6)
      else assertError(r, 400, 2)
    }
    await nextWorkitem(desk1)
    assert.equal(desk1.box.unread, 0)
  })

  it('an email and a chat tell their own channels', async () => {
    const attach = await world.api('agent1').post(`/me/emails/${IX.email1}`, {
      operationName: 'AttachUserData',
      userData: { Tag: 'vip' },
    })
    const ref = assertAccepted(attach)
    const m = await desk1.next()
    assert.equal(m.channel, '/v2/me/emails')
    assert.equal(m.data.messageType, 'EmailStateChangeMessage')
    assert.equal(m.data.notificationType, 'PropertiesUpdated')
    assert.equal(m.data.referenceId, ref)
    assert.equal(((m.data.email as Data).userData as Data).Tag, 'vip')

    const pull = assertAccepted(
      await world
        .api('agent1')
        .post(`/me/workbins/${WB.later}`, { operationName: 'PullChat', id: IX.chat1 }),
    )
    const chat = await desk1.next()
    assert.equal(chat.channel, '/v2/me/chats')
    assert.equal(chat.data.messageType, 'ChatStateChangeMessage')
    assert.equal(chat.data.referenceId, pull)
    assert.equal((chat.data.chat as Data).state, 'Processing')
    const removed = await desk1.next()
    assert.equal(removed.channel, '/v2/me/workbins')
    assert.equal(removed.data.action, 'ItemRemoved')
    const done = assertAccepted(
      await world.api('agent1').post(`/me/chats/${IX.chat1}`, { operationName: 'Complete' }),
    )
    const completed = await desk1.next()
    assert.equal(completed.channel, '/v2/me/chats')
    assert.equal(completed.data.referenceId, done)
    assert.equal((completed.data.chat as Data).state, 'Completed')
    assert.equal(desk1.box.unread, 0)
  })

  it('creates an open media item handled by the caller from a queue uri', async () => {
    const queueUri = `${world.server.apiUrl}/queues/${QUEUE.inbound.id}`
    const ref = assertAccepted(
      await world
        .api('agent1')
        .post('/me/openmedia/promotion', { operationName: 'Create', queueUri }),
    )
    const m = await desk1.next()
    assert.equal(m.channel, '/v2/me/openmedia')
    assert.equal(m.data.messageType, 'OpenmediaStateChangeMessage')
    assert.equal(m.data.referenceId, ref)
    const om = m.data.openmedia as Data
    assert.equal(om.state, 'Processing')
    assert.equal(om.mediaType, 'promotion')
    const list = await world.api('agent1').get('/me/openmedia/promotion')
    assert.deepEqual(list.body, { statusCode: 0, uris: [om.uri] })
    assertError(
      await world.api('agent1').post('/me/openmedia/promotion', {
        operationName: 'Create',
        queueUri: `${world.server.apiUrl}/queues/00000000-0000-4000-8000-000000000000`,
      }),
      400,
      2,
    )
    assertError(
      await world.api('agent1').post('/me/openmedia/promotion', { operationName: 'Create' }),
      400,
      1,
    )
    assert.equal(desk1.box.unread, 0)
  })
})
