// The AsyncAPI document of the CometD side (src/http/asyncapi.ts, docs/operations.md):
// served without credentials, valid for the official AsyncAPI parser, covering every message
// type the domain sends, and describing what a running server really sends: messages captured
// with the official CometD client (subscribe, put, pull, stats, failed unsubscribe, supervisor
// copies) and the meta replies are checked against the payload schemas of the document.

import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser'
import { Ajv, type ValidateFunction } from 'ajv'
import { CHANNELS_CHANNEL } from '../../src/workbins/channels.ts'
import { MEDIA_CHANNELS } from '../../src/workbins/interaction-events.ts'
import { WORKBINS_CHANNEL } from '../../src/workbins/notifier.ts'
import { assertAccepted } from '../helpers/assert.ts'
import { basic, handshake, inbox, newClient, subscribe, type Message } from '../helpers/cometd.ts'
import { IX, WB } from '../helpers/fixtures/content.ts'
import { PASSWORD, U } from '../helpers/fixtures/users.ts'
import { World, type Data, type Listener } from '../helpers/world.ts'

const PATH = '/api/v2/asyncapi.json'

async function fetchDocument(base: string): Promise<Response> {
  return fetch(`${base}${PATH}`)
}

/** A validator per message name, from the parsed (dereferenced) document. */
function validators(doc: AsyncAPIDocumentInterface): Map<string, ValidateFunction> {
  const ajv = new Ajv({ strict: false, allErrors: true })
  const out = new Map<string, ValidateFunction>()
  for (const m of doc.messages().all()) {
    const name = m.name()
    const schema = m.payload()?.json()
    assert.ok(name && schema, `message ${m.id()} has a name and a payload`)
    out.set(name, ajv.compile(schema as object))
  }
  return out
}

function check(v: Map<string, ValidateFunction>, name: string, payload: unknown): void {
  const validate = v.get(name)
  assert.ok(validate, `message ${name} is documented`)
  assert.ok(
    validate(payload),
    `${name} ${JSON.stringify(payload)}: ${JSON.stringify(validate.errors)}`,
  )
}

