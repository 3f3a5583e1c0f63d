// CometD benchmark: `npm run bench` (full run) or `npm run bench -- --quick` (smoke check).
//
// For each server (ours, faye 1.4, cometd-nodejs-server 1.2) and each transport it has, a fresh
// server process is started, its memory is measured with no session and with N idle sessions,
// then S senders POST /deliver for random users for the warm-up plus D seconds, and the
// generator reports deliveries/s, send-to-receive latency and losses. Results are printed as
// a markdown table with ratios to the best peer and written to bench/results/.
//
// Options (flag or environment variable; the defaults are the reference load: 2000 idle
// sessions, 32 senders, a 10 s window):
//   --sessions N     BENCH_SESSIONS   sessions (= users), default 2000 (quick: 200)
//   --senders N      BENCH_SENDERS    concurrent sender loops, default 32
//   --duration S     BENCH_DURATION   measured window, seconds, default 10 (quick: 3)
//   --warmup S       BENCH_WARMUP     load before the window, seconds, default 2 (quick: 1)
//   --servers LIST   BENCH_SERVERS    comma list of ours,app,faye,cometd (default: all four), and
//                                     `floor`: a diagnostic minimal node:http long-polling
//                                     server (server.ts), never counted as a peer; `base`:
//                                     this server from the checkout in BENCH_BASE_DIR (an
//                                     earlier commit, `git worktree add DIR COMMIT` + npm ci),
//                                     for a before/after comparison in the same run.
//                                     `app` is this server as the real application on the
//                                     seed's round trip (REST Subscribe/Unsubscribe → CometD
//                                     message; bench/app.ts), beside the same peers
//   --scenario S     BENCH_SCENARIO   `deliver` (= --servers ours,faye,cometd) or `roundtrip`
//                                     (= --servers app,faye,cometd); default both
//   --transports L   BENCH_TRANSPORTS comma list of long-polling,websocket (default: both)
//   --gen-procs N    BENCH_GEN_PROCS  load-generator processes, default 1
//   --out FILE       BENCH_OUT        markdown output (default bench/results/latest.md;
//                                     quick runs: bench/results/quick.md)
//   --rounds N       BENCH_ROUNDS     measure every (server, transport) N times, interleaved,
//                                     and report the round with the median deliveries/s
//                                     (default 5; quick: 1). Odd rounds run the servers in
//                                     the listed order, even rounds in reverse (ABBA), so a
//                                     host that speeds up or slows down favours nobody
//   --pin S:G        BENCH_PIN        pin each server to CPU list S and the generators to G
//                                     (taskset), the same for every server (e.g. 0:1); default
//                                     none: pinned, the closed-loop generator limits the faster
//                                     servers before their CPU does (seen: this server at 90%
//                                     of its CPU, 1.44x faye, with 1.53x less CPU per delivery)
//   --heap                            write heap snapshots of the servers with no session and
//                                     with the idle sessions (bench/results/prof)
//   --prof                            run the servers with --cpu-prof (profiles in bench/results/prof)
//   --quick                           200 sessions, 3 s window

import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type {
  GenInit,
  GenResult,
  GenToParent,
  ParentToGen,
  ParentToServer,
  ServerKind,
  ServerToParent,
  Transport,
} from './protocol.ts'
import { APP_USER_PREFIX, isPeer, nowAbs, transportsOf } from './protocol.ts'
import { PASSWORD as APP_PASSWORD } from '../test/helpers/fixtures/users.ts'
import { LATER as APP_WORKBIN } from '../test/helpers/crash-load.ts'
import { renderReport, type Row } from './report.ts'

const here = path.dirname(fileURLToPath(import.meta.url))

interface Options {
  sessions: number
  senders: number
  durationS: number
  warmupS: number
  servers: ServerKind[]
  transports: Transport[]
  genProcs: number
  rounds: number
  /** CPU lists for taskset: [server, generators], or null (not pinned). */
  pin: [string, string] | null
  out: string
  prof: boolean
  heap: boolean
  quick: boolean
}

