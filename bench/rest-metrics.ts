// What the Prometheus metrics cost REST throughput: `node --import tsx bench/rest-metrics.ts`.
//
// The server process (`src/main.ts`, the demo contact center, a fresh SQLite file, log level
// warn so access logs do not hide the difference) is started with WORKBINS_METRICS=0, then =1,
// alternately (ABBA) for --rounds rounds; each time C keep-alive loops send GET /api/v2/me and
// GET /api/v2/me/workbins with agent1's session cookie for the warm-up plus D seconds. The
// medians of each mode and their ratios are printed: requests/s, and the server's CPU time
// per request (from /proc, Linux), which a busy machine disturbs much less than throughput. CometD deliveries are not
// measured here: the CometD metrics are read from BayeuxServer.stats() at scrape time and add
// nothing to the delivery path (docs/operations.md).
//
// Options: --rounds N (4), --duration S (4), --warmup S (1), --concurrency C (16).

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '16' },
  },
})
const ROUNDS = Number(opts.rounds)
const DURATION_MS = Number(opts.duration) * 1000
const WARMUP_MS = Number(opts.warmup) * 1000
const CONCURRENCY = Number(opts.concurrency)

interface Server {
  proc: ChildProcess
  port: number
  dir: string
}

async function startServer(metrics: boolean): Promise<Server> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'workbins-bench-'))
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      WORKBINS_DB: path.join(dir, 'bench.db'),
      WORKBINS_LOG_LEVEL: 'warn',
      // Capacity, not the per-user bound: one user may loop here.
      WORKBINS_USER_REQUESTS_PER_SECOND: '0',
      WORKBINS_METRICS: metrics ? '1' : '0',
      WORKBINS_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const m = /ready: http:\/\/[^:]+:(\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
  return { proc, port, dir }
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise((resolve) => s.proc.once('exit', resolve))
  s.proc.kill('SIGTERM')
  await exited
  rmSync(s.dir, { recursive: true, force: true })
}

function get(
  agent: http.Agent,
  port: number,
  urlPath: string,
  headers: Record<string, string>,
): Promise<{ status: number; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent, headers }, (res) => {
      res.resume()
      res.on('end', () => {
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0]
        resolve({ status: res.statusCode ?? 0, ...(cookie ? { cookie } : {}) })
      })
    })
    req.on('error', reject)
  })
}

/** CPU time (user + system) the process has used, microseconds (Linux /proc). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  // utime and stime are fields 14 and 15 of stat, counted after the command name.
  const ticks = Number(fields[11]) + Number(fields[12])
  return (ticks * 1e6) / 100
}

interface Measure {
  rps: number
  /** Server CPU microseconds per request. */
  cpuPerRequest: number
}

/** Requests/s and server CPU per request over the measured window, after the warm-up. */
async function load(port: number, pid: number): Promise<Measure> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const login = await get(agent, port, '/api/v2/me', {
    authorization: `Basic ${Buffer.from('agent1:agent1pass').toString('base64')}`,
  })
  if (login.status !== 200 || !login.cookie) throw new Error(`login failed: ${login.status}`)
  const headers = { cookie: login.cookie }
  const paths = ['/api/v2/me', '/api/v2/me/workbins']
  const start = Date.now()
  const measureFrom = start + WARMUP_MS
  const end = measureFrom + DURATION_MS
  let counted = 0
  let cpuStart = 0
  const cpuTimer = setTimeout(() => (cpuStart = cpuMicros(pid)), WARMUP_MS)
  const loop = async (i: number) => {
    for (let n = i; Date.now() < end; n++) {
      const r = await get(agent, port, paths[n % paths.length] as string, headers)
      if (r.status !== 200) throw new Error(`status ${r.status}`)
      if (Date.now() >= measureFrom) counted++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => loop(i)))
  clearTimeout(cpuTimer)
  const cpu = cpuMicros(pid) - cpuStart
  agent.destroy()
  return { rps: counted / (DURATION_MS / 1000), cpuPerRequest: cpu / counted }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

const results: Record<'off' | 'on', Measure[]> = { off: [], on: [] }
for (let round = 0; round < ROUNDS; round++) {
  const order: ('off' | 'on')[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off']
  for (const mode of order) {
    const server = await startServer(mode === 'on')
    try {
      const m = await load(server.port, server.proc.pid as number)
      results[mode].push(m)
      process.stdout.write(
        `round ${round + 1} metrics ${mode}: ${m.rps.toFixed(0)} req/s, ` +
          `${m.cpuPerRequest.toFixed(0)} µs CPU/request\n`,
      )
    } finally {
      await stopServer(server)
    }
  }
}
const rps = (mode: 'off' | 'on') => median(results[mode].map((m) => m.rps))
const cpu = (mode: 'off' | 'on') => median(results[mode].map((m) => m.cpuPerRequest))
process.stdout.write(
  `\nmedian req/s: metrics off ${rps('off').toFixed(0)}, on ${rps('on').toFixed(0)}; ` +
    `on/off = ${(rps('on') / rps('off')).toFixed(3)}\n` +
    `median server CPU per request: off ${cpu('off').toFixed(0)} µs, on ${cpu('on').toFixed(0)} µs; ` +
    `on/off = ${(cpu('on') / cpu('off')).toFixed(3)}\n`,
)
