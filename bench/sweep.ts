// What the periodic sweeps cost: `node --import tsx bench/sweep.ts [--sessions N,...]
// [--http-sessions N]`.
// CometD: opens N sessions in a real Engine (no sockets: the sweeper only looks at the
// registry), then times sweep(now) when nothing has expired, the steady state it runs in every
// COMETD_SWEEP_PERIOD (1 s by default). HTTP: N users on a SQLite file, each with a JSESSIONID
// session and a place, then times the idle-session sweep (deleteSessionsIdleSince) when
// nothing is idle, as it runs every min(60 s, WORKBINS_SESSION_IDLE_SECONDS). Prints markdown.

import { performance } from 'node:perf_hooks'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { Engine } from '../src/bayeux/engine/engine.ts'
import { loadConfig } from '../src/config.ts'
import { applyDocument } from '../src/provision/index.ts'
import { hashPassword } from '../src/store/password.ts'
import { createSqliteStore } from '../src/store/sqlite/index.ts'

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000,10000,50000,100000' },
    'http-sessions': { type: 'string', default: '10000' },
  },
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

// --- HTTP sessions (SQLite) ------------------------------------------------------------------
const users = Number(values['http-sessions'])
const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-'))
const store = createSqliteStore(join(dir, 'sweep.db'))
try {
  await store.migrate()
  const cc = '7e1f0c8a-3b2d-4c5e-9f60-718293a4b5c6'
  const passwordHash = hashPassword('x')
  const ids = Array.from({ length: users }, (_, i) => `b${String(i).padStart(31, '0')}`)
  await applyDocument(store, {
    contactCenters: [
      {
        id: cc,
        name: 'Sweep',
        places: ids.map((_, i) => ({ name: `P${i}` })),
        users: ids.map((id, i) => ({ id, userName: `u${i}`, passwordHash, place: `P${i}` })),
      },
    ],
  })
  const now = Date.now()
  for (const [i, id] of ids.entries()) {
    await store.createSession({
      id: `s${i}`,
      userId: id,
      csrfToken: 't',
      createdAt: now,
      lastSeenAt: now,
    })
    await store.occupyPlace(id, cc, `P${i}`, now - 1000)
  }
  const idleBefore = now - 1800 * 1000
  await store.deleteSessionsIdleSince(idleBefore)
  const runs = 20
  const started = performance.now()
  for (let i = 0; i < runs; i++) await store.deleteSessionsIdleSince(idleBefore)
  const ms = (performance.now() - started) / runs
  process.stdout.write(
    `\n| HTTP sessions (each with a place) | one idle-session sweep (nothing idle), SQLite |\n|---|---|\n| ${users.toLocaleString('en')} | ${ms.toFixed(2)} ms |\n`,
  )
} finally {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
