// Real replies against the OpenAPI document (src/http/openapi.ts): a server with the content
// fixture is driven through every documented route and every operationName variant, as agents,
// a supervisor, an admin and an apiuser, successes and the usual errors; each reply must have a
// status the operation documents and a body its schema (for that status and content type)
// accepts. The document is what clients generate code from, so drift here breaks them.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { queuesDocument, QUEUE } from '../helpers/desk.ts'
import { IX, U, WB } from '../helpers/fixtures/content.ts'
import { PASSWORD } from '../helpers/fixtures/users.ts'
import { ApiClient, type ApiResponse } from '../helpers/http.ts'
import { World } from '../helpers/world.ts'

type Schema = Record<string, unknown>
type Operation = {
  responses: Record<string, { content?: Record<string, { schema: Schema; example?: unknown }> }>
  requestBody?: { content: Record<string, { schema: { oneOf?: { title: string }[] } }> }
}
type Document = { paths: Record<string, Record<string, Operation>> }

interface Call {
  /** Who sends it: a fixture user name, or undefined for no credentials. */
  user?: string
  method: 'GET' | 'POST'
  /** The documented path, e.g. `/api/v2/me/workbins/{id}`. */
  route: string
  params?: Record<string, string>
  query?: string
  body?: unknown
  rawBody?: string
  headers?: Record<string, string>
  /** The status this scenario means to cause. */
  expect: number
}

interface Seen {
  call: Call
  res: ApiResponse<unknown>
}

const API = '/api/v2'
const MEDIA = [
  { word: 'Email', media: 'email', segment: 'emails' },
  { word: 'Chat', media: 'chat', segment: 'chats' },
  { word: 'Workitem', media: 'workitem', segment: 'workitems' },
  { word: 'Openmedia', media: 'openmedia', segment: 'openmedia/promotion' },
  { word: 'Facebook', media: 'facebook', segment: 'facebook' },
  { word: 'Tweet', media: 'tweet', segment: 'tweets' },
  { word: 'Facebooksession', media: 'facebooksession', segment: 'facebooksessions' },
] as const
const CHANNELS = [...MEDIA.map((m) => m.media), 'promotion', 'voice']

function document() {
  const doc = queuesDocument()
  ;(doc.contactCenters[0] as Record<string, unknown>).agentStates = [
    { state: 'NotReady', displayName: 'Lunch', reasonCode: 'Lunch' },
  ]
  return doc
}

