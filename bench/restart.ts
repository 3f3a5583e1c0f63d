// A restart at contact-center scale (docs/durable-delivery.md, "Sessions that outlive the
// server"): N agents with live CometD sessions (official `cometd` clients, ack extension) all
// subscribed to one group workbin; the server is killed (SIGKILL, or SIGTERM with --signal term)
// and started again on the same SQLite file and port. Every client then reconnects at once with
// the clientId it had, and the server restores each session from the store. Measured:
//   - kill → ready: the process start (migrations, provisioning an unchanged document, listen);
//   - a put into the group workbin made as soon as the server is ready: the time until every
//     agent has its message (p50 / p99 / last), against the same put with every session live
//     before the kill;
//   - the server's CPU from ready until the last agent has it, per session, and the event loop's
//     longest delay over that time (prom-client's nodejs_eventloop_lag_max_seconds);
//   - sessions restored (clientId kept) against sessions that had to handshake again, and any
//     gap, repeat or lost referenceId in what each agent received (the crash test's checks).
// The clients retry every 100 ms up to 1 s (as the crash test's agents): once the server
// listens, they all come at once, which is the load a restart must take. Desktops with the
// official client's defaults (1 s more per failed try, up to 60 s) spread themselves out more.
//
//   npm run bench:restart -- [--agents 2000] [--transports long-polling,websocket]
//                            [--signal kill|term] [--auth basic|cookie] [--out FILE]
// --auth: how the websocket upgrades authenticate. `basic` (default): Basic on every upgrade,
// and a restarted server verifies each user's password once (scrypt) before it remembers it;
// `cookie`: each agent logs in first and its upgrades carry the JSESSIONID, as a browser's do.
// Long-polling reconnects are not authenticated again (BAYEUX_BROWSER binds them).

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  Agent,
  TEAM,
  ServerProcess,
  crashDocument,
  freePort,
  interactionId,
} from '../test/helpers/crash-load.ts'
import { PASSWORD } from '../test/helpers/fixtures/users.ts'
import { ApiClient } from '../test/helpers/http.ts'
import { cpuOf, pct } from './proc-stat.ts'

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '2000' },
    transports: { type: 'string', default: 'long-polling,websocket' },
    signal: { type: 'string', default: 'kill' },
    auth: { type: 'string', default: 'basic' },
    out: { type: 'string' },
  },
})
const AGENTS = Number(values.agents)
const TRANSPORTS = String(values.transports).split(',') as ('long-polling' | 'websocket')[]
const SIGNAL = values.signal === 'term' ? 'term' : 'kill'
/** How the websocket upgrades authenticate: Basic (verified once per user per process) or a login's cookie. */
const AUTH = values.auth === 'cookie' ? 'cookie' : 'basic'
const TEAM_PATH = `/me/workbins/${TEAM}?agentGroup=Team`
/** How long the last agent may take to get a message before the run fails. */
const DEADLINE_MS = 120_000
const PROF = process.env.BENCH_PROF
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-')

interface Spread {
  p50: number
  p99: number
  last: number
  missing: number
}

interface Result {
  transport: string
  live: Spread
  killToReadyMs: number
  after: Spread
  cpuMsStorm: number
  lagMaxMs: number
  restored: number
  handshakedAgain: number
  problems: string[]
}

/**
 * Each agent's arrival time of the workbin's change message sent after `t0` (only the requester's
 * copy carries the referenceId; nothing else changes the workbin meanwhile), from `t0`, waiting
 * until all have it or the deadline.
 */
async function spread(agents: readonly Agent[], t0: number): Promise<Spread> {
  const deadline = performance.now() + DEADLINE_MS
  const arrival = (a: Agent) =>
    a.received.find((r) => r.at >= t0 && r.messageType === 'WorkbinStateChangeMessage')?.at
  while (agents.some((a) => arrival(a) === undefined) && performance.now() < deadline) {
    await sleep(20)
  }
  const times = agents.map(arrival).filter((t): t is number => t !== undefined)
  const rel = times.map((t) => t - t0)
  return {
    p50: pct(rel, 0.5),
    p99: pct(rel, 0.99),
    last: rel.length ? Math.max(...rel) : NaN,
    missing: agents.length - times.length,
  }
}

/** A put into the group workbin by agent 0, then the time until every agent had it. */
async function put(agents: readonly Agent[], op: string): Promise<Spread> {
  const t0 = performance.now()
  const ref = await (agents[0] as Agent).op(TEAM_PATH, {
    operationName: op,
    id: interactionId(0, 1),
  })
  if (ref === undefined) throw new Error(`${op} on the group workbin was not answered 200`)
  return spread(agents, t0)
}

/** The event loop's longest delay since the last scrape (prom-client resets it per scrape). */
async function lagMaxMs(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  const m = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)
  return m ? Number(m[1]) * 1000 : NaN
}

