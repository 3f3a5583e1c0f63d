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
import { Agent, type AgentKind, TEAM, crashDocument } from '../helpers/crash-load.ts'
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
      for (const a of agents) a.stop()
      await Promise.all(loops)
      await until(
        'every answered referenceId delivered',
        () => agents.every((a) => a.complete()),
        20_000,
      ).catch(() => undefined)
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
      const problems = agents.flatMap((a) => a.problems())
      t.diagnostic(
        `messages/answered/failed per agent: ${agents.map((a) => `${a.received.length}/${a.answered.length}/${a.failures}`).join(' ')}; requests per node: ${front.counts.join('/')}`,
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
})