describe('OpenAPI document against real replies', () => {
  let world: World
  let doc: Document
  let ajv: Ajv2020
  const seen: Seen[] = []
  const anonymous = () => new ApiClient(world.server.apiUrl)

  before(async () => {
    world = await World.start({ document: document(), config: { loginMaxFailuresPerName: 2 } })
    const res = await fetch(`${world.server.apiUrl}/openapi.json`)
    doc = (await res.json()) as Document
    // OpenAPI 3.1 schemas are JSON Schema 2020-12; the document is one schema resource so
    // `#/components/schemas/...` resolves inside it.
    ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false })
    addFormats.default(ajv)
    ajv.addSchema(doc as unknown as Schema, 'openapi.json')
  })
  after(() => world?.close())

  async function send(call: Call): Promise<ApiResponse<Record<string, unknown>>> {
    const client = call.user === undefined ? anonymous() : world.api(call.user)
    let path = call.route.slice(API.length)
    for (const [k, v] of Object.entries(call.params ?? {})) {
      path = path.replace(`{${k}}`, encodeURIComponent(v))
    }
    assert.doesNotMatch(path, /\{/, `${call.route}: every parameter given`)
    if (call.query) path += `?${call.query}`
    const res = await client.request<Record<string, unknown>>(call.method, path, call.body, {
      ...(call.headers ? { headers: call.headers } : {}),
      ...(call.rawBody !== undefined ? { rawBody: call.rawBody } : {}),
    })
    seen.push({ call, res })
    return res
  }

  /** Send and return the body of a 200 (the scenario goes on from it). */
  async function ok(call: Omit<Call, 'expect'>): Promise<Record<string, unknown>> {
    const res = await send({ ...call, expect: 200 })
    assert.equal(res.status, 200, `${call.method} ${call.route}: ${JSON.stringify(res.body)}`)
    return res.body
  }

  const post = (user: string, route: string, params: Record<string, string>, body: object) => ({
    user,
    method: 'POST' as const,
    route: API + route,
    params,
    body,
  })

  /** An interaction created by the integration endpoint: owned, queued, or offered. */
  async function create(
    media: string,
    where: { owner: string } | { queue: string },
  ): Promise<string> {
    const body = await ok(
      post(
        'api1',
        '/interactions',
        {},
        {
          operationName: 'Create',
          mediaType: media,
          ...(media === 'openmedia' ? { openmediaType: 'promotion' } : {}),
          ...where,
        },
      ),
    )
    return body.id as string
  }

  test('drives every route', async () => {
    const me = API + '/me'
    // --- accounts, sessions, channels
    await send({ method: 'GET', route: me, expect: 401 })
    await send({ user: 'agent1', method: 'GET', route: me, expect: 200 })
    await send({ user: 'agent1', method: 'GET', route: me, query: 'subresources=*', expect: 200 })
    await send({ user: 'agent1', method: 'GET', route: me, query: 'subresources=x', expect: 400 })
    for (const [user, place] of [
      ['agent1', 'P1'],
      ['agent2', 'P2'],
    ] as const) {
      await ok(
        post(
          user,
          '/me',
          {},
          { operationName: 'StartContactCenterSession', place, channels: CHANNELS },
        ),
      )
      for (const channel of CHANNELS) {
        await ok(post(user, '/me/channels/{channel}', { channel }, { operationName: 'Ready' }))
      }
    }
    await send({
      ...post('agent3', '/me', {}, { operationName: 'StartContactCenterSession', place: 'P1' }),
      expect: 409,
    })
    await send({ ...post('agent1', '/me', {}, {}), expect: 400 })
    await send({ ...post('agent1', '/me', {}, { operationName: 'Foo' }), expect: 400 })
    await send({
      ...post('agent1', '/me', {}, {}),
      body: undefined,
      rawBody: 'operationName=Logout',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      expect: 415,
    })
    await send({
      ...post('agent1', '/me', {}, { operationName: 'Logout', pad: 'x'.repeat(70_000) }),
      expect: 413,
    })
    await ok({ user: 'agent1', method: 'GET', route: API + '/me/channels' })
    const channel = API + '/me/channels/{channel}'
    await ok({
      ...post('agent1', '/me/channels/{channel}', { channel: 'voice' }, {}),
      body: { operationName: 'NotReady', reasonCode: 'Lunch' },
    })
    await ok({
      ...post('agent1', '/me/channels/{channel}', { channel: 'voice' }, {}),
      body: { operationName: 'NotReady' },
    })
    await send({
      ...post('agent1', '/me/channels/{channel}', { channel: 'sms' }, { operationName: 'Ready' }),
      expect: 404,
    })
    await send({
      user: 'agent1',
      method: 'POST',
      route: channel,
      params: { channel: 'voice' },
      body: { operationName: 'NotReady', reasonCode: 'Nap' },
      expect: 400,
    })
    await ok({ user: 'agent1', method: 'GET', route: me, query: 'subresources=channels' })
    await ok({ user: 'agent1', method: 'GET', route: API + '/settings/agent-states' })
    for (const user of ['agent1', 'sup1', 'admin1']) {
      await ok({ user, method: 'GET', route: API + '/me/team' })
    }
    await ok({ user: 'agent1', method: 'GET', route: API + '/features' })
    await ok({ user: 'agent1', method: 'GET', route: API + '/features', query: 'fields=*' })
    const feature = API + '/features/{id}'
    await ok({ user: 'agent1', method: 'GET', route: feature, params: { id: 'api-multimedia' } })
    await send({ user: 'agent1', method: 'GET', route: feature, params: { id: 'x' }, expect: 404 })

    // --- queues
    await ok({ user: 'agent1', method: 'GET', route: API + '/queues' })
    await ok({ user: 'agent1', method: 'GET', route: API + '/queues', query: 'fields=*' })
    await ok({ user: 'agent1', method: 'GET', route: API + '/queues', query: 'fields=id,name' })
    const queue = API + '/queues/{id}'
    await ok({ user: 'agent1', method: 'GET', route: queue, params: { id: QUEUE.inbound.id } })
    await send({ user: 'agent1', method: 'GET', route: queue, params: { id: 'x' }, expect: 404 })

    // --- workbin definitions and content, in the three URL families
    const families: { prefix: string; user: string; params: Record<string, string> }[] = [
      { prefix: '/workbins', user: 'agent1', params: {} },
      { prefix: '/me/workbins', user: 'agent1', params: {} },
      { prefix: '/users/{userId}/workbins', user: 'sup1', params: { userId: U.agent1 } },
    ]
    for (const f of families) {
      const list = API + f.prefix
      const one = `${list}/{id}`
      const media = `${list}/{id}/{mediaType}`
      const p = f.params
      const later = { ...p, id: WB.later }
      await ok({ user: f.user, method: 'GET', route: list, params: p })
      await ok({ user: f.user, method: 'GET', route: list, params: p, query: 'fields=*' })
      await ok({ user: f.user, method: 'GET', route: list, params: p, query: 'fields=id,type' })
      await ok({
        user: f.user,
        method: 'GET',
        route: list,
        params: p,
        query: `workbinIds=${WB.later},${WB.desk}&subresources=*`,
      })
      await ok({ user: f.user, method: 'GET', route: one, params: later })
      await ok({ user: f.user, method: 'GET', route: one, params: later, query: 'fields=id' })
      await ok({ user: f.user, method: 'GET', route: one, params: later, query: 'subresources=*' })
      await ok({
        user: f.user,
        method: 'GET',
        route: one,
        params: later,
        query: 'subresources=chat&limit=1',
      })
      await ok({
        user: f.user,
        method: 'GET',
        route: one,
        params: { ...p, id: WB.team },
        query: 'agentGroup=Sales&subresources=*&sort=receivedDate&order=desc',
      })
      await send({
        user: f.user,
        method: 'GET',
        route: one,
        params: { ...p, id: WB.unknown },
        expect: 404,
      })
      await send({
        user: f.user,
        method: 'GET',
        route: one,
        params: later,
        query: 'subresources=faxes',
        expect: 400,
      })
      for (const mediaType of ['chats', 'emails', 'workitems']) {
        await ok({ user: f.user, method: 'GET', route: media, params: { ...later, mediaType } })
      }
      await ok({
        user: f.user,
        method: 'GET',
        route: media,
        params: { ...later, mediaType: 'chats' },
        query: 'fields=id,state',
      })
      await ok({
        user: f.user,
        method: 'GET',
        route: media,
        params: { ...later, mediaType: 'chats' },
        query: 'limit=1',
      })
      await send({
        user: f.user,
        method: 'GET',
        route: media,
        params: { ...later, mediaType: 'faxes' },
        expect: 404,
      })
      // several at once: Subscribe, Unsubscribe
      for (const operationName of ['Subscribe', 'Unsubscribe']) {
        await ok({
          user: f.user,
          method: 'POST',
          route: list,
          params: p,
          query: `workbinIds=${WB.later},${WB.desk}`,
          body: { operationName },
        })
      }
      await send({
        user: f.user,
        method: 'POST',
        route: list,
        params: p,
        query: `workbinIds=${WB.later},${WB.unknown}`,
        body: { operationName: 'Subscribe' },
        expect: 404,
      })
      // one instance: Subscribe, Unsubscribe, and every Add* / Pull* on an interaction of its media
      for (const operationName of ['Subscribe', 'Unsubscribe']) {
        await ok({
          user: f.user,
          method: 'POST',
          route: one,
          params: later,
          body: { operationName },
        })
      }
      for (const word of ['Interaction', ...MEDIA.map((m) => m.word)]) {
        const media = word === 'Interaction' ? 'workitem' : word.toLowerCase()
        const id = await create(media, { owner: f.user })
        for (const verb of ['Add', 'Pull']) {
          await ok({
            user: f.user,
            method: 'POST',
            route: one,
            params: later,
            body: { operationName: `${verb}${word}`, id },
          })
        }
      }
      await send({
        user: f.user,
        method: 'POST',
        route: one,
        params: later,
        body: { operationName: 'PullEmail', id: 'Unknown000000000' },
        expect: 404,
      })
      await send({
        user: f.user,
        method: 'POST',
        route: one,
        params: later,
        body: { operationName: 'AddEmail' },
        expect: 400,
      })
      await send({
        user: f.user,
        method: 'POST',
        route: one,
        params: later,
        body: { operationName: 'Foo' },
        expect: 400,
      })
    }
    // the by-user media GET as GWS prints it
    const printed = API + '/{userId}/workbins/{id}/{mediaType}'
    await ok({
      user: 'sup1',
      method: 'GET',
      route: printed,
      params: { userId: U.agent1, id: WB.later, mediaType: 'chats' },
    })
    await send({
      user: 'agent2',
      method: 'GET',
      route: printed,
      params: { userId: U.agent1, id: WB.later, mediaType: 'chats' },
      expect: 403,
    })
    // forbidden, not found, feature off
    const userOne = API + '/users/{userId}/workbins/{id}'
    await send({
      user: 'agent2',
      method: 'GET',
      route: userOne,
      params: { userId: U.agent1, id: WB.later },
      query: 'subresources=*',
      expect: 403,
    })
    await send({
      user: 'agent2',
      method: 'POST',
      route: userOne,
      params: { userId: U.agent1, id: WB.later },
      body: { operationName: 'Subscribe' },
      expect: 403,
    })
    await send({ user: 'agentC', method: 'GET', route: API + '/workbins', expect: 404 })
    await send({
      user: 'agentB',
      method: 'GET',
      route: userOne,
      params: { userId: U.agent1, id: WB.later },
      expect: 404,
    })
    // RequestAgentStats
    const stats = { operationName: 'RequestAgentStats' }
    await ok({ ...post('agent1', '/workbins', {}, stats) })
    await ok({
      ...post('sup1', '/workbins', {}, { ...stats, workbinType: 'Agent', workbinOwner: 'agent1' }),
    })
    await ok({
      ...post(
        'agent1',
        '/workbins',
        {},
        { ...stats, workbinType: 'AgentGroup', workbinOwner: 'Sales' },
      ),
    })
    await send({
      ...post('agent1', '/workbins', {}, { ...stats, workbinOwner: 'agent1' }),
      expect: 400,
    })
    await send({
      ...post(
        'agent1',
        '/workbins',
        {},
        { ...stats, workbinType: 'Agent', workbinOwner: 'agent3' },
      ),
      expect: 403,
    })

    // --- the agent's own interactions, and their uri targets
    const own: Record<string, string> = {}
    for (const m of MEDIA) own[m.media] = await create(m.media, { owner: 'agent1' })
    for (const m of MEDIA) {
      const list =
        m.media === 'openmedia' ? API + '/me/openmedia/{mediaType}' : `${API}/me/${m.segment}`
      const item = `${list}/{id}`
      const p: Record<string, string> = m.media === 'openmedia' ? { mediaType: 'promotion' } : {}
      await ok({ user: 'agent1', method: 'GET', route: list, params: p })
      await ok({ user: 'agent1', method: 'GET', route: list, params: p, query: 'fields=*' })
      await ok({ user: 'agent1', method: 'GET', route: list, params: p, query: 'fields=id,state' })
      await ok({ user: 'agent1', method: 'GET', route: item, params: { ...p, id: own[m.media]! } })
      await send({
        user: 'agent2',
        method: 'GET',
        route: item,
        params: { ...p, id: own[m.media]! },
        expect: 404,
      })
    }
    await ok({
      user: 'admin1',
      method: 'GET',
      route: API + '/workitems/{id}',
      params: { id: own.workitem! },
    })
    await ok({
      user: 'agent1',
      method: 'GET',
      route: API + '/openmedia/{plural}/{id}',
      params: { plural: 'promotions', id: own.openmedia! },
    })
    for (const m of ['facebook', 'tweet', 'facebooksession']) {
      await ok({
        user: 'agent1',
        method: 'GET',
        route: API + '/social-medias/{id}',
        params: { id: own[m]! },
      })
    }
    await send({
      user: 'agent2',
      method: 'GET',
      route: API + '/social-medias/{id}',
      params: { id: own.tweet! },
      expect: 404,
    })
    // a workbin item's uri, read by someone who sees the workbin (not its handler)
    await ok({
      user: 'sup1',
      method: 'GET',
      route: API + '/workitems/{id}',
      params: { id: IX.workitem1 },
    })

    // --- operations on the caller's interactions, every variant on every media route
    for (const m of MEDIA) {
      const route =
        m.media === 'openmedia'
          ? `${API}/me/openmedia/{mediaType}/{id}`
          : `${API}/me/${m.segment}/{id}`
      const p: Record<string, string> = m.media === 'openmedia' ? { mediaType: 'promotion' } : {}
      const op = (user: string, id: string, body: object, expect = 200) =>
        send({ user, method: 'POST', route, params: { ...p, id }, body, expect })
      const handled = await create(m.media, { owner: 'agent1' })
      await op('agent1', handled, { operationName: 'AttachUserData', userData: { A: 1 } })
      await op('agent1', handled, { operationName: 'UpdateUserData', userData: { A: 'two' } })
      await op('agent1', handled, { operationName: 'DeleteUserData', keys: ['A'] })
      await op('agent1', handled, { operationName: 'Accept' }, 400)
      await op('agent1', handled, { operationName: 'Transfer' }, 400)
      await op('agent1', handled, {
        operationName: 'Transfer',
        targetUri: `${world.server.apiUrl}/users/${U.agent2}`,
      })
      const read = (id: string) =>
        ok({ user: 'admin1', method: 'GET', route: `${API}/interactions/{id}`, params: { id } })
      await read(handled) // invited by a transfer
      const completed = await create(m.media, { owner: 'agent1' })
      await op('agent1', completed, { operationName: 'Complete' })
      await op('agent1', completed, { operationName: 'Complete' }, 404)
      await read(completed)
      const requeued = await create(m.media, { owner: 'agent1' })
      await op('agent1', requeued, { operationName: 'PlaceInQueue', queueName: QUEUE.post.name })
      for (const answer of ['Accept', 'Reject']) {
        const id = await create(m.media, { queue: QUEUE.inbound.name })
        await ok(
          post('api1', '/interactions/{id}', { id }, { operationName: 'Offer', agent: 'agent1' }),
        )
        await op('agent1', id, { operationName: 'Complete' }, 400)
        await op('agent1', id, { operationName: answer })
      }
      await op('agent2', handled, { operationName: 'Reject' })
      await op('agent1', 'Unknown000000000', { operationName: 'Accept' }, 404)
      await op('agent1', handled, { operationName: 'Send' }, 400)
    }
    // Create of an interaction the caller handles
    const queueUri = `${world.server.apiUrl}/queues/${QUEUE.inbound.id}`
    await ok(
      post(
        'agent1',
        '/me/workitems',
        {},
        { operationName: 'Create', queueUri, userData: { C: 1 } },
      ),
    )
    await send({ ...post('agent1', '/me/workitems', {}, { operationName: 'Create' }), expect: 400 })
    await ok(
      post(
        'agent1',
        '/me/openmedia/{mediaType}',
        { mediaType: 'promotion' },
        { operationName: 'Create', queueUri },
      ),
    )
    await send({
      ...post(
        'agent1',
        '/me/openmedia/{mediaType}',
        { mediaType: 'promotion' },
        { operationName: 'Create', queueUri: 'x' },
      ),
      expect: 400,
    })

    // --- the integration endpoint
    const created = await ok(
      post(
        'api1',
        '/interactions',
        {},
        {
          operationName: 'Create',
          id: 'Integration00001',
          mediaType: 'email',
          userData: { Subject: 'Parcel' },
          extra: { subject: 'Parcel', from: 'c@example.com' },
          workbin: { id: WB.team, agentGroup: 'Sales' },
        },
      ),
    )
    assert.equal(created.id, 'Integration00001')
    await send({
      ...post(
        'api1',
        '/interactions',
        {},
        { operationName: 'Create', id: 'Integration00001', mediaType: 'email', queue: 'Inbound' },
      ),
      expect: 409,
    })
    await send({
      ...post(
        'api1',
        '/interactions',
        {},
        { operationName: 'Create', mediaType: 'fax', queue: 'Inbound' },
      ),
      expect: 400,
    })
    await send({
      ...post(
        'agent1',
        '/interactions',
        {},
        { operationName: 'Create', mediaType: 'email', queue: 'Inbound' },
      ),
      expect: 403,
    })
    const ixRoute = API + '/interactions/{id}'
    for (const id of ['Integration00001', own.email!, own.openmedia!]) {
      await ok({ user: 'admin1', method: 'GET', route: ixRoute, params: { id } })
    }
    const queued = await create('workitem', { queue: QUEUE.inbound.name })
    await ok({ user: 'api1', method: 'GET', route: ixRoute, params: { id: queued } })
    await send({
      user: 'admin1',
      method: 'GET',
      route: ixRoute,
      params: { id: 'Unknown000000000' },
      expect: 404,
    })
    await send({
      user: 'agent1',
      method: 'GET',
      route: ixRoute,
      params: { id: queued },
      expect: 403,
    })
    await ok(
      post(
        'api1',
        '/interactions/{id}',
        { id: 'Integration00001' },
        { operationName: 'UpdateUserData', userData: { P: 1 } },
      ),
    )
    await ok(
      post(
        'api1',
        '/interactions/{id}',
        { id: 'Integration00001' },
        { operationName: 'DeleteUserData', keys: ['P'] },
      ),
    )
    await send({
      ...post(
        'api1',
        '/interactions/{id}',
        { id: 'Integration00001' },
        { operationName: 'Offer', agent: 'agent1' },
      ),
      expect: 400,
    })
    await ok(
      post(
        'admin1',
        '/interactions/{id}',
        { id: queued },
        { operationName: 'Offer', agent: 'agent2' },
      ),
    )
    await ok({ user: 'admin1', method: 'GET', route: ixRoute, params: { id: queued } })
    await send({
      ...post(
        'agent1',
        '/interactions/{id}',
        { id: queued },
        { operationName: 'Offer', agent: 'agent1' },
      ),
      expect: 403,
    })

    // --- the end of the day, then failed logins until the name is throttled
    await ok(post('agent1', '/me', {}, { operationName: 'EndContactCenterSession' }))
    await ok(post('agent1', '/me', {}, { operationName: 'Logout' }))
    await send({ user: 'agent1', method: 'GET', route: me, expect: 401 })
    const wrong = new ApiClient(world.server.apiUrl, 'agent3', `${PASSWORD}-wrong`)
    for (const expect of [401, 401, 429]) {
      const res = await wrong.get('/features')
      seen.push({ call: { user: 'agent3', method: 'GET', route: API + '/features', expect }, res })
    }
  })

  test('every reply has the status its scenario meant', () => {
    const wrong = seen
      .filter((s) => s.res.status !== s.call.expect)
      .map(
        (s) =>
          `${s.call.method} ${s.call.route} ${JSON.stringify(s.call.body ?? null)}: ${s.res.status}, meant ${s.call.expect} ${excerpt(s.res.body)}`,
      )
    assert.deepEqual(wrong, [])
  })

  /** The validator of a response schema, by its JSON pointer in the document. */
  const validators = new Map<string, ValidateFunction>()
  function validatorOf(route: string, method: string, status: string, type: string) {
    const pointer = ['paths', route, method, 'responses', status, 'content', type, 'schema']
      .map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1'))
      .join('/')
    const key = `openapi.json#/${pointer}`
    let validate = validators.get(key)
    if (!validate) {
      validate = ajv.getSchema(key)
      assert.ok(validate, key)
      validators.set(key, validate)
    }
    return validate
  }

  test('every reply is documented: its status, content type and body', () => {
    // problem → how many replies had it, and the first one's body
    const problems = new Map<string, { count: number; body: unknown }>()
    const report = (problem: string, body: unknown) => {
      const p = problems.get(problem)
      if (p) p.count++
      else problems.set(problem, { count: 1, body })
    }
    for (const { call, res } of seen) {
      const method = call.method.toLowerCase()
      const where = `${call.method} ${call.route} → ${res.status}`
      const op = doc.paths[call.route]?.[method]
      if (!op) {
        report(`${where}: no such operation in the document`, res.body)
        continue
      }
      const response = op.responses[String(res.status)]
      if (!response) {
        report(
          `${where}: status not documented (${Object.keys(op.responses).join(', ')})`,
          res.body,
        )
        continue
      }
      const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim()
      if (!response.content?.[type]) {
        report(`${where}: content type ${type} not documented`, res.body)
        continue
      }
      const validate = validatorOf(call.route, method, String(res.status), type)
      if (!validate(res.body)) report(`${where}: ${errorsText(validate.errors)}`, res.body)
    }
    const lines = [...problems].map(
      ([problem, { count, body }]) => `${problem} (${count}×), e.g. ${excerpt(body)}`,
    )
    assert.equal(lines.length, 0, `\n${lines.join('\n')}`)
    // the validator does look: an error reply without statusMessage is refused
    assert.equal(
      validatorOf(API + '/me', 'get', '404', 'application/json')({ statusCode: 6 }),
      false,
    )
  })

  test('every documented example matches its schema', () => {
    const wrong: string[] = []
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          for (const [type, media] of Object.entries(response.content ?? {})) {
            if (media.example === undefined) continue
            const validate = validatorOf(path, method, status, type)
            if (!validate(media.example)) {
              wrong.push(`${method} ${path} ${status}: ${errorsText(validate.errors)}`)
            }
          }
        }
      }
    }
    assert.deepEqual(wrong, [])
  })

  test('covers every documented route and every operationName variant', () => {
    const sent = new Set(seen.map((s) => `${s.call.method} ${s.call.route}`))
    const variants = new Set(
      seen.map(
        (s) => `${s.call.route} ${(s.call.body as { operationName?: string })?.operationName}`,
      ),
    )
    const missing: string[] = []
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!sent.has(`${method.toUpperCase()} ${path}`)) missing.push(`${method} ${path}`)
        const oneOf = op.requestBody?.content['application/json']?.schema.oneOf ?? []
        for (const v of oneOf) {
          if (!variants.has(`${path} ${v.title}`)) missing.push(`${method} ${path} ${v.title}`)
        }
      }
    }
    assert.deepEqual(missing, [])
  })
})

function errorsText(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`)
    .join('; ')
}

function excerpt(body: unknown): string {
  const text = JSON.stringify(body) ?? String(body)
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}
