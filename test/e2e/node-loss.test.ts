// Losing a node of a cluster (docs/scaling.md, "Node loss"): three nodes on one PostgreSQL
// database and a Redis bus, behind Debian's nginx in round robin with no stickiness; agents
// with official `cometd` clients on both transports and the ack extension put, pull, subscribe
// and unsubscribe through nginx while one node is killed with SIGKILL and later started again.
// The agents carry on through the other nodes; every numbered message arrives once with no gap,
// every answered referenceId arrives once, and no long-polling client handshakes again.
// Needs nginx, Redis and PostgreSQL: skipped when one is missing, unless CI=true.

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { NGINX_INSTALL, Nginx, findNginx } from '../../scripts/cluster/nginx.ts'
import { createTestDatabase, postgresSkipReason } from '../helpers/postgres.ts'
import {
  Agent,
  type AgentKind,
  ServerProcess,
  crashDocument,
  freePort,
  endLoad,
} from '../helpers/crash-load.ts'

const REDIS_URL = process.env.WORKBINS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const NODES = 3
const AGENTS = 6
/** Agents that first connect while the node is down (long-polling, through nginx). */
const LATE = 2
const KINDS: AgentKind[] = [
  { transport: 'long-polling', ack: true },
  { transport: 'websocket', ack: true },
]
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Whether a Redis server answers PING at `url` (raw RESP, no client library needed). */
function redisAnswers(url: string): Promise<boolean> {
  const u = new URL(url)
  return new Promise((resolve) => {
    const s = connect(Number(u.port || 6379), u.hostname)
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(3000, () => done(false))
    s.once('error', () => done(false))
    s.once('connect', () => s.write('PING\r\n'))
    s.once('data', (d) => done(d.toString().startsWith('+PONG')))
  })
}

async function skipReason(): Promise<string | undefined> {
  const why: string[] = []
  if (!findNginx()) why.push(`nginx is not installed (${NGINX_INSTALL})`)
  if (!(await redisAnswers(REDIS_URL))) why.push(`Redis at ${REDIS_URL} does not answer`)
  const pg = await postgresSkipReason() // throws itself under CI=true
  if (pg) why.push(pg)
  if (why.length === 0) return undefined
  if (process.env.CI === 'true') throw new Error(`node-loss test: ${why.join('; ')}; CI needs it`)
  return why.join('; ')
}

const skip = await skipReason()
if (skip) process.stderr.write(`# skipping the node-loss test: ${skip}\n`)

test(
  'a node killed and restarted under load: nothing lost, nothing twice, no new handshake',
  { skip, timeout: 120_000 },
  async (t) => {
    const database = await createTestDatabase()
    const dir = await mkdtemp(join(tmpdir(), 'workbins-node-loss-'))
    after(async () => {
      await database.drop()
      await rm(dir, { recursive: true, force: true })
    })
    const doc = join(dir, 'doc.json')
    await writeFile(doc, JSON.stringify(crashDocument(AGENTS + LATE)))
    const listen = await freePort()
    const ports: number[] = []
    for (let i = 0; i < NODES; i++) ports.push(await freePort())
    const nodes = ports.map(
      (port, i) =>
        new ServerProcess(port, {
          WORKBINS_DB: database.url,
          WORKBINS_BUS: REDIS_URL,
          WORKBINS_NODE_ID: `node${i + 1}`,
          // Node 1 provisions; the others find the data in the shared database.
          ...(i === 0 ? { WORKBINS_PROVISION: doc } : {}),
          WORKBINS_PUBLIC_URL: `http://127.0.0.1:${listen}/api/v2`,
          WORKBINS_TRUST_PROXY: '127.0.0.1',
          COMETD_TIMEOUT: '2000',
          COMETD_MAX_INTERVAL: '15000',
          COMETD_MAX_SESSIONS_PER_BROWSER: '-1',
          WORKBINS_SESSION_SYNC_MS: '200',
        }),
    )
    const nginx = new Nginx(findNginx() as string, {
      runDir: join(dir, 'nginx'),
      listenPort: listen,
      upstreamPorts: ports,
      readTimeoutS: 30,
    })
    const agents = Array.from(
      { length: AGENTS },
      (_, i) => new Agent(i, KINDS[i % KINDS.length] as AgentKind, nginx.base),
    )
    const victim = nodes[1] as ServerProcess
    const output = () =>
      nodes.map((n, i) => `--- node${i + 1}\n${n.output.slice(-1500)}`).join('\n')
    try {
      await (nodes[0] as ServerProcess).start(60_000)
      await Promise.all(nodes.slice(1).map((n) => n.start(60_000)))
      await nginx.start()
      for (const a of agents) await a.connect()
      const ids = agents.map((a) => a.cometd.getClientId())
      const handshakes = agents.map(() => 0)
      agents.forEach((a, i) =>
        a.cometd.addListener(
          '/meta/handshake',
          () => void (handshakes[i] = (handshakes[i] ?? 0) + 1),
        ),
      )
      const loops = agents.map((a) => a.run())
      await sleep(1500 + Math.random() * 1500)
      const atKill = agents.map((a) => a.received.length)
      await victim.kill9()
      // New sessions opened while a node is down must work as well as the old ones.
      const late = Array.from(
        { length: LATE },
        (_, k) => new Agent(AGENTS + k, KINDS[0] as AgentKind, nginx.base),
      )
      for (const a of late) await a.connect()
      const lateIds = late.map((a) => a.cometd.getClientId())
      const lateLoops = late.map((a) => a.run())
      agents.push(...late)
      loops.push(...lateLoops)
      ids.push(...lateIds)
      handshakes.push(...late.map(() => 0))
      late.forEach((a, k) =>
        a.cometd.addListener('/meta/handshake', () => {
          handshakes[AGENTS + k] = (handshakes[AGENTS + k] ?? 0) + 1
        }),
      )
      await sleep(3000)
      const atRestart = agents.map((a) => a.received.length)
      await victim.start(60_000)
      await sleep(2500)
      const { problems, load } = await endLoad(agents, loops)
      t.diagnostic(`messages/answered/failed per agent: ${load}`)
      t.diagnostic(`handshakes again per agent: ${handshakes.join(' ')}`)
      assert.deepEqual(problems, [], output())
      agents.forEach((a, i) => {
        assert.ok(
          (atRestart[i] ?? 0) > (atKill[i] ?? 0),
          `agent ${i} (${a.kind.transport}) got messages while a node was down`,
        )
        if (a.kind.transport === 'long-polling') {
          assert.equal(a.cometd.getClientId(), ids[i], `agent ${i} kept its clientId`)
          assert.equal(handshakes[i], 0, `agent ${i} did not handshake again`)
        }
      })
    } finally {
      await Promise.all(agents.map((a) => a.close().catch(() => undefined)))
      await nginx.stop()
      await Promise.all(nodes.map((n) => n.stop()))
    }
  },
)
