// Fan-out of one reply (bench/README.md "Scale"): a group workbin with N subscribers, each with
// a live long-polling CometD session (the generator's lean raw sessions, bench/gen.ts), and one
// requester putting and pulling an interaction on that workbin in a closed loop. Measured: the
// requester's HTTP reply time, and for each operation the time until the LAST subscriber has
// received its message; nothing may be lost. faye does the same fan-out beside it: the
// requester POSTs /deliver to one channel all N sessions subscribe to (in memory, no auth).
//
//   node --import tsx bench/fanout.ts [--subscribers 1000,3000] [--duration 8] [--warmup 1]
//                                     [--servers ours,faye] [--rounds 1] [--gen-procs 1]
//                                     [--interval MS] [--out FILE] [--quick]
//
// --interval MS: start a request at most every MS ms (default 0: the closed loop). The closed
// loop does not wait for the fan-out, so a server that answers faster than it fans out queues
// operations, and the last-subscriber time includes that queue; a paced run shows the fan-out
// of one operation alone.
//
// BENCH_PROF=DIR: CPU profiles of each server in DIR/fanout-<server>-<N>/ (the largest file is
// the main thread's; bench/profile-summary.ts summarises it).
//
// `ours` is the real application (bench/app.ts: SQLite defaults, notification log on); the
// subscribers are agents of group Team who logged in and POSTed Subscribe on its AgentGroup
// workbin, then subscribed their session to /v2/me/workbins (docs/workbins-subscriptions.md).

import { fork, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { TEAM } from '../test/helpers/crash-load.ts'
import { PASSWORD } from '../test/helpers/fixtures/users.ts'
import type {
  GenResult,
  GenToParent,
  ParentToGen,
  ParentToServer,
  ServerToParent,
} from './protocol.ts'
import { APP_USER_PREFIX, HOST, nowAbs } from './protocol.ts'
import { RawConnection } from './rawhttp.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values } = parseArgs({
  options: {
    subscribers: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string', default: '1' },
    servers: { type: 'string', default: 'ours,faye' },
    rounds: { type: 'string', default: '1' },
    'gen-procs': { type: 'string', default: '1' },
    out: { type: 'string' },
    interval: { type: 'string', default: '0' },
    quick: { type: 'boolean', default: false },
  },
})
const QUICK = values.quick === true
const SIZES = (values.subscribers ?? (QUICK ? '100,300' : '1000,3000')).split(',').map(Number)
const DURATION_MS = Number(values.duration ?? (QUICK ? '3' : '8')) * 1000
const WARMUP_MS = Number(values.warmup) * 1000
const SERVERS = (values.servers ?? '').split(',') as ('ours' | 'faye')[]
const ROUNDS = Number(values.rounds)
const GEN_PROCS = Number(values['gen-procs'])
const INTERVAL_MS = Number(values.interval)
if (!Number.isFinite(INTERVAL_MS) || INTERVAL_MS < 0) throw new Error('--interval: ms >= 0')
for (const s of SERVERS) if (s !== 'ours' && s !== 'faye') throw new Error(`--servers: ${s}?`)
for (const n of [...SIZES, DURATION_MS, ROUNDS, GEN_PROCS]) {
  if (!Number.isInteger(n) || n <= 0) throw new Error('sizes, duration, rounds: positive integers')
}
/** Bounds the requester's loop and the generators' per-op arrays. */
const MAX_OPS = 200_000
const TEAM_PATH = `/me/workbins/${TEAM}?agentGroup=Team`
/** crash0's first interaction (crashDocument): the one put and pulled. */
const ITEM = 'CRASH00000000000'
const FAN_USER = 'fan'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number
}
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–')

