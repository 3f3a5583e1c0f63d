// Long-polling clients without the ack extension whose requests alternate between the nodes of a
// cluster (docs/cluster.md, "No stickiness: who holds a session"): every connect lands on the
// node that does not hold the session, so every connect is a move. Each message must arrive,
// at most twice, and the client must not spin: before the node giving up a session told the
// taker where its last reply left the client, each taker started from the stored position
// (written behind, so behind that reply) and answered at once with messages the client had,
// and the client came straight back: hundreds of copies of each message, thousands of polls a
// second. A raw Bayeux client switching node on every request, and the official client behind
// a round-robin forwarder; a raw client staying on one node says what the user's feed holds.

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Message } from 'cometd'
import { LATER, crashDocument, interactionId } from '../helpers/crash-load.ts'
import { disconnect, handshake, newClient, subscribe } from '../helpers/cometd.ts'
import { ApiClient } from '../helpers/http.ts'
import { PASSWORD } from '../helpers/fixtures/users.ts'
import { Cluster, RoundRobin, redisSkipReason } from '../helpers/cluster.ts'
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.ts'
import { until } from '../helpers/wait.ts'

const skip = (await postgresSkipReason()) ?? (await redisSkipReason())

/** Put and pull of one work item, each telling the user on two channels. */
const OPERATIONS = 16
/** The most times a message may arrive (docs/cluster.md: "may get a message twice"). */
const MAX_COPIES = 2

type Msg = Record<string, unknown> & { ext?: { seq?: number } }

/** Deliveries per message number (`ext.seq`) on the user's channels. */
/** OPERATIONS puts and pulls of one item, 150 ms apart (two messages each); `midway` halfway. */
async function putAndPull(api: ApiClient, midway?: () => Promise<void>): Promise<void> {
  for (let i = 0; i < OPERATIONS; i++) {
    if (i === OPERATIONS / 2) await midway?.()
    const r = await api.request('POST', `/me/workbins/${LATER}`, {
      operationName: i % 2 === 0 ? 'AddWorkitem' : 'PullWorkitem',
      id: interactionId(0, 0),
    })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    await new Promise((r) => setTimeout(r, 150))
  }
}

class Tally {
  readonly copies = new Map<number, number>()

  count(m: { channel?: unknown; ext?: unknown }): void {
    const seq = (m.ext as { seq?: unknown } | undefined)?.seq
    if (
      typeof m.channel === 'string' &&
      m.channel.startsWith('/v2/me/') &&
      typeof seq === 'number'
    ) {
      this.copies.set(seq, (this.copies.get(seq) ?? 0) + 1)
    }
  }

  get deliveries(): number {
    let n = 0
    for (const c of this.copies.values()) n += c
    return n
  }

  get most(): number {
    return Math.max(0, ...this.copies.values())
  }

  has(seqs: Iterable<number>): boolean {
    for (const s of seqs) if (!this.copies.has(s)) return false
    return true
  }
}

/**
 * A raw long-polling client: the n-th request to `nodes[n % nodes.length]`, skipping a node
 * that failed a request (it died): that request is sent again to the next node.
 */
class RawClient {
  readonly tally = new Tally()
  requests = 0
  clientId = ''
  readonly down = new Set<string>()
  #browser = ''
  #stop = false
  #loop: Promise<void> | undefined

  constructor(
    private readonly nodes: string[],
    private readonly jsessionId: string,
  ) {}

