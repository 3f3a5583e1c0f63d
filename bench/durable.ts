// What durable delivery costs (docs/durable-delivery.md), end to end: the seed's own round trip,
// a REST Subscribe or Unsubscribe through authentication and the store to the CometD message at
// the agent's session, with the notification log on and off, in the same run on the same
// machine, on SQLite (and PostgreSQL with --pg URL), long-polling and websocket (official
// `cometd` clients with the ack extension). Then the cost of offline subscribers: put + pull on
// a group workbin with 0 and with --offline subscribers that have no session.
//
//   npm run bench:durable -- [--agents 200] [--senders 16] [--duration 8] [--rounds 2]
//                            [--offline 3000] [--pg postgres://...] [--out FILE]
//                            [--sync full|normal] [--group-commit 256] (SQLite settings)
//                            [--offline-only] (only the offline subscribers; bench:scale)
//                            [--pg-only] (round trips on PostgreSQL only)

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import {
  Agent,
  LATER,
  TEAM,
  ServerProcess,
  crashDocument,
  freePort,
} from '../test/helpers/crash-load.ts'
import { cpuOf, pct } from './proc-stat.ts'
import { RoundTripLoad } from './round-trip-load.ts'

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '200' },
    senders: { type: 'string', default: '16' },
    duration: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    offline: { type: 'string', default: '3000' },
    sync: { type: 'string', default: 'full' },
    'group-commit': { type: 'string', default: '256' },
    pg: { type: 'string' },
    out: { type: 'string' },
    'offline-only': { type: 'boolean', default: false },
    'pg-only': { type: 'boolean', default: false },
  },
})
const OFFLINE_ONLY = values['offline-only'] === true
const AGENTS = Number(values.agents)
const SENDERS = Number(values.senders)
const DURATION = Number(values.duration) * 1000
/** The SQLite durability settings every server of the run gets (docs/operations.md). */
const STORE_ENV = {
  WORKBINS_SQLITE_SYNCHRONOUS: values.sync,
  WORKBINS_SQLITE_GROUP_COMMIT_MAX: values['group-commit'],
}
/** BENCH_PROF=DIR: a CPU profile of each round-trip server into DIR. */
const PROF = process.env.BENCH_PROF
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Result {
  ops: number
  opsPerS: number
  p50: number
  p99: number
  lost: number
  cpuUsPerOp: number
  dbBytes?: number
}