function next<T>(child: ChildProcess, pred: (m: T) => boolean, ms: number, what: string) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)
    const onMsg = (m: unknown) => {
      if (!pred(m as T)) return
      clearTimeout(timer)
      child.off('message', onMsg)
      resolve(m as T)
    }
    child.on('message', onMsg)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what}: process exited (${code})`))
    })
  })
}

async function stop(child: ChildProcess, msg: ParentToServer | ParentToGen): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  if (child.connected) child.send(msg)
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

interface Result {
  server: string
  subscribers: number
  sessions: number
  ops: number
  opsPerS: number
  replyP50: number
  replyP99: number
  lastP50: number
  lastP99: number
  /** Subscriber messages never received (ops × subscribers − received). */
  lost: number
  serverUsPerOp: number
  commitsPerOp: number | undefined
  genCpu: number[]
}

/** The requester: a closed loop of put/pull (ours) or /deliver (faye) from t0 to `end`. */
async function requester(kind: 'ours' | 'faye', port: number, t0: number, end: number) {
  const conn = new RawConnection(HOST, port)
  let headers = ''
  if (kind === 'ours') {
    const basic = Buffer.from(`${APP_USER_PREFIX}0:${PASSWORD}`).toString('base64')
    const me = await conn.send('GET', '/api/v2/me', '', `Authorization: Basic ${basic}\r\n`)
    if (me.status !== 200) throw new Error(`requester login: HTTP ${me.status}`)
    headers = `Cookie: ${me.cookies.join('; ')}\r\n`
  }
  const sentAt: number[] = []
  const replyMs: number[] = []
  await sleep(Math.max(0, t0 - nowAbs()))
  try {
    for (let k = 0; k < MAX_OPS; k++) {
      if (k > 0 && INTERVAL_MS > 0) {
        await sleep(Math.max(0, (sentAt[k - 1] as number) + INTERVAL_MS - nowAbs()))
      }
      const t = nowAbs()
      if (t >= end) break
      const res =
        kind === 'ours'
          ? await conn.post(
              `/api/v2${TEAM_PATH}`,
              `{"operationName":"${k % 2 === 0 ? 'AddWorkitem' : 'PullWorkitem'}","id":"${ITEM}"}`,
              headers,
            )
          : await conn.post('/deliver', `{"user":"${FAN_USER}","data":{"seq":${k},"t":${t}}}`)
      if (res.status < 200 || res.status >= 300)
        throw new Error(`requester op ${k}: HTTP ${res.status} ${res.body}`)
      sentAt.push(t)
      replyMs.push(nowAbs() - t)
    }
  } finally {
    conn.close()
  }
  return { sentAt, replyMs }
}

async function measure(kind: 'ours' | 'faye', n: number): Promise<Result> {
  const prof = process.env.BENCH_PROF
  const server = fork(path.join(here, 'server.ts'), [kind === 'ours' ? 'app' : 'faye'], {
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      ...(prof
        ? // One profile per thread (tsx's loader runs in a worker): the main one is the largest.
          ['--cpu-prof', `--cpu-prof-dir=${path.join(prof, `fanout-${kind}-${n}`)}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_APP_USERS: String(n + 1) },
  })
  const gens: ChildProcess[] = []
  try {
    const ready = await next<ServerToParent>(server, (m) => m.type === 'ready', 120_000, 'server')
    if (ready.type !== 'ready') throw new Error('unreachable')
    const port = ready.port
    for (let g = 0; g < GEN_PROCS; g++) {
      gens.push(
        fork(path.join(here, 'gen.ts'), [], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          serialization: 'advanced',
        }),
      )
    }
    const readies = gens.map((g) =>
      next<GenToParent>(g, (m) => m.type === 'ready', 300_000, 'subscribers'),
    )
    gens.forEach((gen, g) => {
      const users: string[] = []
      // ours: agents crash1..crashN (crash0 is the requester); faye: any names.
      for (let i = 1 + g; i <= n; i += GEN_PROCS) users.push(`${APP_USER_PREFIX}${i}`)
      gen.send({
        type: 'init',
        port,
        kind: kind === 'ours' ? 'app' : 'faye',
        transport: 'long-polling',
        users,
        allUsers: n,
        userPrefix: APP_USER_PREFIX,
        senders: 0,
        genIndex: 0,
        genCount: 1,
        maxSends: MAX_OPS,
        setupConcurrency: 16,
        scenario: 'fanout',
        ...(kind === 'ours'
          ? { password: PASSWORD, restSubscribe: TEAM_PATH }
          : { channel: `/u/${FAN_USER}` }),
      } satisfies ParentToGen)
    })
    let sessions = 0
    for (const r of await Promise.all(readies)) {
      if (r.type !== 'ready') continue
      sessions += r.sessions
      if (r.firstError) console.error(`  ${kind}: session setup error: ${r.firstError}`)
    }
    const t0 = nowAbs() + 300
    const windowStart = t0 + WARMUP_MS
    const end = windowStart + DURATION_MS
    const cpuP = next<ServerToParent>(server, (m) => m.type === 'cpu', end - t0 + 30_000, 'cpu')
    server.send({ type: 'cpu', id: 1, start: windowStart, end } satisfies ParentToServer)
    const results = gens.map((g) =>
      next<GenToParent>(g, (m) => m.type === 'result', end - t0 + 60_000, 'subscribers run'),
    )
    for (const g of gens) {
      g.send({ type: 'go', t0, warmupMs: WARMUP_MS, durationMs: DURATION_MS, drainMs: 10_000 })
    }
    const req = await requester(kind, port, t0, end)
    const res: GenResult[] = []
    for (const r of await Promise.all(results)) if (r.type === 'result') res.push(r.result)
    const cpu = await cpuP
    // Op k's last arrival over every generator, and how many subscribers got it.
    const ops = req.sentAt.length
    const last = new Float64Array(ops)
    const count = new Uint32Array(ops)
    for (const r of res) {
      const l = r.fanoutLast ?? new Float64Array(0)
      const c = r.fanoutCount ?? new Uint32Array(0)
      for (let k = 0; k < Math.min(ops, l.length); k++) {
        if ((l[k] as number) > (last[k] as number)) last[k] = l[k] as number
        count[k] = (count[k] as number) + (c[k] as number)
      }
    }
    const lastMs: number[] = []
    const replies: number[] = []
    let inWindow = 0
    let lost = 0
    for (let k = 0; k < ops; k++) {
      lost += sessions - (count[k] as number)
      const t = req.sentAt[k] as number
      if (t < windowStart || t >= end) continue
      inWindow++
      replies.push(req.replyMs[k] as number)
      if (count[k] === sessions) lastMs.push((last[k] as number) - t)
    }
    const extra = res.reduce((a, r) => a + Math.max(0, (r.fanoutCount?.length ?? 0) - ops), 0)
    if (extra > 0) console.error(`  ${kind}: ${extra} messages more than operations`)
    const busy = cpu.type === 'cpu' ? cpu.busy : NaN
    const commits = cpu.type === 'cpu' ? cpu.commits : undefined
    return {
      server: kind === 'ours' ? 'this server (full application)' : 'faye 1.4.3 (/deliver)',
      subscribers: n,
      sessions,
      ops: inWindow,
      opsPerS: inWindow / (DURATION_MS / 1000),
      replyP50: quantile(replies, 0.5),
      replyP99: quantile(replies, 0.99),
      lastP50: quantile(lastMs, 0.5),
      lastP99: quantile(lastMs, 0.99),
      lost,
      serverUsPerOp: (busy * DURATION_MS * 1000) / Math.max(1, inWindow),
      commitsPerOp: commits === undefined ? undefined : commits / Math.max(1, inWindow),
      genCpu: res.map((r) => r.cpuBusy),
    }
  } finally {
    await Promise.all(gens.map((g) => stop(g, { type: 'stop' })))
    await stop(server, { type: 'stop' })
  }
}

