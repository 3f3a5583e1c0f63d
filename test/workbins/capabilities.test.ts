// Capabilities are "operation names that are valid for the current state" (GWS Chat resource
// page): a desktop enables its buttons from them. For every media type, in every state its
// messages show, each advertised capability is sent as an operation on a fresh interaction in
// that state, and the server must carry it out (never answer "Unknown operationName").

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertAccepted, type Data } from '../helpers/assert.ts'
import { openDesk, queuesDocument, QUEUE, type Desk } from '../helpers/desk.ts'
import { World } from '../helpers/world.ts'

/** Each media: how the integration creates it, its `/me` URL segment and its message key. */
const MEDIA: Record<string, { create: Data; segment: string; key: string }> = {
  workitem: { create: { mediaType: 'workitem' }, segment: 'workitems', key: 'workitem' },
  email: { create: { mediaType: 'email' }, segment: 'emails', key: 'email' },
  chat: { create: { mediaType: 'chat' }, segment: 'chats', key: 'chat' },
  openmedia: {
    create: { mediaType: 'openmedia', openmediaType: 'promotion' },
    segment: 'openmedia/promotion',
    key: 'openmedia',
  },
  facebook: { create: { mediaType: 'facebook' }, segment: 'facebook', key: 'facebook' },
  tweet: { create: { mediaType: 'tweet' }, segment: 'tweets', key: 'twitter' },
  facebooksession: {
    create: { mediaType: 'facebooksession' },
    segment: 'facebooksessions',
    key: 'facebooksession',
  },
}
const CHANNELS = Object.keys(MEDIA)
const STORED = 'STOREDCAPS000001'

describe('capabilities', () => {
  let world: World
  let desk: Desk
  /** Every `media state` a message showed agent1, with the capabilities it listed. */
  const shown = new Map<string, Set<string>>()
  /** The capabilities carried out, per `media state`. */
  const accepted = new Map<string, Set<string>>()
  const add = (m: Map<string, Set<string>>, k: string, v: string[]) =>
    m.set(k, new Set([...(m.get(k) ?? []), ...v]))

  before(async () => {
    const document = queuesDocument()
    // A list stored from elsewhere (a provisioning document, an older version of the server).
    ;(document.contactCenters[0] as { interactions: Data[] }).interactions.push({
      id: STORED,
      mediaType: 'email',
      owner: 'agent1',
      capabilities: ['Reply', 'SetInFocus', 'Complete'],
    })
    world = await World.start({ document })
    const api = world.api('agent1')
    const start = await api.post('/me', {
      operationName: 'StartContactCenterSession',
      place: 'P1',
      channels: CHANNELS,
    })
    assert.deepEqual(start.body, { statusCode: 0 })
    for (const c of CHANNELS) {
      const r = await api.post(`/me/channels/${c}`, { operationName: 'Ready' })
      assert.equal(r.status, 200, JSON.stringify(r.body))
    }
    desk = await openDesk(world.server, 'agent1')
  })
  after(async () => {
    await desk?.close()
    await world?.close()
  })

  /** The next message of agent1, its interaction resource noted in `shown` (if it has one). */
  async function next(): Promise<{ media?: string; resource?: Data }> {
    const { data } = await desk.next()
    for (const [media, { key }] of Object.entries(MEDIA)) {
      const resource = data[key] as Data | undefined
      if (!resource) continue
      add(shown, `${media} ${String(resource.state)}`, resource.capabilities as string[])
      return { media, resource }
    }
    return {}
  }

  /** Read agent1's messages until the one about this interaction. */
  async function messageAbout(media: string, id: string): Promise<Data> {
    for (;;) {
      const m = await next()
      if (m.media === media && m.resource?.id === id) return m.resource
    }
  }

  /** A fresh interaction of `media` offered to agent1 (Invited), or accepted by them. */
  async function fresh(media: string, state: 'Invited' | 'Processing'): Promise<Data> {
    const info = MEDIA[media] as (typeof MEDIA)[string]
    const id = await world.create({ ...info.create, queue: 'Inbound' })
    const offer = await world
      .api('api1')
      .post(`/interactions/${id}`, { operationName: 'Offer', agent: 'agent1' })
    assertAccepted(offer)
    let r = await messageAbout(media, id)
    if (state === 'Processing') {
      assertAccepted(await send(media, id, { operationName: 'Accept' }))
      r = await messageAbout(media, id)
    }
    assert.equal(r.state, state)
    return r
  }

  const send = (media: string, id: string, body: Data) =>
    world.api('agent1').post(`/me/${(MEDIA[media] as { segment: string }).segment}/${id}`, body)

  /** A valid body for each operation this test knows; others are only checked for being known. */
  const bodyOf = (operationName: string): Data | undefined =>
    ({
      Accept: {},
      Reject: {},
      Complete: {},
      PlaceInQueue: { queueName: QUEUE.post.name },
      Transfer: { targetUri: `${world.server.apiUrl}/queues/${QUEUE.post.id}` },
      AttachUserData: { userData: { Tag: 'a' } },
      UpdateUserData: { userData: { Tag: 'b' } },
      DeleteUserData: { keys: ['Tag'] },
    })[operationName]

  for (const media of CHANNELS) {
    for (const state of ['Invited', 'Processing'] as const) {
      it(`${media} ${state}: every capability is an operation the server carries out`, async () => {
        const capabilities = (await fresh(media, state)).capabilities as string[]
        assert.ok(capabilities.length > 0)
        for (const operationName of capabilities) {
          const r = await fresh(media, state)
          const body = bodyOf(operationName)
          const reply = await send(media, r.id as string, { operationName, ...body })
          const message = String((reply.body as Data).statusMessage ?? '')
          assert.doesNotMatch(
            message,
            /Unknown operationName/,
            `${media} ${state} ${operationName}`,
          )
          if (body !== undefined) assertAccepted(reply)
          if (reply.status === 200) await messageAbout(media, r.id as string)
          add(accepted, `${media} ${state}`, [operationName])
        }
      })
    }
  }

  it('a stored list shows only the operations the server accepts there', async () => {
    const r = await world.api('agent1').get(`/me/emails/${STORED}`)
    assert.deepEqual((r.body.email as Data).capabilities, ['Complete'])
  })

  it('no message showed a capability that was not carried out in that state', async () => {
    while (desk.box.unread > 0) await next()
    for (const [where, capabilities] of shown) {
      const ok = accepted.get(where) ?? new Set<string>()
      for (const c of capabilities) assert.ok(ok.has(c), `${where} shows ${c}`)
    }
    // the states without capabilities were seen too
    assert.deepEqual([...(shown.get('email Completed') ?? ['?'])], [])
  })
})