function parseArgs(argv: string[]): Options {
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`)
    const name = a.slice(2)
    if (name === 'quick' || name === 'prof' || name === 'heap') flags.set(name, '1')
    else {
      const v = argv[++i]
      if (v === undefined) throw new Error(`--${name} needs a value`)
      flags.set(name, v)
    }
  }
  const get = (flag: string, env: string): string | undefined =>
    flags.get(flag) ?? (process.env[env] || undefined)
  const int = (flag: string, env: string, def: number): number => {
    const v = get(flag, env)
    if (v === undefined) return def
    const n = Number(v)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number`)
    return n
  }
  const quick = flags.has('quick') || process.env.BENCH_QUICK === '1'
  const list = <T extends string>(flag: string, env: string, all: T[], optIn: T[] = []): T[] => {
    const v = get(flag, env)
    if (v === undefined) return all
    const out = v.split(',').map((s) => s.trim()) as T[]
    for (const x of out) {
      if (!all.includes(x) && !optIn.includes(x)) throw new Error(`--${flag}: unknown "${x}"`)
    }
    return out
  }
  return {
    sessions: int('sessions', 'BENCH_SESSIONS', quick ? 200 : 2000),
    senders: int('senders', 'BENCH_SENDERS', 32),
    durationS: int('duration', 'BENCH_DURATION', quick ? 3 : 10),
    warmupS: int('warmup', 'BENCH_WARMUP', quick ? 1 : 2),
    servers: list<ServerKind>(
      'servers',
      'BENCH_SERVERS',
      scenarioServers(get('scenario', 'BENCH_SCENARIO')),
      ['floor', 'base', 'ours', 'app'],
    ),
    transports: list<Transport>('transports', 'BENCH_TRANSPORTS', ['long-polling', 'websocket']),
    genProcs: int('gen-procs', 'BENCH_GEN_PROCS', 1),
    rounds: int('rounds', 'BENCH_ROUNDS', quick ? 1 : 5),
    pin: parsePin(get('pin', 'BENCH_PIN')),
    out: get('out', 'BENCH_OUT') ?? path.join(here, 'results', quick ? 'quick.md' : 'latest.md'),
    prof: flags.has('prof'),
    heap: flags.has('heap'),
    quick,
  }
}

/** The default servers of a scenario (both scenarios when none is named). */
function scenarioServers(scenario: string | undefined): ServerKind[] {
  if (scenario === undefined) return ['ours', 'app', 'faye', 'cometd']
  if (scenario === 'deliver') return ['ours', 'faye', 'cometd']
  if (scenario === 'roundtrip') return ['app', 'faye', 'cometd']
  throw new Error(`--scenario: expected deliver or roundtrip, got ${scenario}`)
}

/** What a generator does against `kind`: the round trip with real logins for `app`. */
function scenarioInit(kind: ServerKind): Partial<GenInit> {
  if (kind !== 'app') return {}
  return {
    scenario: 'roundtrip',
    password: APP_PASSWORD,
    roundtripPath: `/me/workbins/${APP_WORKBIN}`,
  }
}

/** The checkout the `base` server runs from (BENCH_BASE_DIR). */
function baseDir(): string {
  const dir = process.env.BENCH_BASE_DIR
  if (!dir)
    throw new Error('--servers base needs BENCH_BASE_DIR (a checkout of the earlier commit)')
  return path.resolve(dir)
}

/** `S:G` CPU lists, or `none` (the default). */
function parsePin(v: string | undefined): [string, string] | null {
  if (v === undefined || v === 'none') return null
  const m = /^([\d,-]+):([\d,-]+)$/.exec(v)
  if (!m) throw new Error(`--pin: expected S:G CPU lists (e.g. 0:1) or none, got ${v}`)
  if (!hasTaskset()) throw new Error('--pin needs taskset (util-linux)')
  return [m[1] as string, m[2] as string]
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

// ---- child processes ------------------------------------------------------------------------

/**
 * Pin every thread of a child to `cpus` (threads it starts later inherit it). Each server is
 * pinned the same way, so none of them gets a different CPU (the host's vCPUs are not always
 * equally fast) and the scheduler does not move it mid-run.
 */
function pinTo(child: ChildProcess, cpus: string | undefined): void {
  if (cpus === undefined || child.pid === undefined) return
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(child.pid)], { stdio: 'ignore' })
}

/** Resolves with the next IPC message matching `pred`, or rejects after `ms`. */
function nextMessage<T>(child: ChildProcess, pred: (m: T) => boolean, ms: number, what: string) {
  return new Promise<T>((resolve, reject) => {
    const onMsg = (m: unknown): void => {
      if (!pred(m as T)) return
      cleanup()
      resolve(m as T)
    }
    const onExit = (code: number | null): void => {
      cleanup()
      reject(new Error(`${what}: process exited (${code}) before answering`))
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`${what}: no answer within ${ms} ms`))
    }, ms)
    const cleanup = (): void => {
      clearTimeout(timer)
      child.off('message', onMsg)
      child.off('exit', onExit)
    }
    child.on('message', onMsg)
    child.on('exit', onExit)
  })
}

