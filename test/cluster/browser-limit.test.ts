// COMETD_MAX_SESSIONS_PER_BROWSER over a cluster (docs/cluster.md, "Session limits"): two
// sessions of one browser (one BAYEUX_BROWSER cookie, as two tabs) polling through two nodes
// get what they would get from one server: one long poll is held, the other is told
// `multiple-clients` and polls at an interval; when the first session ends, the other is held.
// Tabs without the cookie (a page on another site, Basic on every request) are bound by their
// credentials on every node and each counts as a browser of its own.
// Raw Bayeux over fetch, so that which node sees which request is exact.

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { crashDocument } from '../helpers/crash-load.ts'
import { PASSWORD } from '../helpers/fixtures/users.ts'
import { Cluster, redisSkipReason } from '../helpers/cluster.ts'
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.ts'

const skip = (await postgresSkipReason()) ?? (await redisSkipReason())
const HOLD_MS = 1500

type Reply = Record<string, unknown> & { advice?: Record<string, unknown> }

/**
 * One tab: a session on one node, with the browser's cookie jar (null: a page on another site,
 * whose browser never sends the cookie back; Basic on every request binds its session).
 */
class Tab {
  clientId = ''
  constructor(
    public base: string,
    private readonly jar: { cookie: string } | null,
    public user = 'crash0',
  ) {}

  async post(messages: object[]): Promise<Reply[]> {
    const res = await fetch(`${this.base}/api/v2/notifications`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from(`${this.user}:${PASSWORD}`).toString('base64')}`,
        ...(this.jar?.cookie ? { Cookie: this.jar.cookie } : {}),
      },
      body: JSON.stringify(messages),
    })
    const set = res.headers.get('set-cookie')
    const browser = set && /BAYEUX_BROWSER=[^;]+/.exec(set)
    if (browser && this.jar) this.jar.cookie = browser[0]
    assert.equal(res.status, 200)
    return (await res.json()) as Reply[]
  }

  async handshake(): Promise<void> {
    const [r] = await this.post([
      { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
    ])
    assert.equal(r?.successful, true, JSON.stringify(r))
    this.clientId = r?.clientId as string
  }

  /** One /meta/connect; resolves with its reply and how long the server held it. */
  async connect(): Promise<{ reply: Reply; ms: number }> {
    const start = Date.now()
    const replies = await this.post([
      { channel: '/meta/connect', clientId: this.clientId, connectionType: 'long-polling' },
    ])
    const reply = replies.find((m) => m.channel === '/meta/connect') as Reply
    assert.equal(reply.successful, true, JSON.stringify(reply))
    return { reply, ms: Date.now() - start }
  }

  async disconnect(): Promise<void> {
    await this.post([{ channel: '/meta/disconnect', clientId: this.clientId }])
  }
}

describe('the per-browser limit over a cluster', { skip, timeout: 120_000 }, () => {
  let db: TestDatabase
  let dir: string
  let cluster: Cluster

  before(async () => {
    db = await createTestDatabase()
    dir = await mkdtemp(join(tmpdir(), 'workbins-browser-'))
    const doc = join(dir, 'cluster.json')
    await writeFile(doc, JSON.stringify(crashDocument(2)))
    cluster = new Cluster(2, {
      WORKBINS_DB: db.url,
      WORKBINS_PROVISION: doc,
      COMETD_TIMEOUT: String(HOLD_MS),
      COMETD_MAX_SESSIONS_PER_BROWSER: '1',
      COMETD_MULTI_SESSION_INTERVAL: '500',
      WORKBINS_LOG_LEVEL: 'warn',
    })
    await cluster.start()
  })

  after(async () => {
    await cluster?.stop()
    await db?.drop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  test('two tabs on two nodes: one poll held, the other told multiple-clients, until it ends', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]]
    const jar = { cookie: '' }
    const first = new Tab(a.base, jar)
    await first.handshake()
    assert.ok(jar.cookie, 'the browser has its cookie')
    const second = new Tab(b.base, jar)
    await second.handshake()
    await first.connect() // the first connect is never held
    const held = first.connect() // held on node A
    await new Promise((r) => setTimeout(r, 300)) // the announcement crosses the bus
    await second.connect()
    const told = await second.connect()
    assert.equal(told.reply.advice?.['multiple-clients'], true, JSON.stringify(told.reply))
    assert.ok(told.ms < HOLD_MS / 2, `answered at once, not held (${told.ms} ms)`)
    const h = await held
    assert.ok(h.ms >= HOLD_MS * 0.8, `node A held its poll (${h.ms} ms)`)
    assert.equal(h.reply.advice?.['multiple-clients'], undefined)
    // The first tab closes: its node says so, and the second tab's poll is held again.
    await first.disconnect()
    await new Promise((r) => setTimeout(r, 300))
    const after = await second.connect()
    assert.equal(after.reply.advice?.['multiple-clients'], undefined, JSON.stringify(after.reply))
    assert.ok(after.ms >= HOLD_MS * 0.8, `held once alone (${after.ms} ms)`)
    await second.disconnect()
  })

  test('cookie-less tabs with Basic: bound on every node, each counted as a browser of its own', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]]
    const first = new Tab(a.base, null)
    const second = new Tab(b.base, null)
    await first.handshake()
    await second.handshake()
    // Each session moves to the other node: restored there from the store, bound by Basic.
    first.base = b.base
    second.base = a.base
    await first.connect()
    await second.connect()
    // Another user's credentials reach neither, on either node.
    for (const base of [a.base, b.base]) {
      const stranger = new Tab(base, null, 'crash1')
      stranger.clientId = first.clientId
      await assert.rejects(stranger.connect(), /402::session_unknown/)
    }
    // With a limit of 1 per browser, both polls are held: no cookie, no shared browser.
    const [h1, h2] = await Promise.all([first.connect(), second.connect()])
    for (const h of [h1, h2]) {
      assert.equal(h.reply.advice?.['multiple-clients'], undefined, JSON.stringify(h.reply))
      assert.ok(h.ms >= HOLD_MS * 0.8, `held (${h.ms} ms)`)
    }
    await first.disconnect()
    await second.disconnect()
  })
})