async function main(): Promise<void> {
  const lines: string[] = []
  const say = (l: string) => {
    lines.push(l)
    console.log(l)
  }
  say(`## Fan-out of one reply (bench/fanout.ts)`)
  say('')
  say(
    `${new Date().toISOString()}, Node ${process.version}. One requester ` +
      (INTERVAL_MS > 0
        ? `starting a request every ${INTERVAL_MS} ms at most`
        : 'in a closed loop') +
      ', ' +
      `${WARMUP_MS / 1000} s warm-up then ${DURATION_MS / 1000} s measured; every subscriber a ` +
      `long-polling session (${GEN_PROCS} generator process(es)); ${ROUNDS} round(s), ` +
      'servers in reverse order on even rounds. ours: put/pull of one interaction on an ' +
      'AgentGroup workbin all subscribers subscribed to (SQLite defaults, log on); faye: POST ' +
      '/deliver publishing on one channel all subscribers subscribed to. "last subscriber" = ' +
      'time from just before the request until the last of the N sessions has the message. ' +
      'Targets: reply p50 < 5 ms; last subscriber p99 < 50 ms at 1,000.',
  )
  say('')
  say(
    '| subscribers | server | round | ops/s | reply p50 / p99 ms | last subscriber p50 / p99 ms | lost | server CPU µs/op | commits/op | generator CPU |',
  )
  say('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const n of SIZES) {
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? SERVERS : [...SERVERS].reverse()
      for (const kind of order) {
        console.error(`fan-out: ${kind}, ${n} subscribers, round ${round}`)
        const r = await measure(kind, n)
        const sessions = r.sessions === n ? '' : ` (${r.sessions} sessions up)`
        say(
          `| ${n}${sessions} | ${r.server} | ${round} | ${f(r.opsPerS, 0)} | ${f(r.replyP50)} / ${f(r.replyP99)} ` +
            `| ${f(r.lastP50)} / ${f(r.lastP99)} | ${r.lost} | ${f(r.serverUsPerOp, 0)} ` +
            `| ${r.commitsPerOp === undefined ? '–' : f(r.commitsPerOp, 3)} ` +
            `| ${r.genCpu.map((c) => `${(c * 100).toFixed(0)}%`).join(' + ')} |`,
        )
      }
    }
  }
  if (values.out) writeFileSync(values.out, lines.join('\n') + '\n')
}

const hardStop = setTimeout(() => {
  console.error('fanout: time limit (30 min) reached, exiting')
  process.exit(2)
}, 30 * 60_000)
hardStop.unref()
await main()