/** Run `fn` over `items`, `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>) {
  let next = 0
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++] as T)
    }),
  )
}

async function run(transport: 'long-polling' | 'websocket'): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'workbins-restart-'))
  const doc = join(dir, 'doc.json')
  await writeFile(doc, JSON.stringify(crashDocument(AGENTS)))
  const server = new ServerProcess(
    await freePort(),
    {
      WORKBINS_DB: join(dir, 'workbins.db'),
      WORKBINS_PROVISION: doc,
      WORKBINS_LOG_LEVEL: 'warn',
      // Capacity, not the per-user bound: one user may loop here.
      WORKBINS_USER_REQUESTS_PER_SECOND: '0',
      WORKBINS_METRICS: '1',
      WORKBINS_METRICS_PORT: '0',
      COMETD_MAX_SESSIONS_PER_BROWSER: '-1',
    },
    // BENCH_PROF=DIR: a CPU profile of each server start (the one after the restart included).
    PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : [],
  )
  await server.start(120_000)
  const cookies = transport === 'websocket' && AUTH === 'cookie'
  const agents: Agent[] = []
  let handshakes = 0
  try {
    const started = performance.now()
    // With --auth cookie each agent logs in first; its websocket upgrades carry the JSESSIONID.
    await pool([...Array(AGENTS).keys()], 16, async (i) => {
      let jsessionId: string | undefined
      if (cookies) {
        const login = new ApiClient(`${server.base}/api/v2`, `crash${i}`, PASSWORD)
        if ((await login.get('/me')).status !== 200) throw new Error(`crash${i}: login failed`)
        jsessionId = login.cookies.get('JSESSIONID')
      }
      agents[i] = new Agent(i, { transport, ack: true }, server.base, jsessionId)
    })
    await pool(agents, 16, async (a) => {
      await a.connect()
      await a.api.request('GET', '/me') // the desktop's JSESSIONID from here on
      if ((await a.op(TEAM_PATH, { operationName: 'Subscribe' })) === undefined) {
        throw new Error(`agent ${a.index}: Subscribe to the group workbin failed`)
      }
    })
    console.error(
      `${transport}: ${AGENTS} agents up in ${f((performance.now() - started) / 1000, 1)} s`,
    )
    const before = agents.map((a) => a.cometd.getClientId())
    for (const a of agents) {
      a.cometd.addListener('/meta/handshake', (m) => {
        if (m.successful) handshakes++
      })
    }
    await sleep(1000)
    const live = await put(agents, 'AddWorkitem')
    console.error(
      `${transport}: live put, last agent at ${f(live.last)} ms, ${live.missing} missing`,
    )
    await put(agents, 'PullWorkitem')
    await sleep(500)

    const killed = performance.now()
    await (SIGNAL === 'kill' ? server.kill9() : server.stop())
    await server.start(120_000)
    const ready = performance.now()
    console.error(`${transport}: ready again after ${f(ready - killed)} ms`)
    await lagMaxMs(server.base) // resets the lag's maximum
    const cpu0 = await cpuOf(server.pid)
    const after = await put(agents, 'AddWorkitem')
    const cpu1 = await cpuOf(server.pid)
    const lag = await lagMaxMs(server.base)
    await put(agents, 'PullWorkitem')
    const restored = agents.filter((a, i) => a.cometd.getClientId() === before[i]).length
    const problems = agents.flatMap((a) => a.problems())
    console.error(
      `${transport}: after the restart, last agent at ${f(after.last)} ms, ${restored} restored`,
    )
    return {
      transport,
      live,
      killToReadyMs: ready - killed,
      after,
      cpuMsStorm: (cpu1 - cpu0) / 1000,
      lagMaxMs: lag,
      restored,
      handshakedAgain: handshakes,
      problems,
    }
  } finally {
    await Promise.all(agents.map((a) => a.close().catch(() => {})))
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

const results: Result[] = []
for (const t of TRANSPORTS) results.push(await run(t))

const lines = [
  `# A restart with ${AGENTS} live sessions (${SIGNAL === 'kill' ? 'SIGKILL' : 'SIGTERM'})`,
  '',
  `\`npm run bench:restart -- --agents ${AGENTS} --transports ${TRANSPORTS.join(',')} --signal ${SIGNAL} --auth ${AUTH}\`,`,
  `${new Date().toISOString()}. Official \`cometd\` clients with the ack extension, all in one`,
  'process, each subscribed to one group workbin; SQLite with the defaults. "put" = agent 0 adds',
  'an interaction to the group workbin; times from just before its POST until each agent has',
  'the message. "after the restart": the POST is sent as soon as the server is ready, while every',
  'client reconnects and its session is restored from the store.',
  '',
  '| transport | put, all live: p50 / p99 / last ms | kill → ready ms | put after the restart: p50 / p99 / last ms | server CPU until the last, ms (µs per session) | event loop longest delay ms | restored / handshaked again | missing, problems |',
  '|---|--:|--:|--:|--:|--:|--:|--:|',
  ...results.map(
    (r) =>
      `| ${r.transport} | ${f(r.live.p50)} / ${f(r.live.p99)} / ${f(r.live.last)} | ${f(r.killToReadyMs)} | ` +
      `${f(r.after.p50)} / ${f(r.after.p99)} / ${f(r.after.last)} | ${f(r.cpuMsStorm)} (${f((r.cpuMsStorm * 1000) / AGENTS)}) | ` +
      `${f(r.lagMaxMs, 1)} | ${r.restored} / ${r.handshakedAgain} | ${r.after.missing + r.live.missing}, ${r.problems.length} |`,
  ),
  '',
]
for (const r of results)
  for (const p of r.problems.slice(0, 10)) lines.push(`- ${r.transport}: ${p}`)
const text = lines.join('\n')
console.log(text)
if (values.out) await writeFile(values.out, text + '\n')
const failed = results.some((r) => r.problems.length > 0 || r.after.missing + r.live.missing > 0)
process.exitCode = failed ? 1 : 0
