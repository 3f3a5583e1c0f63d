// One user flooding the REST API, and what another user sees meanwhile:
// `node --import tsx bench/user-flood.ts`.
//
// The server process (`src/main.ts`, the demo contact center, a fresh SQLite file with the
// default durability, log level error) is started with the per-user request bound off
// (WORKBINS_USER_REQUESTS_PER_SECOND=0) and at its default, alternately (ABBA) for --rounds
// rounds. Each time, agent1 floods with C keep-alive loops of POST Subscribe / Unsubscribe on
// its own workbin (each an fsync'd write and a CometD message), resending at once whatever the
// answer (a client that ignores Retry-After), while agent2 sends GET /api/v2/me/workbins one at
// a time every 10 ms and its latencies are kept. A quiet phase first (agent2 alone) gives the
// baseline. Printed per mode: the flooder's answered writes/s and refusals/s, agent2's p50 /
// p99 against the quiet baseline, and the server's CPU share during the flood (from /proc, Linux).
//
// Options: --rounds N (2), --duration S (10), --concurrency C (32).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config.ts'
import { ServerProcess, freePort } from '../test/helpers/crash-load.ts'

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
  },
})
const ROUNDS = Number(opts.rounds)
const DURATION_MS = Number(opts.duration) * 1000
const CONCURRENCY = Number(opts.concurrency)
const WORKBIN = 'aee812a5-7396-4dd9-b180-230f1c1fb085'

type Mode = 'off' | 'default'

/** The bound at its default (the value src/config.ts gives) or off. */
const DEFAULT_RATE = String(loadConfig({}).userRequestsPerSecond)

interface Server {
  proc: ServerProcess
  port: number
  dir: string
}

async function startServer(mode: Mode): Promise<Server> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'workbins-flood-'))
  const port = await freePort()
  const proc = new ServerProcess(port, {
    WORKBINS_DB: path.join(dir, 'bench.db'),
    WORKBINS_DEMO: '1',
    WORKBINS_LOG_LEVEL: 'error',
    WORKBINS_USER_REQUESTS_PER_SECOND: mode === 'off' ? '0' : DEFAULT_RATE,
  })
  await proc.start()
  return { proc, port, dir }
}

async function stopServer(s: Server): Promise<void> {
  await s.proc.stop()
  rmSync(s.dir, { recursive: true, force: true })
}