describe('AsyncAPI document', () => {
  let w: World
  let served: Record<string, unknown>
  let doc: AsyncAPIDocumentInterface
  let v: Map<string, ValidateFunction>

  before(async () => {
    w = await World.start()
    const res = await fetchDocument(w.server.url)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    served = (await res.json()) as Record<string, unknown>
    const parsed = await new Parser().parse(JSON.stringify(served))
    // severity 0 = error, 1 = warning
    const serious = parsed.diagnostics.filter((d) => d.severity <= 1)
    assert.deepEqual(
      serious.map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`),
      [],
      'the AsyncAPI parser finds no error or warning',
    )
    assert.ok(parsed.document)
    doc = parsed.document
    v = validators(doc)
  })
  after(() => w.close())

  it('is served without credentials while the rest of /api/v2 still needs them', async () => {
    assert.equal(served.asyncapi, '3.0.0')
    const me = await fetch(`${w.server.apiUrl}/me`)
    assert.equal(me.status, 401)
  })

  it('names this server on both transports with their authentication', () => {
    const host = new URL(w.server.url).host
    const servers = doc.servers().all()
    assert.deepEqual(servers.map((s) => s.protocol()).sort(), ['http', 'ws'])
    for (const s of servers) {
      assert.equal(s.host(), host)
      assert.equal(s.pathname(), '/api/v2/notifications')
      assert.match(s.description() ?? '', /Bayeux 1\.0/)
      const schemes = s
        .security()
        .flatMap((req) => req.all().map((r) => r.scheme().type()))
        .sort()
      assert.deepEqual(schemes, ['http', 'httpApiKey'])
    }
  })

  it('documents /v2/me/workbins with its wildcard rules and the meta channels', () => {
    const addresses = doc
      .channels()
      .all()
      .map((c) => c.address())
    for (const a of [
      WORKBINS_CHANNEL,
      '/meta/handshake',
      '/meta/connect',
      '/meta/subscribe',
      '/meta/unsubscribe',
      '/meta/disconnect',
    ]) {
      assert.ok(addresses.includes(a), `channel ${a}`)
    }
    const workbins = doc
      .channels()
      .all()
      .find((c) => c.address() === WORKBINS_CHANNEL)
    assert.match(workbins?.description() ?? '', /\/v2\/me\/\*\*/)
  })

  it('has every channel and messageType the domain sends', async () => {
    const addresses = doc
      .channels()
      .all()
      .map((c) => c.address())
    const CHANNEL_CONSTANTS: Record<string, string> = {
      WORKBINS_CHANNEL,
      CHANNELS_CHANNEL,
    }
    const dir = new URL('../../src/workbins/', import.meta.url)
    const sent = new Set<string>()
    let deliveries = 0
    for (const f of await readdir(dir)) {
      if (!f.endsWith('.ts')) continue
      const text = await readFile(new URL(f, dir), 'utf8')
      // interaction-events.ts delivers on the media channels, checked below
      const media = f === 'interaction-events.ts'
      if (!media) for (const m of text.matchAll(/messageType: '(\w+)'/g)) sent.add(m[1] as string)
      // Every delivery goes to a documented channel.
      for (const m of text.matchAll(/deliverToUser\(\s*[\w.]+,\s*([^,]+),/g)) {
        if (media) {
          assert.equal(m[1], 'channel', `${f} delivers on ${m[1]}`)
        } else {
          const address = CHANNEL_CONSTANTS[m[1] as string]
          assert.ok(address && addresses.includes(address), `${f} delivers on ${m[1]}`)
        }
        deliveries++
      }
      // Log entries (src/store/notification-log.ts) name their channel the same way.
      for (const m of text.matchAll(/channel: ([A-Z_]+)[,\s}]/g)) {
        const address = CHANNEL_CONSTANTS[m[1] as string]
        assert.ok(address && addresses.includes(address), `${f} writes an entry on ${m[1]}`)
        deliveries++
      }
    }
    assert.ok(sent.size >= 3, `found ${[...sent].join(', ')}`)
    assert.ok(deliveries >= 3, `found ${deliveries} deliveries`)
    const onChannel = doc
      .channels()
      .all()
      .flatMap((c) => c.messages().all())
      .map((m) => m.name())
    for (const t of sent) assert.ok(onChannel.includes(t), `${t} documented on a channel`)
    for (const { channel, messageType } of Object.values(MEDIA_CHANNELS)) {
      const c = doc
        .channels()
        .all()
        .find((x) => x.address() === channel)
      const names = (c?.messages().all() ?? []).map((m) => m.name())
      assert.ok(names.includes(messageType), `${messageType} documented on ${channel}`)
    }
  })

  it('every message has an example that matches its payload schema', () => {
    for (const m of doc.messages().all()) {
      const examples = m.examples().all()
      assert.ok(examples.length > 0, `${m.name()} has an example`)
      for (const e of examples) check(v, m.name() as string, e.payload())
    }
  })

  it('the schemas reject what the server never sends', () => {
    const bad: [string, unknown][] = [
      [
        'WorkbinSubscriptionStateChangeMessage',
        {
          messageType: 'WorkbinSubscriptionStateChangeMessage',
          id: 'x',
          stateResource: 'Maybe',
          referenceId: 1,
        },
      ],
      [
        'WorkbinSubscriptionStateChangeMessage',
        {
          messageType: 'WorkbinSubscriptionStateChangeMessage',
          id: 'x',
          stateResource: 'Subscribed',
          referenceId: 1,
          extra: 1,
        },
      ],
      [
        'WorkbinStateChangeMessage',
        { messageType: 'WorkbinStateChangeMessage', action: 'ItemAdded', id: 'x' },
      ],
      [
        'WorkbinStatsMessage',
        {
          messageType: 'WorkbinStatsMessage',
          referenceId: 1,
          workbinStats: { x: { Count: -1, Owner: 'o', Type: 'Agent' } },
        },
      ],
    ]
    for (const [name, payload] of bad) {
      assert.equal(v.get(name)?.(payload), false, `${name} rejects ${JSON.stringify(payload)}`)
    }
  })

  it('real messages from the server match the document (long-polling and websocket)', async () => {
    // agent1 by hand with the ack extension, to check the meta replies too.
    const client = newClient(w.server.cometdUrl, {
      ack: true,
      headers: { Authorization: basic('agent1', PASSWORD) },
    })
    const connects: Message[] = []
    client.addListener('/meta/connect', (m: Message) => connects.push(m))
    const hs = await handshake(client)
    check(v, 'HandshakeReply', hs)
    const box = await inbox(client, WORKBINS_CHANNEL)
    const ada: Pick<Listener, 'next'> = {
      async next() {
        const m = await box.next(3000)
        assert.equal(m.channel, WORKBINS_CHANNEL)
        return m.data as Data
      },
    }
    const sue = await w.listen('sup1', 'websocket')
    const seen: Data[] = []
    const take = async (l: Pick<Listener, 'next'>): Promise<Data> => {
      const d = await l.next()
      check(v, d.messageType as string, d)
      seen.push(d)
      return d
    }
    try {
      const later = `/me/workbins/${WB.later}`
      const team = `/me/workbins/${WB.team}?agentGroup=Sales`
      assertAccepted(await w.api('agent1').post(later, { operationName: 'Subscribe' }))
      await take(ada)
      assertAccepted(await w.api('agent1').post(team, { operationName: 'Subscribe' }))
      await take(ada)
      const watched = `/users/${U.agent1}/workbins/${WB.later}`
      assertAccepted(await w.api('sup1').post(watched, { operationName: 'Subscribe' }))
      assert.equal((await take(sue)).workbinUserId, U.agent1)
      const watchedTeam = `/users/${U.agent1}/workbins/${WB.team}?agentGroup=Sales`
      assertAccepted(await w.api('sup1').post(watchedTeam, { operationName: 'Subscribe' }))
      assert.equal((await take(sue)).agentGroup, 'Sales')

      const add = { operationName: 'AddEmail', id: IX.email1 }
      assertAccepted(await w.api('agent1').post(later, add))
      assert.ok((await take(ada)).emailStateResourceV2)
      assert.equal((await take(sue)).workbinUserId, U.agent1)

      const pull = { operationName: 'PullWorkitem', id: IX.workitem1 }
      assertAccepted(await w.api('agent1').post(team, pull))
      assert.equal((await take(ada)).action, 'ItemRemoved')
      assert.equal((await take(sue)).agentGroup, 'Sales')

      assertAccepted(
        await w.api('agent1').post('/workbins', { operationName: 'RequestAgentStats' }),
      )
      assert.equal((await take(ada)).messageType, 'WorkbinStatsMessage')

      assertAccepted(await w.api('sup1').post(later, { operationName: 'Unsubscribe' }))
      assert.equal((await take(sue)).stateResource, 'RequestFailed')
      assertAccepted(await w.api('sup1').post(watched, { operationName: 'Unsubscribe' }))
      assert.equal((await take(sue)).stateResource, 'Unsubscribed')

      const kinds = new Set(
        seen.map((d) => `${d.messageType}/${d.stateResource ?? d.action ?? ''}`),
      )
      assert.deepEqual([...kinds].sort(), [
        'WorkbinStateChangeMessage/ItemAdded',
        'WorkbinStateChangeMessage/ItemRemoved',
        'WorkbinStatsMessage/',
        'WorkbinSubscriptionStateChangeMessage/RequestFailed',
        'WorkbinSubscriptionStateChangeMessage/Subscribed',
        'WorkbinSubscriptionStateChangeMessage/Unsubscribed',
      ])

      // Each example has the shape of a real message: same keys, same keys of the interaction.
      const shape = (d: Data): string =>
        Object.keys(d)
          .sort()
          .map((k) => {
            const inner = d[k]
            if (!k.endsWith('StateResourceV2') || typeof inner !== 'object' || inner === null)
              return k
            return `${k}{${Object.keys(inner).sort().join(',')}}`
          })
          .join(',')
      const real = new Set(seen.map(shape))
      for (const m of doc.channels().get('workbins')?.messages().all() ?? []) {
        for (const e of m.examples().all()) {
          const ex = shape(e.payload() as Data)
          assert.ok(
            real.has(ex),
            `example ${m.name()}/${e.name()} ${ex} not among ${[...real].join(' | ')}`,
          )
        }
      }

      check(v, 'SubscribeReply', await subscribe(client, '/v2/me/**'))
      assert.ok(connects.length > 0)
      for (const c of connects) check(v, 'ConnectReply', c)
    } finally {
      await new Promise<void>((resolve) => {
        client.disconnect((m: Message) => {
          check(v, 'DisconnectReply', m)
          resolve()
        })
      })
    }
  })
})
