// What a node re-checks once Redis is back (docs/cluster.md "After a bus outage"): two node
// processes on one PostgreSQL database reach Redis through a TCP proxy that the test takes
// down and brings back (Redis itself is never touched). Bus messages sent meanwhile are lost;
// the nodes must end up as if they had arrived. The last test loses an end with no outage at
// all: the holder's periodic position write finds the row gone.

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { CometD, Message } from 'cometd'
import pg from 'pg'
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

  test('a logout and an EndContactCenterSession through another node meanwhile end the sessions', async () => {
    /** A login through node A (JSESSIONID) and a CometD session of it on node B. */
    const login = async (name: string) => {
      const rest = new ApiClient(`${a.base}/api/v2`, name, PASSWORD)
      assert.equal((await rest.request('GET', '/me')).status, 200)
      const cookie = `JSESSIONID=${rest.cookies.get('JSESSIONID')}`
      const session = await listen(b, { Cookie: cookie })
      const ended = { refused: false, disconnected: false }
      session.c.addListener('/meta/connect', (m: Message) => {
        if (!m.successful && m.advice?.reconnect === 'handshake') ended.refused = true
      })
      session.c.addListener('/meta/disconnect', (m: Message) => {
        if (m.successful) ended.disconnected = true
      })
      return { rest, ended }
    }
    const crash2 = await login('crash2')
    const crash3 = await login('crash3')
    await outage(async () => {
      let r = await crash2.rest.request('POST', '/me', { operationName: 'Logout' })
      assert.equal(r.status, 200, JSON.stringify(r.body))
      r = await crash3.rest.request('POST', '/me', { operationName: 'EndContactCenterSession' })
      assert.equal(r.status, 200, JSON.stringify(r.body))
    })
    const [loggedOut, ended] = await Promise.allSettled([
      until('crash2 refused', () => crash2.ended.refused, 8000),
      until('crash3 disconnected', () => crash3.ended.disconnected, 8000),
    ])
    // Both shown when failing: the refused logout, the /meta/disconnect of the ended session.
    assert.deepEqual(
      { logout: loggedOut.status, end: ended.status },
      { logout: 'fulfilled', end: 'fulfilled' },
    )
  })

  test('without an outage: a session whose stored row is gone ends at its next position write', async () => {
    // As if an end's bus message was lost with no outage noticed: only the row is deleted.
    const crash1 = await listen(b, { Authorization: basic('crash1', PASSWORD) })
    let disconnected = false
    crash1.c.addListener('/meta/disconnect', (m: Message) => {
      if (m.successful) disconnected = true
    })
    const sql = new pg.Client({ connectionString: db.url })
    await sql.connect()
    try {
      const r = await sql.query('DELETE FROM cometd_sessions WHERE client_id = $1', [
        crash1.c.getClientId(),
      ])
      assert.equal(r.rowCount, 1)
    } finally {
      await sql.end()
    }
    await until('the session on node B got /meta/disconnect', () => disconnected, 8000)
  })
})