  async post(messages: object[]): Promise<Msg[]> {
    for (;;) {
      const base = this.nodes[this.requests++ % this.nodes.length] as string
      if (this.down.has(base)) continue
      const cookie = `JSESSIONID=${this.jsessionId}${this.#browser ? `; BAYEUX_BROWSER=${this.#browser}` : ''}`
      let res: Response
      try {
        res = await fetch(`${base}/api/v2/notifications`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Cookie: cookie },
          body: JSON.stringify(messages),
        })
      } catch (err) {
        if (this.down.size + 1 >= this.nodes.length) throw err
        this.down.add(base)
        continue
      }
      for (const set of res.headers.getSetCookie()) {
        const b = /^BAYEUX_BROWSER=([^;]*)/.exec(set)
        if (b) this.#browser = b[1] as string
      }
      assert.equal(res.status, 200)
      const out = (await res.json()) as Msg[]
      for (const m of out) this.tally.count(m)
      return out
    }
  }

  async start(): Promise<void> {
    const [h] = await this.post([
      { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
    ])
    assert.equal(h?.successful, true, JSON.stringify(h))
    this.clientId = h?.clientId as string
    const [s] = await this.post([
      { channel: '/meta/subscribe', clientId: this.clientId, subscription: '/v2/me/*' },
    ])
    assert.equal(s?.successful, true, JSON.stringify(s))
    this.#loop = (async () => {
      while (!this.#stop) {
        const replies = await this.post([
          { channel: '/meta/connect', clientId: this.clientId, connectionType: 'long-polling' },
        ])
        const r = replies.find((m) => m.channel === '/meta/connect')
        assert.equal(r?.successful, true, JSON.stringify(r))
      }
    })()
  }

  async stop(): Promise<void> {
    this.#stop = true
    await this.#loop
    await this.post([{ channel: '/meta/disconnect', clientId: this.clientId }])
  }
}

