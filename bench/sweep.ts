// What the periodic sweeps cost: `node --import tsx bench/sweep.ts [--sessions N,...]
// [--http-sessions N] [--interactions N]`.
// CometD: opens N sessions in a real Engine (no sockets: the sweeper only looks at the
// registry), then times sweep(now) when nothing has expired, the steady state it runs in every
// COMETD_SWEEP_PERIOD (1 s by default). HTTP: N users on a SQLite file, each with a JSESSIONID
// session and a place, then times the idle-session sweep (deleteSessionsIdleSince) when
// nothing is idle, as it runs every min(60 s, WORKBINS_SESSION_IDLE_SECONDS). Completed
// interactions (`--interactions N`, 80% of them completed): one pass of the retention sweep
// (WORKBINS_COMPLETED_RETENTION_SECONDS), batch by batch, and one with nothing due. Prints markdown.

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
    interactions: { type: 'string', default: '50000' },
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

  // --- Completed interactions past their retention (SQLite) ----------------------------------
  // N interactions handled by one agent, 80% then completed; one pass of the retention sweep
  // deletes those, a batch per transaction (each batch timed, its fsync included), then a pass
  // with nothing due.
  const total = Number(values.interactions)
  const batch = loadConfig({}).completedSweepBatch
  const none = { set: {}, remove: [] }
  const owner = { kind: 'owner' as const, userId: ids[0] as string }
  const ixId = (i: number) => `X${String(i).padStart(15, '0')}`
  const userData = { Subject: 'Order 12345 delayed', CustomerId: 'C-00012345', Priority: 3 }
  for (let i = 0; i < total; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, total - i) }, (_, j) =>
        store.createInteraction({
          id: ixId(i + j),
          contactCenterId: cc,
          mediaType: 'workitem',
          openmediaType: null,
          state: 'Processing',
          userData,
          receivedDate: '2026-01-01 00:00:00.000+0000',
          capabilities: [],
          location: owner,
          extra: {},
        }),
      ),
    )
  }
  const completed = Math.floor(total * 0.8)
  for (let i = 0; i < completed; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, completed - i) }, (_, j) =>
        store.moveInteraction(
          cc,
          ixId(i + j),
          owner,
          { kind: 'completed' },
          {
            state: 'Completed',
            capabilities: [],
            userData: none,
          },
        ),
      ),
    )
  }
  const due = Date.now() + 1
  const times: number[] = []
  const passStarted = performance.now()
  for (;;) {
    const t = performance.now()
    const n = await store.deleteCompletedInteractions(due, batch)
    times.push(performance.now() - t)
    if (n < batch) break
  }
  const passMs = performance.now() - passStarted
  times.sort((a, b) => a - b)
  const idleStarted = performance.now()
  await store.deleteCompletedInteractions(due, batch)
  const idleMs = performance.now() - idleStarted
  process.stdout.write(
    `\n| interactions (completed) | batch | batches | one batch p50 / max | whole pass | pass with nothing due |\n|---|---|---|---|---|---|\n` +
      `| ${total.toLocaleString('en')} (${completed.toLocaleString('en')}) | ${batch} | ${times.length} | ` +
      `${(times[times.length >> 1] ?? 0).toFixed(2)} / ${(times[times.length - 1] ?? 0).toFixed(2)} ms | ` +
      `${passMs.toFixed(0)} ms | ${idleMs.toFixed(2)} ms |\n`,
  )
} finally {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
