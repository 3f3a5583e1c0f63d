// The scale suite (bench/README.md "Scale"): a generated contact center of 10,000 users,
// 1,000 groups and 50,000 interactions (bench/scale/contact-center.ts), served by this tree and,
// with --base DIR (a checkout of an earlier commit with its node_modules), by that build beside
// it in the same run. Measures:
//   - RequestAgentStats of the supervisor of the 3,000-member group (Place and PlaceGroup of a
//     member: the access checks that walked members x users), p50 / p99;
//   - content of the 10,000-item workbin: the first page of 100 (paging; this tree only), the
//     whole GWS reply (ms, bytes), and the latency of 8 other clients (GET /me, closed loop)
//     alone and while one client loops the whole content.
// Rounds are interleaved ABBA. On a shared machine the numbers are noisy: compare within a run.
//
//   node --import tsx bench/scale.ts [--base DIR] [--rounds 2] [--duration 5] [--out FILE]
//                                    [--quick] (a contact center a tenth of the size, 1 round,
//                                    2 s per load phase: a smoke run)

import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ScaleClient } from './scale/client.ts'
import {
  agentName,
  FULL_SIZE,
  PASSWORD,
  placeGroupName,
  placeName,
  scaleDocument,
  WB,
  type ScaleSize,
} from './scale/contact-center.ts'

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    'base-label': { type: 'string', default: 'base' },
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '5' },
    out: { type: 'string' },
    others: { type: 'string', default: '8' },
    quick: { type: 'boolean', default: false },
  },
})
const QUICK = args.quick === true
const SIZE: ScaleSize = QUICK
  ? { users: 1_000, groups: 100, bigGroup: 300, interactions: 5_000, bigWorkbin: 1_000 }
  : FULL_SIZE
const ROUNDS = QUICK ? 1 : Number(args.rounds)
const DURATION_MS = (QUICK ? 2 : Number(args.duration)) * 1000
const OTHERS = Number(args.others)
const HERE = resolve(import.meta.dirname, '..')

interface Server {
  name: string
  dir: string
  port: number
  proc: ChildProcess
  paging: boolean
  /** The server's event-loop delay since the last call (bench/scale/loop-delay.ts). */
  loopDelay: () => Promise<LoopDelay>
}

interface LoopDelay {
  p50: number
  p99: number
  max: number
}

function loopDelayReader(proc: ChildProcess): () => Promise<LoopDelay> {
  let waiting: ((d: LoopDelay) => void) | undefined
  let buffer = ''
  proc.stdout?.on('data', (c: Buffer) => {
    buffer += c.toString()
    let nl
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      if (line.startsWith('loop-delay ') && waiting) {
        waiting(JSON.parse(line.slice(11)) as LoopDelay)
        waiting = undefined
      }
    }
  })
  return () =>
    new Promise((ok) => {
      waiting = ok
      proc.kill('SIGUSR2')
    })
}

async function startServer(name: string, dir: string, port: number, doc: string, db: string) {
  const probe = join(HERE, 'bench/scale/loop-delay.ts')
  const proc = spawn(process.execPath, ['--import', 'tsx', '--import', probe, 'src/main.ts'], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      WORKBINS_DB: db,
      WORKBINS_PROVISION: doc,
      WORKBINS_DEMO: '0',
      WORKBINS_LOG_LEVEL: 'warn',
      // Capacity, not the per-user bound: one user may loop here.
      WORKBINS_USER_REQUESTS_PER_SECOND: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((ok, fail) => {
    let out = ''
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.includes('workbins ready')) ok()
    })
    proc.once('exit', (code) => fail(new Error(`${name} exited (${code}) before ready`)))
  })
  return proc
}

const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}
const median = (xs: number[]) => quantile(xs, 0.5)
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–')

