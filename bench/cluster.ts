// What a cluster costs (docs/scaling.md): the round trip of bench/durable.ts (REST Subscribe or
// Unsubscribe → the CometD message at the agent, official `cometd` clients with the ack
// extension) on one node (PostgreSQL, no bus) and on three nodes sharing PostgreSQL and a Redis
// bus, in the same run:
// - single: agents' CometD and REST on the one node;
// - cluster, cross-node: each agent's CometD session on node i, its REST calls on node i+1, so
//   every message crosses the bus;
// - cluster, same node: each agent's REST on the node of its CometD session (the cluster's cost
//   without the bus on the delivery path);
// - cluster via nginx with one node down: agents through nginx (round robin) after a node was
//   killed with SIGKILL.
// Server CPU is the sum of the nodes' user+system time (/proc/<pid>/stat) over the measured
// window, divided by the round trips completed in it (PostgreSQL, Redis and nginx not counted).
//
//   npm run bench:cluster -- [--agents 60] [--senders 8] [--duration 20] [--warmup 10]
//                            [--rate 0 | --rate-per-node 0]
//                            [--transport long-polling|websocket|both] [--pg URL] [--redis URL]
//                            [--out bench/results/cluster.md]

import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { Nginx, findNginx } from '../scripts/cluster/nginx.ts'
import { Agent, LATER, ServerProcess, crashDocument, freePort } from '../test/helpers/crash-load.ts'
import { PASSWORD } from '../test/helpers/fixtures/users.ts'
import { ApiClient } from '../test/helpers/http.ts'
import { cpuOf, pct } from './proc-stat.ts'
import { RoundTripLoad } from './round-trip-load.ts'

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '60' },
    senders: { type: 'string', default: '8' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '10' },
    rate: { type: 'string', default: '0' },
    'rate-per-node': { type: 'string', default: '0' },
    transport: { type: 'string', default: 'both' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    out: { type: 'string' },
  },
})
const AGENTS = Number(values.agents)
const SENDERS = Number(values.senders)
const DURATION = Number(values.duration) * 1000
/** Load before measuring: each node's JIT compiles the hot paths (its threads count as CPU). */
const WARMUP = Number(values.warmup) * 1000
/** Operations per second in all, paced; 0: closed loop (each sender as fast as it is answered). */
const RATE = Number(values.rate)
/**
 * Operations per second per node in service, paced (single: this rate, three nodes: three times
 * it, one down: twice): each node under the same load, so what is compared is the cost of the
 * cluster, not that of a node less loaded (its event loop wakes for fewer events at a time).
 */
const RATE_PER_NODE = Number(values['rate-per-node'])
const rateFor = (nodes: number) => (RATE_PER_NODE > 0 ? RATE_PER_NODE * nodes : RATE)
/** Node CPU with the agents connected and no load, over this window, before each run. */
const IDLE_WINDOW = 5000
const NODES = 3
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-')

const cpuSum = async (pids: number[]) =>
  (await Promise.all(pids.map(cpuOf))).reduce((a, b) => a + b, 0)
/** Times the node's main thread (the event loop) went to sleep and was woken again. */
async function wakeupsOf(pid: number): Promise<number> {
  const m = /voluntary_ctxt_switches:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))
  return Number(m?.[1] ?? 0)
}
const wakeupSum = async (pids: number[]) =>
  (await Promise.all(pids.map(wakeupsOf))).reduce((a, b) => a + b, 0)

interface Result {
  ops: number
  opsPerS: number
  p50: number
  p99: number
  /** Arrived more than 3 s after the REST reply. */
  late: number
  /** Never arrived (18 s). */
  lost: number
  cpuUsPerOp: number
  /** Node CPU per second with the agents connected and nothing sent (µs/s, summed). */
  idleUsPerS: number
  /** Event-loop wake-ups per round trip, summed over the nodes. */
  wakeupsPerOp: number
}

async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bench_cluster_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: values.pg })
    await c.connect()
    await c.query(sql)
    await c.end()
  }
  await admin(`CREATE DATABASE ${name}`)
  const u = new URL(values.pg)
  u.pathname = `/${name}`
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

/** Agents with their CometD session at cometdBase(i) and REST calls at restBase(i). */
async function connectAgents(
  transport: 'long-polling' | 'websocket',
  cometdBase: (i: number) => string,
  restBase: (i: number) => string,
) {
  const agents = Array.from(
    { length: AGENTS },
    (_, i) => new Agent(i, { transport, ack: true }, cometdBase(i)),
  )
  const rest = agents.map(
    (_, i) => new ApiClient(`${restBase(i)}/api/v2`, `crash${i}`, PASSWORD, { basicAlways: true }),
  )
  for (const a of agents) await a.connect()
  for (const r of rest) await r.request('GET', '/me')
  return { agents, rest }
}