/** Asks a child to stop, then kills that one child (by its pid) if it has not exited in 5 s. */
async function stopChild(child: ChildProcess, msg: ParentToServer | ParentToGen): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  if (child.connected) child.send(msg)
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

let reqId = 0

const MAX_OTHER_CPU = 0.5
const MAX_RETRIES = 2

const pct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : 'n/a')

async function serverSnapshot(server: ChildProcess, file: string): Promise<void> {
  const id = ++reqId
  const p = nextMessage<ServerToParent>(
    server,
    (m) => m.type === 'snapshot' && m.id === id,
    120_000,
    'heap snapshot',
  )
  mkdirSync(path.dirname(file), { recursive: true })
  server.send({ type: 'snapshot', id, file } satisfies ParentToServer)
  await p
}

async function serverMem(server: ChildProcess): Promise<NodeJS.MemoryUsage> {
  const id = ++reqId
  const p = nextMessage<ServerToParent>(
    server,
    (m) => m.type === 'mem' && m.id === id,
    30_000,
    'mem',
  )
  server.send({ type: 'mem', id } satisfies ParentToServer)
  const m = await p
  if (m.type !== 'mem') throw new Error('unreachable')
  return m.mem
}

/** Busy jiffies of the whole machine (all cores) from /proc/stat, or NaN if unavailable. */
function machineJiffies(): number {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? ''
    const v = line.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal ...
    return v.reduce((a, b) => a + b, 0) - (v[3] ?? 0) - (v[4] ?? 0)
  } catch {
    return NaN
  }
}

/** Cores busy on the whole machine between two absolute times (USER_HZ = 100). */
async function sampleMachineBusy(start: number, end: number): Promise<number> {
  const sleepUntil = (t: number): Promise<void> =>
    new Promise((r) => setTimeout(r, Math.max(0, t - nowAbs())))
  await sleepUntil(start)
  const a = machineJiffies()
  const at = nowAbs()
  await sleepUntil(end)
  return (machineJiffies() - a) / 100 / ((nowAbs() - at) / 1000)
}

/**
 * A fixed CPU-bound workload (JSON round trips), timed just before each run: the host's speed
 * drifts (the machine is a VM on shared hardware), and this shows by how much.
 */
function calibrate(): number {
  const obj = { channel: '/v2/me/workbins', data: { seq: 123456, t: 1.5e12, list: [1, 2, 3] } }
  const start = performance.now()
  let n = 0
  for (let i = 0; i < 200_000; i++) n += (JSON.parse(JSON.stringify(obj)) as typeof obj).data.seq
  if (n < 0) console.log(n)
  return performance.now() - start
}

/**
 * The machine is shared: before each measurement wait (at most 60 s) for a second in which
 * other processes use less than a quarter of a core. Returns that load (cores).
 */
async function waitForQuietMachine(): Promise<number> {
  const until = Date.now() + 60_000
  for (;;) {
    const now = nowAbs()
    const busy = await sampleMachineBusy(now, now + 1000)
    if (!(busy >= 0.25) || Date.now() > until) return busy
  }
}

