// What a node re-checks once Redis is back (docs/cluster.md "After a bus outage"): two node
// processes on one PostgreSQL database reach Redis through a TCP proxy that the test takes
// down and brings back (Redis itself is never touched). Bus messages sent meanwhile are lost;
// the nodes must end up as if they had arrived.

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { CometD, Message } from 'cometd'
import { TEAM, crashDocument, interactionId, type ServerProcess } from '../helpers/crash-load.ts'
import { basic, disconnect, handshake, newClient, subscribe } from '../helpers/cometd.ts'
import { ApiClient } from '../helpers/http.ts'
import { PASSWORD } from '../helpers/fixtures/users.ts'
import { Cluster, REDIS_URL, redisSkipReason } from '../helpers/cluster.ts'
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.ts'
import { TcpProxy } from '../helpers/tcp-proxy.ts'
import { until } from '../helpers/wait.ts'

const skip = (await postgresSkipReason()) ?? (await redisSkipReason())
const TEAM_PATH = `/me/workbins/${TEAM}?agentGroup=Team`

const count = (text: string, line: string) => text.split(line).length - 1

describe('a cluster after a Redis outage', { skip, timeout: 120_000 }, () => {
  let db: TestDatabase
  let dir: string
  let proxy: TcpProxy
  let cluster: Cluster
  let a: ServerProcess
  let b: ServerProcess
  const clients: CometD[] = []

  before(async () => {
    db = await createTestDatabase()
    dir = await mkdtemp(join(tmpdir(), 'workbins-bus-outage-'))
    const doc = join(dir, 'cluster.json')
    await writeFile(doc, JSON.stringify(crashDocument(4)))
    const redis = new URL(REDIS_URL)
    proxy = new TcpProxy(Number(redis.port || 6379), redis.hostname)
    await proxy.up()
    cluster = new Cluster(2, {
      WORKBINS_DB: db.url,
      WORKBINS_PROVISION: doc,
      WORKBINS_BUS: `redis://127.0.0.1:${proxy.port}`,
      COMETD_TIMEOUT: '2000',
      COMETD_MAX_SESSIONS_PER_BROWSER: '-1',
      WORKBINS_SESSION_SYNC_MS: '200',
      WORKBINS_LOG_LEVEL: 'warn',
    })
    await cluster.start()
    ;[a, b] = cluster.nodes as [ServerProcess, ServerProcess]
  })

  after(async () => {
    await Promise.all(clients.map((c) => disconnect(c)))
    await cluster?.stop()
    await proxy?.down()
    await db?.drop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** Redis goes away (both nodes notice), `during` runs, Redis comes back (both re-subscribe). */
  async function outage(during: () => Promise<void>): Promise<void> {
    const nodes = cluster.nodes
    const gone = nodes.map((n) => count(n.output, 'cluster bus: Redis unreachable'))
    const back = nodes.map((n) => count(n.output, 'cluster bus: Redis is back'))
    await proxy.down()
    await until('both nodes saw Redis go', () =>
      nodes.every((n, i) => count(n.output, 'cluster bus: Redis unreachable') > (gone[i] ?? 0)),
    )
    await during()
    await proxy.up()
    await until(
      'both nodes are subscribed again',
      () => nodes.every((n, i) => count(n.output, 'cluster bus: Redis is back') > (back[i] ?? 0)),
      15_000,
    )
  }

  /** A CometD session on `node` (ack extension) collecting /v2/me/* messages. */
  async function listen(node: ServerProcess, headers: Record<string, string>) {
    const c = newClient(`${node.base}/api/v2/notifications`, { ack: true, headers })
    clients.push(c)
    const got: Message[] = []
    await handshake(c)
    await subscribe(c, '/v2/me/*', (m) => got.push(m))
    return { c, got }
  }

  test('a workbin subscribed through another node meanwhile: its changes reach the session live', async () => {
    // crash0's session is on node B; its REST Subscribe goes through node A while Redis is away.
    const crash0 = await listen(b, { Authorization: basic('crash0', PASSWORD) })
    const rest0 = new ApiClient(`${a.base}/api/v2`, 'crash0', PASSWORD, { basicAlways: true })
    const rest1 = new ApiClient(`${a.base}/api/v2`, 'crash1', PASSWORD, { basicAlways: true })
    await outage(async () => {
      const r = await rest0.request('POST', TEAM_PATH, { operationName: 'Subscribe' })
      assert.equal(r.status, 200, JSON.stringify(r.body))
    })
    await until(
      'crash0 got its Subscribed message (caught up from the log)',
      () => crash0.got.some((m) => m.data?.messageType === 'WorkbinSubscriptionStateChangeMessage'),
      10_000,
    )
    // A change of the Team workbin by someone else: node B wakes crash0 only if its index
    // learnt of the subscription.
    const item = interactionId(1, 1)
    const r = await rest1.request('POST', TEAM_PATH, { operationName: 'AddWorkitem', id: item })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    await until(
      'the Team change reached crash0 on node B',
      () => crash0.got.some((m) => JSON.stringify(m.data).includes(item)),
      5000,
    )
  })
})