async function sequential(n: number, fn: () => Promise<{ status: number; ms: number }>) {
  const ms: number[] = []
  for (let i = 0; i < n; i++) {
    const r = await fn()
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`)
    ms.push(r.ms)
  }
  return ms
}

/** `clients` closed loops of GET /me for DURATION_MS; latencies of all. */
async function others(clients: ScaleClient[]) {
  const ms: number[] = []
  const end = Date.now() + DURATION_MS
  await Promise.all(
    clients.map(async (c) => {
      while (Date.now() < end) {
        const r = await c.get('/me')
        if (r.status !== 200) throw new Error(`others: HTTP ${r.status}`)
        ms.push(r.ms)
      }
    }),
  )
  return { rps: ms.length / (DURATION_MS / 1000), p50: median(ms), p99: quantile(ms, 0.99) }
}

interface RoundResult {
  server: string
  round: number
  statsPlace: number[]
  statsPlaceGroup: number[]
  firstPage: number[]
  whole: number[]
  wholeBytes: number
  alone: { rps: number; p50: number; p99: number }
  loaded: { rps: number; p50: number; p99: number }
  aloneDelay: LoopDelay
  loadedDelay: LoopDelay
  loops: number[]
}

const BIG = `/me/workbins/${WB.later}`

async function measure(s: Server, round: number): Promise<RoundResult> {
  const sup = new ScaleClient(s.port, 'sup', PASSWORD)
  const owner = new ScaleClient(s.port, agentName(0), PASSWORD)
  const clients = Array.from(
    { length: OTHERS },
    (_, i) => new ScaleClient(s.port, agentName(Math.floor(SIZE.users / 2) + i), PASSWORD),
  )
  for (const c of [sup, owner, ...clients]) await c.get('/me') // log in
  const lastMember = SIZE.bigGroup - 1
  const stats = (type: string, workbinOwner: string) => () =>
    sup.request('POST', '/workbins', {
      operationName: 'RequestAgentStats',
      workbinType: type,
      workbinOwner,
    })
  const n = QUICK ? 30 : s.paging ? 300 : 60
  await sequential(10, stats('Place', placeName(lastMember)))
  const statsPlace = await sequential(n, stats('Place', placeName(lastMember)))
  const statsPlaceGroup = await sequential(
    n,
    stats('PlaceGroup', placeGroupName(lastMember % SIZE.groups)),
  )
  const firstPage = s.paging
    ? await sequential(QUICK ? 20 : 200, () => owner.get(`${BIG}?subresources=*&limit=100`))
    : []
  const whole: number[] = []
  let wholeBytes = 0
  for (let i = 0; i < 5; i++) {
    const r = await owner.get(`${BIG}?subresources=*`)
    whole.push(r.ms)
    wholeBytes = r.bytes
  }
  await s.loopDelay()
  const alone = await others(clients)
  const aloneDelay = await s.loopDelay()
  const loop = fork(join(HERE, 'bench/scale/looper.ts'), {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  })
  loop.send({
    port: s.port,
    user: agentName(0),
    password: PASSWORD,
    path: `/me/workbins/${WB.later}?subresources=*`,
  })
  await new Promise((r) => setTimeout(r, 300))
  await s.loopDelay()
  const loaded = await others(clients)
  const loadedDelay = await s.loopDelay()
  const result = new Promise<{ ms: number[] }>((ok) =>
    loop.once('message', (m) => ok(m as { ms: number[] })),
  )
  loop.send('stop')
  const loops = (await result).ms
  for (const c of [sup, owner, ...clients]) c.close()
  return {
    server: s.name,
    round,
    statsPlace,
    statsPlaceGroup,
    firstPage,
    whole,
    wholeBytes,
    alone,
    loaded,
    aloneDelay,
    loadedDelay,
    loops,
  }
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'workbins-scale-'))
  const doc = join(tmp, 'scale.json')
  writeFileSync(doc, JSON.stringify(scaleDocument(SIZE)))
  const servers: Server[] = []
  try {
    const specs: [string, string, boolean][] = [['ours', HERE, true]]
    if (args.base) specs.push([args['base-label'] ?? 'base', resolve(args.base), false])
    let port = 18_190
    for (const [name, dir, paging] of specs) {
      const t0 = Date.now()
      const proc = await startServer(name, dir, port, doc, join(tmp, `${name}.db`))
      console.error(`${name}: provisioned and ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
      servers.push({ name, dir, port, proc, paging, loopDelay: loopDelayReader(proc) })
      port++
    }
    const results: RoundResult[] = []
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? servers : [...servers].reverse()
      for (const s of order) {
        console.error(`round ${round}: ${s.name}`)
        results.push(await measure(s, round))
      }
    }
    const report = render(results)
    console.log(report)
    if (args.out) writeFileSync(args.out, report)
  } finally {
    for (const s of servers) s.proc.kill()
    rmSync(tmp, { recursive: true, force: true })
  }
}

function render(results: RoundResult[]): string {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: HERE })
    .toString()
    .trim()
  const lines = [
    `# Scale suite (${new Date().toISOString().slice(0, 16)}Z, commit ${commit})`,
    '',
    `\`node --import tsx bench/scale.ts ${process.argv.slice(2).join(' ')}\``,
    '',
    `Contact center: ${SIZE.users} users, ${SIZE.groups} agent groups (one of ${SIZE.bigGroup}), ` +
      `${SIZE.interactions} interactions (${SIZE.bigWorkbin} in one Agent workbin). ` +
      `${OTHERS} other clients, ${DURATION_MS / 1000} s per load phase. Node ${process.version}. ` +
      'Times in ms, measured by the client (keep-alive, 127.0.0.1).',
    '',
    '| server | round | stats Place p50 / p99 | stats PlaceGroup p50 / p99 | first page of 100 p50 / p99 | whole GET p50 (MB) | others alone req/s, p50 / p99 | others while whole GET loops req/s, p50 / p99 | p99 × alone | whole GETs in loop, p50 | server loop delay alone p99 / max | loop delay while looping p99 / max |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of results) {
    lines.push(
      `| ${r.server} | ${r.round} | ${f(median(r.statsPlace))} / ${f(quantile(r.statsPlace, 0.99))} | ` +
        `${f(median(r.statsPlaceGroup))} / ${f(quantile(r.statsPlaceGroup, 0.99))} | ` +
        `${f(median(r.firstPage))} / ${f(quantile(r.firstPage, 0.99))} | ` +
        `${f(median(r.whole), 0)} (${(r.wholeBytes / 1e6).toFixed(2)}) | ` +
        `${f(r.alone.rps, 0)}, ${f(r.alone.p50)} / ${f(r.alone.p99)} | ` +
        `${f(r.loaded.rps, 0)}, ${f(r.loaded.p50)} / ${f(r.loaded.p99)} | ` +
        `${f(r.loaded.p99 / r.alone.p99)}× | ${r.loops.length}, ${f(median(r.loops), 0)} | ` +
        `${f(r.aloneDelay.p99)} / ${f(r.aloneDelay.max)} | ${f(r.loadedDelay.p99)} / ${f(r.loadedDelay.max)} |`,
    )
  }
  return lines.join('\n') + '\n'
}

await main()