function forkGen(opts: Options): ChildProcess {
  const gen = fork(path.join(here, 'gen.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  })
  pinTo(gen, opts.pin?.[1])
  return gen
}

/**
 * Before the no-session memory baseline: 200 throw-away sessions (users w0..w199) take 1 s of
 * deliveries and then /meta/disconnect, so that code compiled and caches filled on first use
 * are in the baseline, not counted per idle session.
 */
async function warmUp(
  opts: Options,
  port: number,
  kind: ServerKind,
  transport: Transport,
): Promise<void> {
  const gen = forkGen(opts)
  try {
    const users = Math.min(200, opts.sessions)
    const ready = nextMessage<GenToParent>(gen, (m) => m.type === 'ready', 60_000, 'warm-up setup')
    const prefix = kind === 'app' ? APP_USER_PREFIX : 'w'
    gen.send({
      ...scenarioInit(kind),
      type: 'init',
      port,
      kind,
      transport,
      users: Array.from({ length: users }, (_, i) => `${prefix}${i}`),
      allUsers: users,
      userPrefix: prefix,
      senders: Math.min(8, opts.senders),
      genIndex: 0,
      genCount: 1,
      maxSends: 200_000,
      setupConcurrency: 32,
    } satisfies ParentToGen)
    await ready
    const result = nextMessage<GenToParent>(gen, (m) => m.type === 'result', 30_000, 'warm-up')
    gen.send({ type: 'go', t0: nowAbs() + 50, warmupMs: 0, durationMs: 1000, drainMs: 3000 })
    await result
    const done = nextMessage<GenToParent>(
      gen,
      (m) => m.type === 'disconnected',
      30_000,
      'warm-up end',
    )
    gen.send({ type: 'disconnect' } satisfies ParentToGen)
    const d = await done
    if (d.type === 'disconnected' && d.failed > 0) {
      console.error(`  warm-up: ${d.failed} sessions failed to disconnect`)
    }
  } finally {
    await stopChild(gen, { type: 'stop' })
  }
  await new Promise((r) => setTimeout(r, 1500))
}

// ---- one (server, transport) measurement ----------------------------------------------------

async function measure(
  opts: Options,
  kind: ServerKind,
  transport: Transport,
  round: number,
): Promise<Row> {
  const execArgv = ['--import', 'tsx', '--expose-gc']
  if (opts.prof) {
    // Node writes one profile per thread (tsx's loader runs in a worker): one folder per run,
    // the main thread's profile is the largest file in it.
    const dir = path.join(here, 'results', 'prof', `${kind}-${transport}-${round}`)
    mkdirSync(dir, { recursive: true })
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`)
  }
  // `base` runs the bench server of another checkout, as `ours` there.
  const serverScript =
    kind === 'base' ? path.join(baseDir(), 'bench', 'server.ts') : path.join(here, 'server.ts')
  const server = fork(serverScript, [kind === 'base' ? 'ours' : kind], {
    execArgv,
    env: { ...process.env, BENCH_APP_USERS: String(Math.max(200, opts.sessions)) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  pinTo(server, opts.pin?.[0])
  const gens: ChildProcess[] = []
  try {
    const ready = await nextMessage<ServerToParent>(
      server,
      (m) => m.type === 'ready',
      30_000,
      `${kind} start`,
    )
    if (ready.type !== 'ready') throw new Error('unreachable')
    const port = ready.port
    await warmUp(opts, port, kind, transport)
    const memBase = await serverMem(server)
    const snapshot = (what: string): Promise<void> | undefined =>
      opts.heap
        ? serverSnapshot(
            server,
            path.join(
              here,
              'results',
              'prof',
              `${kind}-${transport}-${round}-${what}.heapsnapshot`,
            ),
          )
        : undefined
    await snapshot('base')

    // Generators: users u0..u(N-1), user i in process i % P; senders split evenly.
    const P = opts.genProcs
    const durationMs = opts.durationS * 1000
    const warmupMs = opts.warmupS * 1000
    const maxSends = 3_000_000
    for (let g = 0; g < P; g++) gens.push(forkGen(opts))
    const readies = gens.map((gen) =>
      nextMessage<GenToParent>(gen, (m) => m.type === 'ready', 120_000, 'generator setup'),
    )
    gens.forEach((gen, g) => {
      const users: string[] = []
      const prefix = kind === 'app' ? APP_USER_PREFIX : 'u'
      for (let i = g; i < opts.sessions; i += P) users.push(`${prefix}${i}`)
      const senders = Math.floor(opts.senders / P) + (g < opts.senders % P ? 1 : 0)
      gen.send({
        ...scenarioInit(kind),
        type: 'init',
        port,
        kind,
        transport,
        users,
        allUsers: opts.sessions,
        userPrefix: prefix,
        senders,
        genIndex: g,
        genCount: P,
        maxSends,
        setupConcurrency: 32,
      } satisfies ParentToGen)
    })
    let sessions = 0
    let failed = 0
    for (const r of await Promise.all(readies)) {
      if (r.type !== 'ready') continue
      sessions += r.sessions
      failed += r.failed
      if (r.firstError) console.error(`  ${kind}/${transport} session setup error: ${r.firstError}`)
    }
    const memIdle = await serverMem(server)
    await snapshot('idle')

    const t0 = nowAbs() + 300
    const windowStart = t0 + warmupMs
    const machineBusy = sampleMachineBusy(windowStart, windowStart + durationMs)
    const cpuId = ++reqId
    const cpuP = nextMessage<ServerToParent>(
      server,
      (m) => m.type === 'cpu' && m.id === cpuId,
      warmupMs + durationMs + 30_000,
      'server cpu',
    )
    server.send({
      type: 'cpu',
      id: cpuId,
      start: windowStart,
      end: windowStart + durationMs,
    } satisfies ParentToServer)
    const results = gens.map((gen) =>
      nextMessage<GenToParent>(
        gen,
        (m) => m.type === 'result',
        warmupMs + durationMs + 60_000,
        'generator run',
      ),
    )
    for (const gen of gens)
      gen.send({ type: 'go', t0, warmupMs, durationMs, drainMs: 10_000 } satisfies ParentToGen)
    const res: GenResult[] = []
    for (const r of await Promise.all(results)) if (r.type === 'result') res.push(r.result)
    const cpu = await cpuP
    const serverBusy = cpu.type === 'cpu' ? cpu.busy : NaN
    const commits = cpu.type === 'cpu' ? cpu.commits : undefined
    const otherCpu = (await machineBusy) - serverBusy - res.reduce((a, r) => a + r.cpuBusy, 0)

    const sum = (f: (r: GenResult) => number): number => res.reduce((a, r) => a + f(r), 0)
    const lat = new Float64Array(sum((r) => r.latencies.length))
    let off = 0
    for (const r of res) {
      lat.set(r.latencies, off)
      off += r.latencies.length
    }
    lat.sort()
    const pct = (p: number): number =>
      lat.length === 0 ? NaN : (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] as number)
    const sent = sum((r) => r.sent)
    const received = sum((r) => r.received)
    return {
      kind,
      transport,
      sessions,
      failedSessions: failed,
      deliveriesPerS: sum((r) => r.receivedInWindow) / opts.durationS,
      p50: pct(0.5),
      p99: pct(0.99),
      sent,
      lost: sent - received,
      duplicates: sum((r) => r.duplicates),
      sendErrors: sum((r) => r.sendErrors),
      rehandshakes: sum((r) => r.rehandshakes),
      connectErrors: sum((r) => r.connectErrors),
      wsClosed: sum((r) => r.wsClosed),
      heapPerSessionKiB:
        sessions > 0
          ? (memIdle.heapUsed + memIdle.external - memBase.heapUsed - memBase.external) /
            1024 /
            sessions
          : NaN,
      rssPerSessionKiB: sessions > 0 ? (memIdle.rss - memBase.rss) / 1024 / sessions : NaN,
      serverCpu: serverBusy,
      genCpu: res.map((r) => r.cpuBusy),
      otherCpu,
      calibrationMs: NaN,
      round,
      serverUsPerDelivery:
        (serverBusy * durationMs * 1000) /
        Math.max(
          1,
          sum((r) => r.receivedInWindow),
        ),
      attempts: 1,
      commitsPerOp:
        commits === undefined
          ? undefined
          : commits /
            Math.max(
              1,
              sum((r) => r.sentInWindow),
            ),
    }
  } finally {
    await Promise.all(gens.map((g) => stopChild(g, { type: 'stop' })))
    await stopChild(server, { type: 'stop' })
  }
}

/** The code measured: commit, and whether src/ differs from it. */
function codeVersion(): string {
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: path.join(here, '..'), encoding: 'utf8' }).trim()
    const commit = git('rev-parse', '--short', 'HEAD')
    const dirty = git('status', '--porcelain', '--', 'src') !== ''
    return `commit ${commit}${dirty ? ' with uncommitted changes in src/' : ''}`
  } catch {
    return 'not a git checkout'
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2))
  const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`
  console.log(`# ${command}`)
  console.log(
    `sessions=${opts.sessions} senders=${opts.senders} warmup=${opts.warmupS}s duration=${opts.durationS}s ` +
      `servers=${opts.servers.join(',')} transports=${opts.transports.join(',')} gen-procs=${opts.genProcs} ` +
      `pin=${opts.pin ? opts.pin.join(':') : 'none'}`,
  )
  const runs = new Map<string, Row[]>()
  for (let round = 1; round <= opts.rounds; round++) {
    // ABBA: even rounds run the servers in reverse order (drift of the host favours nobody).
    const order = round % 2 === 1 ? opts.servers : [...opts.servers].reverse()
    for (const transport of opts.transports) {
      for (const kind of order) {
        if (!transportsOf(kind).includes(transport)) continue
        const key = `${transport} ${kind}`
        // A run disturbed by other processes (> MAX_OTHER_CPU of a core during the window)
        // is repeated, at most MAX_RETRIES times; the least disturbed attempt is kept.
        let best: Row | undefined
        for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
          const quiet = await waitForQuietMachine()
          const calibrationMs = calibrate()
          const started = Date.now()
          process.stdout.write(
            `[round ${round}/${opts.rounds}] ${kind} / ${transport}` +
              `${attempt ? ` retry ${attempt}` : ''} (load before: ${pct(quiet)}, ` +
              `calibration ${calibrationMs.toFixed(0)} ms) ... `,
          )
          try {
            const row = await measure(opts, kind, transport, round)
            row.calibrationMs = calibrationMs
            row.round = round
            console.log(
              `${row.deliveriesPerS.toFixed(0)} deliveries/s, p50 ${row.p50.toFixed(2)} ms, ` +
                `p99 ${row.p99.toFixed(2)} ms, lost ${row.lost}/${row.sent}, ` +
                `${row.heapPerSessionKiB.toFixed(2)} KiB heap/idle session, ` +
                `cpu: server ${pct(row.serverCpu)} (${row.serverUsPerDelivery.toFixed(0)} µs/delivery), ` +
                `generator ${row.genCpu.map(pct).join('+')}, other processes ${pct(row.otherCpu)} ` +
                `(${((Date.now() - started) / 1000).toFixed(0)} s)`,
            )
            row.attempts = attempt + 1
            if (!best || row.otherCpu < best.otherCpu) best = row
            if (row.otherCpu <= MAX_OTHER_CPU) break
          } catch (err) {
            console.log(`FAILED: ${String(err)}`)
          }
        }
        if (best) runs.set(key, [...(runs.get(key) ?? []), best])
      }
    }
  }
  // Per (transport, server): the round with the median deliveries/s, with the spread noted.
  // The host's speed drifts between minutes, so our server is also compared with the best
  // peer of the same round (paired ratios).
  const rows: Row[] = []
  for (const list of runs.values()) {
    const sorted = [...list].sort((a, b) => a.deliveriesPerS - b.deliveriesPerS)
    const median = sorted[Math.floor((sorted.length - 1) / 2)] as Row
    const row: Row = { ...median, roundsDeliveriesPerS: list.map((r) => r.deliveriesPerS) }
    if (row.kind === 'ours' || row.kind === 'app') {
      row.pairedDeliveryRatios = []
      row.pairedP99Ratios = []
      for (const mine of list) {
        const peers = [...runs.values()]
          .flat()
          .filter((r) => isPeer(r.kind) && r.transport === mine.transport && r.round === mine.round)
        if (peers.length === 0) continue
        row.pairedDeliveryRatios.push(
          mine.deliveriesPerS / Math.max(...peers.map((r) => r.deliveriesPerS)),
        )
        row.pairedP99Ratios.push(mine.p99 / Math.min(...peers.map((r) => r.p99)))
      }
      row.pairedBaseRatios = []
      for (const mine of list) {
        const base = [...runs.values()]
          .flat()
          .find(
            (r) => r.kind === 'base' && r.transport === mine.transport && r.round === mine.round,
          )
        if (base) {
          row.pairedBaseRatios.push(mine.deliveriesPerS / base.deliveriesPerS)
          row.pairedBaseCpuRatios ??= []
          row.pairedBaseCpuRatios.push(mine.serverUsPerDelivery / base.serverUsPerDelivery)
        }
      }
    }
    rows.push(row)
  }
  const report = renderReport(rows, {
    command,
    opts: {
      sessions: opts.sessions,
      senders: opts.senders,
      durationS: opts.durationS,
      warmupS: opts.warmupS,
      genProcs: opts.genProcs,
      rounds: opts.rounds,
      pin: opts.pin,
    },
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ${(
      os.totalmem() /
      2 ** 30
    ).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`,
    date: new Date().toISOString(),
    code: codeVersion(),
  })
  console.log('')
  console.log(report)
  mkdirSync(path.dirname(opts.out), { recursive: true })
  writeFileSync(opts.out, report)
  console.log(`written to ${path.relative(process.cwd(), opts.out)}`)
}

const hardStop = setTimeout(() => {
  console.error('bench: overall time limit (60 min) reached, exiting')
  process.exit(2)
}, 60 * 60_000)
hardStop.unref()

await main()