/** The seed's round trip under load: Subscribe/Unsubscribe → the agent's message. */
async function roundTrip(
  db: string,
  log: boolean,
  transport: 'long-polling' | 'websocket',
  dir: string,
): Promise<Result> {
  const doc = join(dir, 'doc.json')
  await writeFile(doc, JSON.stringify(crashDocument(AGENTS)))
  const server = new ServerProcess(
    await freePort(),
    {
      WORKBINS_DB: db,
      WORKBINS_PROVISION: doc,
      WORKBINS_NOTIFICATION_LOG: log ? '1' : '0',
      WORKBINS_LOG_LEVEL: 'warn',
      // Capacity, not the per-user bound: one user may loop here.
      WORKBINS_USER_REQUESTS_PER_SECOND: '0',
      ...STORE_ENV,
      COMETD_MAX_SESSIONS_PER_BROWSER: '-1',
    },
    PROF
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${PROF}`,
          `--cpu-prof-name=${transport}-${log ? 'on' : 'off'}.cpuprofile`,
        ]
      : [],
  )
  await server.start()
  const agents = Array.from(
    { length: AGENTS },
    (_, i) => new Agent(i, { transport, ack: true }, server.base),
  )
  try {
    for (const a of agents) await a.connect()
    // One login each: then the desktop's JSESSIONID, as an agent desktop does.
    for (const a of agents) await a.api.request('GET', '/me')
    const path = `/me/workbins/${LATER}`
    const load = new RoundTripLoad(agents, (i, operationName) =>
      (agents[i] as Agent).op(path, { operationName }),
    )
    load.start(SENDERS)
    await sleep(1000) // warm-up
    load.reset()
    const cpu0 = await cpuOf(server.pid)
    const t0 = performance.now()
    await sleep(DURATION)
    const measured = load.sent
    const elapsed = performance.now() - t0
    const cpu1 = await cpuOf(server.pid)
    await load.stop()
    await sleep(3000) // drain
    const dbBytes = db.startsWith('postgres') ? undefined : (await stat(db)).size
    return {
      ops: measured,
      opsPerS: (measured * 1000) / elapsed,
      p50: pct(load.latencies, 0.5),
      p99: pct(load.latencies, 0.99),
      lost: load.pending.size,
      cpuUsPerOp: (cpu1 - cpu0) / Math.max(1, measured),
      dbBytes,
    }
  } finally {
    await Promise.all(agents.map((a) => a.close()))
    if (process.env.BENCH_SERVER_OUTPUT) console.log(server.output.slice(-2000))
    await server.stop()
  }
}

/**
 * put + pull on a group workbin by one agent, with `offline` more subscribers of that workbin
 * who have no CometD session (subscriptions written straight into the SQLite file first).
 */
async function offlineCost(dbPath: string, log: boolean, offline: number, dir: string) {
  const doc = join(dir, 'doc.json')
  await writeFile(doc, JSON.stringify(crashDocument(Math.max(2, offline + 1))))
  const server = new ServerProcess(await freePort(), {
    WORKBINS_DB: dbPath,
    WORKBINS_PROVISION: doc,
    WORKBINS_NOTIFICATION_LOG: log ? '1' : '0',
    WORKBINS_LOG_LEVEL: 'warn',
    // Capacity, not the per-user bound: one user may loop here.
    WORKBINS_USER_REQUESTS_PER_SECOND: '0',
    ...STORE_ENV,
  })
  await server.start()
  await server.stop()
  const sqlite = new Database(dbPath)
  const ids = sqlite.prepare('SELECT id FROM users ORDER BY user_name').pluck().all() as string[]
  const add = sqlite.prepare(
    "INSERT OR IGNORE INTO subscriptions (user_id, workbin_id, owner) VALUES (?, ?, 'Team')",
  )
  sqlite.transaction(() => {
    for (const id of ids.slice(1, offline + 1)) add.run(id, TEAM)
  })()
  sqlite.close()
  await server.start()
  const agent = new Agent(0, { transport: 'long-polling', ack: true }, server.base)
  try {
    await agent.connect()
    await agent.api.request('GET', '/me')
    const team = `/me/workbins/${TEAM}?agentGroup=Team`
    await agent.op(team, { operationName: 'Subscribe' })
    const id = 'CRASH0000000000' + '0'
    const ix = id.slice(0, 16)
    const times: number[] = []
    const cpu0 = await cpuOf(server.pid)
    const end = performance.now() + DURATION
    let n = 0
    while (performance.now() < end) {
      const t = performance.now()
      await agent.op(team, { operationName: 'AddWorkitem', id: ix })
      await agent.op(team, { operationName: 'PullWorkitem', id: ix })
      times.push(performance.now() - t)
      n++
    }
    const cpu1 = await cpuOf(server.pid)
    return { pairs: n, p50: pct(times, 0.5), cpuUsPerPair: (cpu1 - cpu0) / n }
  } finally {
    await agent.close()
    await server.stop()
  }
}

/** What the log keeps on disk in a SQLite file: pages of its tables and their indexes. */
interface Footprint {
  entries: number
  numbers: number
  logBytes: number
  numberBytes: number
}

function footprint(dbPath: string): Footprint {
  const db = new Database(dbPath, { readonly: true })
  try {
    const bytes = (names: string[]) =>
      db
        .prepare(
          `SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN (${names.map(() => '?').join(',')})`,
        )
        .pluck()
        .get(...names) as number
    const indexes = (table: string) =>
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?")
        .pluck()
        .all(table) as string[]
    return {
      entries: db.prepare('SELECT count(*) FROM notification_log').pluck().get() as number,
      // Runs of numbers (one row per feed advance), and rows of the table used before them.
      numbers: db
        .prepare(
          `SELECT (SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM user_message_runs)
            + (SELECT count(*) FROM user_messages)`,
        )
        .pluck()
        .get() as number,
      logBytes: bytes(['notification_log', ...indexes('notification_log')]),
      numberBytes: bytes([
        'user_message_runs',
        ...indexes('user_message_runs'),
        'user_messages',
        ...indexes('user_messages'),
      ]),
    }
  } finally {
    db.close()
  }
}
const footprints: { what: string; f: Footprint }[] = []

/** Databases this run created on the server of `--pg`, dropped at the end. */
const created: string[] = []

/** A new database on the server of `url` for one run. */
async function freshPgDatabase(url: string): Promise<string> {
  const pg = (await import('pg')).default
  const name = `bench_durable_${Date.now()}`
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  await c.query(`CREATE DATABASE ${name}`)
  await c.end()
  created.push(name)
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

const lines: string[] = []
const say = (l: string) => {
  lines.push(l)
  console.log(l)
}
const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-')

say(`# Durable delivery: cost (npm run bench:durable)`)
say('')
if (!OFFLINE_ONLY) await roundTrips()

async function roundTrips(): Promise<void> {
  say(
    `${new Date().toISOString()}; ${AGENTS} agents (official cometd clients, ack extension), ${SENDERS} senders, ${values.duration} s measured per run, ${values.rounds} rounds, interleaved (log on, off, off, on, ...); SQLite synchronous=${values.sync}, group commit ${values['group-commit']}.`,
  )
  say('')
  say('| store | transport | log | round | ops/s | p50 ms | p99 ms | lost | server CPU µs/op |')
  say('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |')
  const stores: [string, () => Promise<string>][] = values['pg-only']
    ? []
    : [['sqlite', async () => '']]
  if (values.pg) stores.push(['postgresql', async () => values.pg as string])
  const summary: string[] = []
  for (const [storeName, dbOf] of stores) {
    for (const transport of ['long-polling', 'websocket'] as const) {
      const on: Result[] = []
      const off: Result[] = []
      for (let round = 1; round <= Number(values.rounds); round++) {
        const order = round % 2 === 1 ? [true, false] : [false, true]
        for (const log of order) {
          const dir = await mkdtemp(join(tmpdir(), 'bench-durable-'))
          try {
            let db = await dbOf()
            if (db === '') db = join(dir, 'bench.db')
            else db = await freshPgDatabase(db)
            const r = await roundTrip(db, log, transport, dir)
            ;(log ? on : off).push(r)
            if (log && storeName === 'sqlite' && footprints.length === 0) {
              footprints.push({
                what: 'Subscribe / Unsubscribe replies (direct)',
                f: footprint(db),
              })
            }
            say(
              `| ${storeName} | ${transport} | ${log ? 'on' : 'off'} | ${round} | ${f(r.opsPerS)} | ${f(r.p50, 1)} | ${f(r.p99, 1)} | ${r.lost} | ${f(r.cpuUsPerOp)} |`,
            )
          } finally {
            await rm(dir, { recursive: true, force: true })
          }
        }
      }
      const best = (rs: Result[]) => Math.max(...rs.map((r) => r.opsPerS))
      const cpu = (rs: Result[]) => Math.min(...rs.map((r) => r.cpuUsPerOp))
      summary.push(
        `| ${storeName} | ${transport} | ${f(best(on))} | ${f(best(off))} | ${(best(on) / best(off)).toFixed(2)}× | ${f(cpu(on))} | ${f(cpu(off))} | ${f(cpu(on) - cpu(off))} |`,
      )
    }
  }
  say('')
  say('Best round of each (on ÷ off):')
  say('')
  say(
    '| store | transport | ops/s log on | ops/s log off | on ÷ off | CPU µs/op on | off | log cost µs/op |',
  )
  say('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const l of summary) say(l)
}

const offline = Number(values.offline)
if (offline > 0) {
  say('')
  say(
    `Offline subscribers (SQLite, log on/off): put + pull on a group workbin by one agent, ${values.duration} s each.`,
  )
  say('')
  say('| log | offline subscribers | put+pull pairs | p50 ms per pair | server CPU µs per pair |')
  say('| --- | ---: | ---: | ---: | ---: |')
  for (const log of [true, false]) {
    for (const n of [0, offline]) {
      const dir = await mkdtemp(join(tmpdir(), 'bench-offline-'))
      try {
        const r = await offlineCost(join(dir, 'o.db'), log, n, dir)
        if (log && n === 0) {
          footprints.push({
            what: 'put + pull on a group workbin (interaction changes)',
            f: footprint(join(dir, 'o.db')),
          })
        }
        say(`| ${log ? 'on' : 'off'} | ${n} | ${r.pairs} | ${f(r.p50, 2)} | ${f(r.cpuUsPerPair)} |`)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
  }
}
if (footprints.length > 0) {
  say('')
  say('What the log keeps (SQLite pages of its tables and indexes, measured on the files above):')
  say('')
  say('| entries of | entries | bytes per entry | numbers | bytes per number |')
  say('| --- | ---: | ---: | ---: | ---: |')
  for (const { what, f: x } of footprints) {
    say(
      `| ${what} | ${x.entries} | ${f(x.logBytes / Math.max(1, x.entries))} | ${x.numbers} | ${f(x.numberBytes / Math.max(1, x.numbers))} |`,
    )
  }
  const direct = footprints.find((x) => x.what.startsWith('Subscribe'))?.f
  const moves = footprints.find((x) => x.what.startsWith('put'))?.f
  if (direct && moves) {
    // A stated day (docs/durable-delivery.md, "Size"): per agent, 200 interactions, each put into
    // and pulled from a group workbin with 20 subscribers and then moved through the agent's own
    // workbin (4 instance entries: 2 numbered for 20 users, 2 for the agent), and 50
    // subscription changes (direct entries).
    const E = moves.logBytes / Math.max(1, moves.entries)
    const N = moves.numberBytes / Math.max(1, moves.numbers)
    const Ed = direct.logBytes / Math.max(1, direct.entries)
    const Nd = direct.numberBytes / Math.max(1, direct.numbers)
    const perUser = 200 * (4 * E + (2 * 20 + 2) * N) + 50 * (Ed + Nd)
    say('')
    say(
      `At a stated day per agent (200 interactions, each 4 changes: 2 on a group workbin of 20 subscribers, 2 on the agent's own; 50 subscription changes): ${(perUser / 1024).toFixed(0)} KiB per agent per day, kept for the retention (a day by default).`,
    )
  }
}
if (values.out) await writeFile(values.out, lines.join('\n') + '\n')
if (created.length > 0 && values.pg) {
  const pg = (await import('pg')).default
  const c = new pg.Client({ connectionString: values.pg })
  await c.connect()
  for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await c.end()
}