/** Senders pick a random agent and Subscribe/Unsubscribe its Later workbin; DURATION measured. */
async function measure(
  agents: Agent[],
  rest: ApiClient[],
  pids: () => number[],
  rate: number,
): Promise<Result> {
  const path = `/me/workbins/${LATER}`
  const load = new RoundTripLoad(agents, async (i, operationName) => {
    try {
      const r = await (rest[i] as ApiClient).request('POST', path, { operationName })
      return r.status === 200 ? (r.body as { referenceId?: unknown }).referenceId : undefined
    } catch {
      await sleep(50) // a node that went away: the next call goes elsewhere
      return undefined
    }
  })
  const { pending, latencies } = load
  const idle0 = await cpuSum(pids())
  await sleep(IDLE_WINDOW)
  const idleUsPerS = ((await cpuSum(pids())) - idle0) / (IDLE_WINDOW / 1000)
  load.start(SENDERS, rate)
  await sleep(WARMUP)
  load.reset()
  const cpu0 = await cpuSum(pids())
  const wake0 = await wakeupSum(pids())
  const t0 = performance.now()
  await sleep(DURATION)
  const measured = load.sent
  const elapsed = performance.now() - t0
  const cpu1 = await cpuSum(pids())
  const wake1 = await wakeupSum(pids())
  await load.stop()
  // Drain: 3 s, then up to 15 s more; what arrives after the 3 s counts as late.
  await sleep(3000)
  const late = pending.size
  const end = performance.now() + 15_000
  while (pending.size > 0 && performance.now() < end) await sleep(100)
  load.detach()
  if (process.env.BENCH_DEBUG) {
    for (const key of pending.keys()) {
      const [i, ref] = key.split(':').map(Number) as [number, number]
      const a = agents[i] as Agent
      const seen = a.received.some((r) => r.referenceId === ref)
      console.log(`lost ${key} clientId ${a.cometd.getClientId()} in received: ${seen}`)
    }
    for (const a of agents) {
      const p = a.problems()
      if (p.length) console.log(p.slice(0, 5).join('\n'))
    }
  }
  return {
    ops: measured,
    opsPerS: (measured * 1000) / elapsed,
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
    late: late - pending.size,
    lost: pending.size,
    cpuUsPerOp: (cpu1 - cpu0) / Math.max(1, measured),
    idleUsPerS,
    wakeupsPerOp: (wake1 - wake0) / Math.max(1, measured),
  }
}

