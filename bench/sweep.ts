// What the CometD session sweeper costs: `node --import tsx bench/sweep.ts [--sessions N,...]`.
// Opens N sessions in a real Engine (no sockets: the sweeper only looks at the registry), then
// times sweep(now) when nothing has expired, the steady state it runs in every
// COMETD_SWEEP_PERIOD (1 s by default). Prints one markdown row per N.

import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { Engine } from '../src/bayeux/engine/engine.ts'
import { loadConfig } from '../src/config.ts'

const { values } = parseArgs({
  options: { sessions: { type: 'string', default: '1000,10000,50000' } },
})

const config = loadConfig({}).cometd
const rows: string[] = []
for (const n of values.sessions.split(',').map(Number)) {
  const engine = new Engine({
    config,
    logger: pino({ level: 'silent' }),
    authenticate: async () => null,
  })
  for (let i = 0; i < n; i++) {
    engine.openSession(
      { userId: `u${i}`, contactCenterId: 'cc' },
      'long-polling',
      `b${i}`,
      null,
      false,
    )
  }
  const now = Date.now()
  for (let i = 0; i < 20; i++) engine.sweep(now) // warm up
  const runs = 200
  const started = performance.now()
  for (let i = 0; i < runs; i++) engine.sweep(now)
  const ms = (performance.now() - started) / runs
  rows.push(
    `| ${n.toLocaleString('en')} | ${(ms * 1000).toFixed(0)} µs | ${((ms / config.sweepPeriod) * 100).toFixed(3)} % |`,
  )
  engine.shutdown()
}
process.stdout.write(
  `| sessions | one sweep (nothing expired) | share of one core at COMETD_SWEEP_PERIOD=${config.sweepPeriod} ms |\n|---|---|---|\n${rows.join('\n')}\n`,
)