describe(
  'long polling without the ack extension, every request to another node',
  { skip, timeout: 120_000 },
  () => {
    let db: TestDatabase
    let dir: string
    let cluster: Cluster
    let front: RoundRobin

    before(async () => {
      db = await createTestDatabase()
      dir = await mkdtemp(join(tmpdir(), 'workbins-lp-moves-'))
      const doc = join(dir, 'cluster.json')
      await writeFile(doc, JSON.stringify(crashDocument(1)))
      cluster = new Cluster(2, {
        WORKBINS_DB: db.url,
        WORKBINS_PROVISION: doc,
        COMETD_TIMEOUT: '1500',
        COMETD_MAX_SESSIONS_PER_BROWSER: '-1',
        // The default: acknowledged positions are stored up to a second late.
        WORKBINS_SESSION_SYNC_MS: '1000',
        WORKBINS_LOG_LEVEL: 'warn',
      })
      await cluster.start()
      front = new RoundRobin(cluster.nodes.map((n) => n.port))
      await front.listen()
    })

    after(async () => {
      await front?.close()
      await cluster?.stop()
      await db?.drop()
      if (dir) await rm(dir, { recursive: true, force: true })
    })

    test('each message arrives, at most twice, and the client polls about once per change', async (t) => {
      const [a, b] = cluster.nodes.map((n) => n.base) as [string, string]
      const api = new ApiClient(`${a}/api/v2`, 'crash0', PASSWORD)
      assert.equal((await api.request('GET', '/me')).status, 200)
      const jsessionId = api.cookies.get('JSESSIONID') as string
      assert.ok(jsessionId)
      const s = await api.request('POST', `/me/workbins/${LATER}`, { operationName: 'Subscribe' })
      assert.equal(s.status, 200, JSON.stringify(s.body))

      const moving = new RawClient([a, b], jsessionId)
      const staying = new RawClient([a], jsessionId)
      const official = newClient(`${front.base}/api/v2/notifications`, {
        transport: 'long-polling',
        ack: false,
        headers: { Cookie: `JSESSIONID=${jsessionId}` },
      })
      const officialTally = new Tally()
      await moving.start()
      await staying.start()
      await handshake(official)
      await subscribe(official, '/v2/me/*', (m: Message) => officialTally.count(m))
      // The first polls: every session is past its first connect and held somewhere.
      await new Promise((r) => setTimeout(r, 500))
      const movingBefore = moving.requests
      const frontBefore = front.counts.reduce((x, y) => x + y, 0)

      try {
        await putAndPull(api)
        // What the feed holds since the clients subscribed: the client on one node gets each once.
        await until(
          'the client on one node has every change',
          () => staying.tally.copies.size >= OPERATIONS * 2,
        )
        const seqs = [...staying.tally.copies.keys()]
        await until(
          'the moving clients have every message',
          () => moving.tally.has(seqs) && officialTally.has(seqs),
          15_000,
        )
        // Anything still coming back around would show now.
        await new Promise((r) => setTimeout(r, 1000))
      } finally {
        await Promise.allSettled([moving.stop(), staying.stop(), disconnect(official)])
      }

      const seqs = [...staying.tally.copies.keys()]
      const movingRequests = moving.requests - movingBefore
      const officialRequests = front.counts.reduce((x, y) => x + y, 0) - frontBefore
      t.diagnostic(
        `${seqs.length} messages; raw client alternating nodes: ${moving.tally.deliveries} deliveries ` +
          `(most ${moving.tally.most} of one), ${movingRequests} requests; official client behind ` +
          `the round-robin forwarder: ${officialTally.deliveries} deliveries (most ` +
          `${officialTally.most}), ${officialRequests} requests`,
      )
      assert.equal(staying.tally.most, 1, 'the client on one node gets each message once')
      for (const [name, tally] of [
        ['raw client alternating nodes', moving.tally],
        ['official client behind the forwarder', officialTally],
      ] as const) {
        const missing = seqs.filter((q) => !tally.copies.has(q))
        assert.deepEqual(missing, [], `${name}: nothing lost`)
        const over = [...tally.copies].filter(([, n]) => n > MAX_COPIES)
        assert.deepEqual(over, [], `${name}: no message more than ${MAX_COPIES} times`)
      }
      // No loop: a poll is answered when something happens (a change, the hold's end), not at once.
      // Each operation tells two channels, usually in one reply: about one poll per operation, plus
      // those ending their hold; a client going round in circles makes thousands.
      const bound = seqs.length * 2
      assert.ok(movingRequests <= bound, `raw client: ${movingRequests} requests, at most ${bound}`)
      assert.ok(
        officialRequests <= bound,
        `official client: ${officialRequests} requests, at most ${bound}`,
      )
    })

    test('the node holding the session dies: the other goes on from the stored position, nothing lost', async (t) => {
      const [a, b] = cluster.nodes.map((n) => n.base) as [string, string]
      const api = new ApiClient(`${a}/api/v2`, 'crash0', PASSWORD)
      assert.equal((await api.request('GET', '/me')).status, 200)
      const jsessionId = api.cookies.get('JSESSIONID') as string
      const moving = new RawClient([a, b], jsessionId)
      const staying = new RawClient([a], jsessionId)
      await moving.start()
      await staying.start()
      await new Promise((r) => setTimeout(r, 500))
      try {
        // Midway, node B dies with no warning: it held the session, or had just answered it.
        await putAndPull(api, () => (cluster.nodes[1] as (typeof cluster.nodes)[0]).kill9())
        await until(
          'the client on node A has every change',
          () => staying.tally.copies.size >= OPERATIONS * 2,
        )
        const seqs = [...staying.tally.copies.keys()]
        await until('the moving client has every message', () => moving.tally.has(seqs), 15_000)
        await new Promise((r) => setTimeout(r, 1000))
      } finally {
        await Promise.allSettled([moving.stop(), staying.stop()])
      }
      const seqs = [...staying.tally.copies.keys()]
      t.diagnostic(
        `${seqs.length} messages; the moving client: ${moving.tally.deliveries} deliveries ` +
          `(most ${moving.tally.most} of one), node B ${moving.down.has(b) ? 'failed a request' : 'never failed a request'}`,
      )
      assert.deepEqual(
        seqs.filter((q) => !moving.tally.copies.has(q)),
        [],
        'nothing lost',
      )
      const over = [...moving.tally.copies].filter(([, n]) => n > MAX_COPIES)
      assert.deepEqual(over, [], `no message more than ${MAX_COPIES} times`)
    })
  },
)