/** BENCH_PROF=DIR: a CPU profile of each node into DIR (named by mode and node). */
const PROF = process.env.BENCH_PROF
const profArgs = (name: string): string[] =>
  PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`, `--cpu-prof-name=${name}.cpuprofile`] : []

function nodeEnv(db: string, doc: string, extra: Record<string, string>) {
  return {
    WORKBINS_DB: db,
    WORKBINS_LOG_LEVEL: 'warn',
    // Capacity, not the per-user bound: one user may loop here.
    WORKBINS_USER_REQUESTS_PER_SECOND: '0',
    COMETD_MAX_SESSIONS_PER_BROWSER: '-1',
    ...extra,
    ...(doc ? { WORKBINS_PROVISION: doc } : {}),
  }
}

async function single(transport: 'long-polling' | 'websocket', doc: string): Promise<Result> {
  const db = await freshDatabase()
  const node = new ServerProcess(
    await freePort(),
    nodeEnv(db.url, doc, {}),
    profArgs(`single-${transport}`),
  )
  try {
    await node.start(60_000)
    const { agents, rest } = await connectAgents(
      transport,
      () => node.base,
      () => node.base,
    )
    try {
      return await measure(agents, rest, () => [node.pid], rateFor(1))
    } finally {
      await Promise.all(agents.map((a) => a.close().catch(() => undefined)))
    }
  } finally {
    await node.stop()
    await db.drop()
  }
}

async function cluster(
  transport: 'long-polling' | 'websocket',
  doc: string,
  dir: string,
): Promise<{ cross: Result; same: Result; down: Result }> {
  const db = await freshDatabase()
  const listen = await freePort()
  const ports: number[] = []
  for (let i = 0; i < NODES; i++) ports.push(await freePort())
  const nodes = ports.map(
    (p, i) =>
      new ServerProcess(
        p,
        nodeEnv(db.url, i === 0 ? doc : '', {
          WORKBINS_BUS: values.redis,
          WORKBINS_NODE_ID: `node${i + 1}`,
          WORKBINS_TRUST_PROXY: '127.0.0.1',
        }),
        profArgs(`cluster-${transport}-node${i + 1}`),
      ),
  )
  const nginx = new Nginx(findNginx() as string, {
    runDir: join(dir, `nginx-${transport}`),
    listenPort: listen,
    upstreamPorts: ports,
  })
  try {
    await (nodes[0] as ServerProcess).start(60_000)
    await Promise.all(nodes.slice(1).map((n) => n.start(60_000)))
    await nginx.start()
    const pids = () => nodes.map((n) => n.pid).filter((p) => p > 0)
    let cross: Result
    {
      const { agents, rest } = await connectAgents(
        transport,
        (i) => (nodes[i % NODES] as ServerProcess).base,
        (i) => (nodes[(i + 1) % NODES] as ServerProcess).base,
      )
      try {
        cross = await measure(agents, rest, pids, rateFor(NODES))
      } finally {
        await Promise.all(agents.map((a) => a.close().catch(() => undefined)))
      }
    }
    // Each agent's REST on the node of its CometD session: the cluster's cost without the bus
    // on the delivery path (what a sticky balancer would give).
    let same: Result
    {
      const { agents, rest } = await connectAgents(
        transport,
        (i) => (nodes[i % NODES] as ServerProcess).base,
        (i) => (nodes[i % NODES] as ServerProcess).base,
      )
      try {
        same = await measure(agents, rest, pids, rateFor(NODES))
      } finally {
        await Promise.all(agents.map((a) => a.close().catch(() => undefined)))
      }
    }
    await (nodes[NODES - 1] as ServerProcess).kill9()
    await sleep(1000)
    const { agents, rest } = await connectAgents(
      transport,
      () => nginx.base,
      () => nginx.base,
    )
    try {
      const down = await measure(agents, rest, pids, rateFor(NODES - 1))
      return { cross, same, down }
    } finally {
      await Promise.all(agents.map((a) => a.close().catch(() => undefined)))
    }
  } finally {
    await nginx.stop()
    await Promise.all(nodes.map((n) => n.stop()))
    await db.drop()
  }
}

if (!findNginx()) throw new Error('bench:cluster needs nginx (apt-get install -y nginx-light)')
const transports =
  values.transport === 'both'
    ? (['long-polling', 'websocket'] as const)
    : ([values.transport as 'long-polling' | 'websocket'] as const)
const dir = await mkdtemp(join(tmpdir(), 'bench-cluster-'))
const doc = join(dir, 'doc.json')
await writeFile(doc, JSON.stringify(crashDocument(AGENTS)))

const lines: string[] = []
const say = (l: string) => {
  lines.push(l)
  console.log(l)
}
say('# Cluster: cost of three nodes (npm run bench:cluster)')
say('')
say(
  `${new Date().toISOString()}; ${AGENTS} agents (official cometd clients, ack extension), ${SENDERS} senders, ${values.duration} s measured per run after ${values.warmup} s of the same load; ${RATE_PER_NODE > 0 ? `paced at ${RATE_PER_NODE} operations/s per node in service` : RATE > 0 ? `paced at ${RATE} operations/s in all` : 'closed loop'}; PostgreSQL, notification log on; Redis bus in cluster mode. Server CPU = sum over the nodes (PostgreSQL, Redis, nginx not counted).`,
)
say('')
say(
  '| mode | transport | ops/s | p50 ms | p99 ms | late (> 3 s) | lost (18 s) | server CPU µs/op | idle CPU ms/s | wake-ups/op |',
)
say('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
const ratios: string[] = []
try {
  for (const transport of transports) {
    const s = await single(transport, doc)
    const row = (mode: string, r: Result) =>
      say(
        `| ${mode} | ${transport} | ${f(r.opsPerS)} | ${f(r.p50, 1)} | ${f(r.p99, 1)} | ${r.late} | ${r.lost} | ${f(r.cpuUsPerOp)} | ${f(r.idleUsPerS / 1000, 1)} | ${f(r.wakeupsPerOp, 1)} |`,
      )
    row('single node', s)
    const c = await cluster(transport, doc, dir)
    row('3 nodes, cross-node', c.cross)
    row('3 nodes, same node', c.same)
    row('3 nodes via nginx, 1 down', c.down)
    ratios.push(
      `| ${transport} | ${f(s.cpuUsPerOp)} | ${f(c.cross.cpuUsPerOp)} | ${(c.cross.cpuUsPerOp / s.cpuUsPerOp).toFixed(2)}× | ${f(c.same.cpuUsPerOp)} | ${(c.same.cpuUsPerOp / s.cpuUsPerOp).toFixed(2)}× |`,
    )
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
say('')
say('Per-delivery server CPU, cluster (cross-node) ÷ single (goal ≤ 1.3×):')
say('')
say(
  '| transport | single µs/op | cluster cross-node µs/op | cross ÷ single | cluster same-node µs/op | same ÷ single |',
)
say('| --- | ---: | ---: | ---: | ---: | ---: |')
for (const l of ratios) say(l)
if (values.out) await writeFile(values.out, lines.join('\n') + '\n')