function send(
  agent: http.Agent,
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, agent, headers },
      (res) => {
        res.resume()
        res.on('end', () => {
          const cookie = res.headers['set-cookie']?.[0]?.split(';')[0]
          resolve({ status: res.statusCode ?? 0, ...(cookie ? { cookie } : {}) })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function login(agent: http.Agent, port: number, user: string): Promise<string> {
  const r = await send(agent, port, 'GET', '/api/v2/me', {
    authorization: `Basic ${Buffer.from(`${user}:${user}pass`).toString('base64')}`,
  })
  if (r.status !== 200 || !r.cookie) throw new Error(`login of ${user} failed: ${r.status}`)
  return r.cookie
}

/** CPU time (user + system) the process has used, microseconds (Linux /proc). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
}

/** agent2's request latencies (ms), one request at a time every 10 ms, until `until`. */
async function probe(port: number, cookie: string, until: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const out: number[] = []
  while (Date.now() < until) {
    const t0 = performance.now()
    const r = await send(agent, port, 'GET', '/api/v2/me/workbins', { cookie })
    if (r.status !== 200) throw new Error(`agent2 got ${r.status}`)
    out.push(performance.now() - t0)
    await delay(10)
  }
  agent.destroy()
  return out
}

interface Measure {
  quiet: number[]
  flooded: number[]
  writesPerSecond: number
  refusedPerSecond: number
  serverCpu: number
}

async function run(server: Server): Promise<Measure> {
  const floodAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const cookie1 = await login(floodAgent, server.port, 'agent1')
  const cookie2 = await login(new http.Agent(), server.port, 'agent2')
  const quiet = await probe(server.port, cookie2, Date.now() + 3000)
  const headers = { cookie: cookie1, 'content-type': 'application/json' }
  const end = Date.now() + DURATION_MS
  let writes = 0
  let refused = 0
  const loop = async (i: number) => {
    for (let n = i; Date.now() < end; n++) {
      const op = n % 2 === 0 ? 'Subscribe' : 'Unsubscribe'
      const r = await send(
        floodAgent,
        server.port,
        'POST',
        `/api/v2/me/workbins/${WORKBIN}`,
        headers,
        JSON.stringify({ operationName: op }),
      )
      if (r.status === 200) writes++
      else if (r.status === 429) refused++
      else throw new Error(`flooder got ${r.status}`)
    }
  }
  const pid = server.proc.pid
  const cpu0 = cpuMicros(pid)
  const t0 = Date.now()
  const [flooded] = await Promise.all([
    probe(server.port, cookie2, end),
    ...Array.from({ length: CONCURRENCY }, (_, i) => loop(i)),
  ])
  const seconds = (Date.now() - t0) / 1000
  const serverCpu = (cpuMicros(pid) - cpu0) / 1e6 / seconds
  floodAgent.destroy()
  return {
    quiet,
    flooded: flooded as number[],
    writesPerSecond: writes / seconds,
    refusedPerSecond: refused / seconds,
    serverCpu,
  }
}

const results: Record<Mode, Measure[]> = { off: [], default: [] }
for (let round = 0; round < ROUNDS; round++) {
  const order: Mode[] = round % 2 === 0 ? ['off', 'default'] : ['default', 'off']
  for (const mode of order) {
    const server = await startServer(mode)
    try {
      const m = await run(server)
      results[mode].push(m)
      process.stdout.write(
        `round ${round + 1} bound ${mode}: flooder ${m.writesPerSecond.toFixed(0)} writes/s, ` +
          `${m.refusedPerSecond.toFixed(0)} refused/s; agent2 p50/p99 quiet ` +
          `${quantile(m.quiet, 0.5).toFixed(2)}/${quantile(m.quiet, 0.99).toFixed(2)} ms, flooded ` +
          `${quantile(m.flooded, 0.5).toFixed(2)}/${quantile(m.flooded, 0.99).toFixed(2)} ms; ` +
          `server CPU ${(m.serverCpu * 100).toFixed(0)}%\n`,
      )
    } finally {
      await stopServer(server)
    }
  }
}

process.stdout.write(
  '\n| per-user bound | flooder writes/s | flooder refused/s | agent2 p50 / p99 ms, quiet | agent2 p50 / p99 ms, during the flood | server CPU |\n|---|--:|--:|--:|--:|--:|\n',
)
for (const mode of ['off', 'default'] as Mode[]) {
  const ms = results[mode]
  const all = (f: (m: Measure) => number[]) => ms.flatMap(f)
  const avg = (f: (m: Measure) => number) => ms.reduce((a, m) => a + f(m), 0) / ms.length
  process.stdout.write(
    `| ${mode === 'off' ? 'off (0)' : 'default (100/s, burst 1000)'} | ${avg((m) => m.writesPerSecond).toFixed(0)} | ` +
      `${avg((m) => m.refusedPerSecond).toFixed(0)} | ` +
      `${quantile(
        all((m) => m.quiet),
        0.5,
      ).toFixed(2)} / ${quantile(
        all((m) => m.quiet),
        0.99,
      ).toFixed(2)} | ` +
      `${quantile(
        all((m) => m.flooded),
        0.5,
      ).toFixed(2)} / ${quantile(
        all((m) => m.flooded),
        0.99,
      ).toFixed(2)} | ` +
      `${(avg((m) => m.serverCpu) * 100).toFixed(0)}% |\n`,
  )
}
