// Several nodes behave as one server (docs/cluster.md): two server processes on one PostgreSQL
// database and the local Redis, behind a forwarder that sends every request to the other node
// (no stickiness). Agents on long-polling (with and without the ack extension) and websocket
// keep their clientIds, get their numbered messages without a gap and every referenceId,
// while the nodes' bus subscriptions are killed on the Redis server mid-run.

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Message } from 'cometd'
import {
  Agent,
  type AgentKind,
  LATER,
  TEAM,
  crashDocument,
  endLoad,
} from '../helpers/crash-load.ts'
import { basic, handshake, newClient } from '../helpers/cometd.ts'
import { ApiClient } from '../helpers/http.ts'
import { PASSWORD } from '../helpers/fixtures/users.ts'
import { Cluster, RoundRobin, redisSkipReason } from '../helpers/cluster.ts'
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.ts'
import { until } from '../helpers/wait.ts'

const KINDS: AgentKind[] = [
  { transport: 'long-polling', ack: true },
  { transport: 'long-polling', ack: false },
  { transport: 'websocket', ack: true },
]
const AGENTS = 6

const skip = (await postgresSkipReason()) ?? (await redisSkipReason())

describe('a cluster of two nodes', { skip, timeout: 180_000 }, () => {
  let db: TestDatabase
  let dir: string
  let cluster: Cluster
  let front: RoundRobin

  before(async () => {
    db = await createTestDatabase()
    dir = await mkdtemp(join(tmpdir(), 'workbins-cluster-'))
    const doc = join(dir, 'cluster.json')
    await writeFile(doc, JSON.stringify(crashDocument(AGENTS)))
    cluster = new Cluster(2, {
      WORKBINS_DB: db.url,
      WORKBINS_PROVISION: doc,
      COMETD_TIMEOUT: '2000',
      COMETD_MAX_INTERVAL: '15000',
      COMETD_MAX_SESSIONS_PER_BROWSER: '-1',
      COMETD_MAX_SESSIONS_PER_USER: '2',
      COMETD_UNCONNECTED_EVICT_AFTER: '500',
      WORKBINS_SESSION_SYNC_MS: '200',
      WORKBINS_LOG_LEVEL: process.env.CLUSTER_TEST_LOG_LEVEL ?? 'info',
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

  test('requests alternate between nodes: same clientId, no gap, every referenceId once; Redis subscriptions killed mid-run', async (t) => {
    const agents = Array.from(
      { length: AGENTS },
      (_, i) => new Agent(i, KINDS[i % KINDS.length] as AgentKind, front.base),
    )
    try {
      for (const a of agents) await a.connect()
      const ids = agents.map((a) => a.cometd.getClientId())
      const loops = agents.map((a) => a.run())
      await new Promise((r) => setTimeout(r, 1500))
      const killed = await cluster.killSubscriptions()
      assert.equal(killed, 2, 'one bus subscription per node killed')
      const afterKill = agents.map((a) => a.received.length)
      await new Promise((r) => setTimeout(r, 2500))
      const { problems, load } = await endLoad(agents, loops)
      const output = cluster.nodes.map((n) => n.output.slice(-3000)).join('\n----\n')
      const logDir = process.env.CLUSTER_TEST_LOG_DIR
      if (logDir) {
        for (const [i, n] of cluster.nodes.entries()) {
          await writeFile(join(logDir, `node${i}.log`), n.output)
        }
        await writeFile(
          join(logDir, 'agents.json'),
          JSON.stringify(
            agents.map((a) => ({
              id: a.cometd.getClientId(),
              received: a.received,
              answered: a.answered,
            })),
          ),
        )
      }
      t.diagnostic(
        `messages/answered/failed per agent: ${load}; requests per node: ${front.counts.join('/')}`,
      )
      assert.deepEqual(problems, [], output)
      agents.forEach((a, i) => {
        assert.equal(a.cometd.getClientId(), ids[i], `agent ${i} kept its clientId`)
        assert.ok(
          a.received.length > (afterKill[i] as number),
          `agent ${i} got messages after the kill`,
        )
        assert.ok(a.answered.length > 4, `agent ${i} did some work`)
      })
      for (const n of cluster.nodes) {
        const outages = n.output.split('cluster bus: Redis unreachable').length - 1
        assert.ok(outages <= 2, `one warning per outage and connection, got ${outages}`)
        assert.match(n.output, /cluster bus: Redis is back/)
      }
    } finally {
      await Promise.all(agents.map((a) => a.close()))
    }
  })

  test('EndContactCenterSession on one node ends the sessions held by the other', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]]
    // A websocket straight to node B; the REST call straight to node A.
    const onB = new Agent(0, { transport: 'websocket', ack: true }, b.base)
    const onA = new Agent(0, { transport: 'long-polling', ack: true }, a.base)
    try {
      await onB.connect()
      let ended = false
      onB.cometd.addListener('/meta/disconnect', (m: Message) => {
        if (m.successful) ended = true
      })
      const r = await onA.api.request('POST', '/me', { operationName: 'EndContactCenterSession' })
      assert.equal(r.status, 200, JSON.stringify(r.body))
      await until('the session on node B got /meta/disconnect', () => ended, 10_000)
      assert.equal(onB.cometd.isDisconnected(), true)
    } finally {
      await onB.close()
    }
  })

  test('a logout on one node ends the sessions of that login held by the other', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]]
    const rest = new ApiClient(`${a.base}/api/v2`, 'crash1', PASSWORD)
    assert.equal((await rest.request('GET', '/me')).status, 200)
    const c = newClient(`${b.base}/api/v2/notifications`, {
      transport: 'websocket',
      ack: true,
      headers: { Cookie: `JSESSIONID=${rest.cookies.get('JSESSIONID')}` },
    })
    try {
      await handshake(c)
      let refused = false
      c.addListener('/meta/connect', (m: Message) => {
        if (!m.successful) refused = true
      })
      await new Promise((r) => setTimeout(r, 300)) // a connect is held on node B
      const r = await rest.request('POST', '/me', { operationName: 'Logout' })
      assert.equal(r.status, 200, JSON.stringify(r.body))
      await until('the session on node B is refused', () => refused, 10_000)
    } finally {
      c.disconnect()
    }
  })

  test('two pulls of one interaction on two nodes: exactly one wins', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]]
    const owner = new Agent(2, { transport: 'long-polling', ack: true }, a.base)
    const other = new Agent(3, { transport: 'long-polling', ack: true }, b.base)
    const team = `/me/workbins/${TEAM}?agentGroup=Team`
    let wins = 0
    for (let round = 0; round < 10; round++) {
      // Agent 2's interactions (crashDocument): CRASH<index, 8 hex digits><k>00.
      const interaction = round % 2 === 0 ? 'CRASH00000002000' : 'CRASH00000002100'
      const put = await owner.api.request('POST', team, {
        operationName: 'AddWorkitem',
        id: interaction,
      })
      assert.equal(put.status, 200, JSON.stringify(put.body))
      const [x, y] = await Promise.all([
        owner.api.request('POST', team, { operationName: 'PullWorkitem', id: interaction }),
        other.api.request('POST', team, { operationName: 'PullWorkitem', id: interaction }),
      ])
      const ok = [x, y].filter((r) => r.status === 200)
      assert.equal(ok.length, 1, `round ${round}: ${JSON.stringify([x.body, y.body])}`)
      wins++
      // Back to its owner for the next round.
      if (y.status === 200) {
        const back = await other.api.request('POST', team, {
          operationName: 'AddWorkitem',
          id: interaction,
        })
        assert.equal(back.status, 200, JSON.stringify(back.body))
        const again = await owner.api.request('POST', team, {
          operationName: 'PullWorkitem',
          id: interaction,
        })
        assert.equal(again.status, 200, JSON.stringify(again.body))
      }
    }
    assert.equal(wins, 10)
  })

  test('COMETD_MAX_SESSIONS_PER_USER holds over the cluster, not per node', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]]
    const kind: AgentKind = { transport: 'websocket', ack: true }
    const first = new Agent(5, kind, a.base)
    const second = new Agent(5, kind, b.base)
    const third = new Agent(5, kind, a.base)
    const fourth = new Agent(5, kind, b.base)
    try {
      await handshake(first.cometd)
      await handshake(second.cometd)
      // Node A holds one session of the user, node B one: the limit of 2 is reached.
      await assert.rejects(handshake(third.cometd), (m: unknown) =>
        /max_sessions_per_user=2/.test(JSON.stringify(m)),
      )
      // A session ended on one node frees its place for a handshake on any node.
      await first.close()
      await handshake(fourth.cometd)
    } finally {
      await Promise.all([first, second, third, fourth].map((x) => x.close()))
    }
  })

  test('at the cluster limit, a never-connected session on the handshaking node makes room', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]]
    const kind: AgentKind = { transport: 'long-polling', ack: true }
    // A client that handshakes on A and never connects (a loop whose connects fail leaves these).
    const raw = await fetch(`${a.base}/api/v2/notifications/handshake`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic('crash4', PASSWORD) },
      body: JSON.stringify([
        { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
      ]),
    })
    const [hs] = (await raw.json()) as { successful: boolean }[]
    assert.equal(hs?.successful, true)
    const desk = new Agent(4, kind, b.base)
    const next = new Agent(4, kind, a.base)
    try {
      await desk.connect()
      // Node A holds one session of the user (never connected), B one: the limit of 2 is
      // reached in the store, not on A. Once A's is older than COMETD_UNCONNECTED_EVICT_AFTER,
      // A ends it to make room.
      await new Promise((r) => setTimeout(r, 600))
      await handshake(next.cometd)
      assert.ok(next.cometd.getClientId())
    } finally {
      await Promise.all([desk, next].map((x) => x.close()))
    }
  })

  test('the login throttle counts the failures of every node', async () => {
    const bases = cluster.nodes.map((n) => n.base)
    // A name no other test uses: only its own window fills (10 failures per name, the default).
    const name = 'nobody-in-the-cluster'
    const login = (i: number, password: string) =>
      fetch(`${bases[i % bases.length]}/api/v2/me`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`,
        },
      })
    for (let i = 0; i < 10; i++) assert.equal((await login(i, 'wrong')).status, 401)
    // Each node saw five of the ten; after the bus carried the others' (a millisecond here),
    // each refuses the name, as one server would. One try each: a 401 would count again.
    await new Promise((r) => setTimeout(r, 500))
    assert.deepEqual(
      [(await login(0, 'wrong')).status, (await login(1, 'wrong')).status],
      [429, 429],
    )
  })

  test('a change made on one node reaches a session on the other (latency, measured)', async (t) => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]]
    const listener = new Agent(4, { transport: 'long-polling', ack: true }, a.base)
    const actor = new Agent(4, { transport: 'long-polling', ack: true }, b.base)
    const later = `/me/workbins/${LATER}`
    const id = 'CRASH00000004000' // agent 4's first interaction (crashDocument)
    try {
      await listener.connect()
      await actor.op(later, { operationName: 'Subscribe' })
      const ms: number[] = []
      const rest: number[] = []
      for (let i = 0; i < 20; i++) {
        const op = i % 2 === 0 ? 'AddWorkitem' : 'PullWorkitem'
        const start = performance.now()
        const ref = await actor.op(later, { operationName: op, id })
        rest.push(performance.now() - start)
        assert.ok(ref !== undefined, `${op} answered`)
        await until(
          `referenceId ${ref} on node A`,
          () => listener.received.some((r) => r.referenceId === ref),
          5000,
          2,
        )
        const got = listener.received.find((r) => r.referenceId === ref)
        ms.push((got?.at ?? start) - start)
      }
      ms.sort((x, y) => x - y)
      rest.sort((x, y) => x - y)
      t.diagnostic(
        `REST on node B -> message on node A: median ${ms[10]?.toFixed(1)} ms, max ${ms[19]?.toFixed(1)} ms, of which the REST answer: median ${rest[10]?.toFixed(1)} ms (20 ops, long-polling with ack)`,
      )
    } finally {
      await listener.close()
    }
  })
})
