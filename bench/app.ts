// This project as the real application for the benchmark's round trip (`app`): buildApp
// (src/app.ts) with a provisioned contact center of N agents (test/helpers/crash-load.ts:
// users crash0.., one Agent workbin each) on a fresh SQLite file with the default settings
// (`full` durability: the WAL fsync'd before anything is answered; group commit; notification
// log on; docs/operations.md). Logins are real: Basic, then JSESSIONID. Nothing is replaced for the benchmark except the CometD
// hold time (the same 25 s as every server of the run) and the per-browser session limit
// (every generator session has its own cookie jar anyway).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { openStore } from '../src/store/open-store.ts'
import { crashDocument } from '../test/helpers/crash-load.ts'
import { HOLD_TIMEOUT_MS, HOST } from './protocol.ts'

/** The users' own Agent workbin in crashDocument (its `LATER`). */
export { LATER as APP_WORKBIN } from '../test/helpers/crash-load.ts'

export interface RunningApp {
  port: number
  /** Store transactions committed so far (SQLite group commit), or undefined. */
  commits(): number | undefined
  close(): Promise<void>
}

/** BENCH_APP_USERS agents (default 2000): the parent sets it to the run's session count. */
export async function startApp(): Promise<RunningApp> {
  const users = Number(process.env.BENCH_APP_USERS ?? '2000')
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-app-'))
  const doc = path.join(dir, 'doc.json')
  writeFileSync(doc, JSON.stringify(crashDocument(users)))
  // WORKBINS_* settings of the bench's own environment apply too (experiments such as
  // WORKBINS_SQLITE_SYNCHRONOUS=normal); those below are the bench's own and win.
  const fromEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k.startsWith('WORKBINS_')),
  )
  const config = loadConfig(
    {
      // Every generator connection comes from 127.0.0.1: thousands of them from one address.
      WORKBINS_MAX_CONNECTIONS_PER_ADDRESS: '0',
      // Capacity, not the per-user bound.
      WORKBINS_USER_REQUESTS_PER_SECOND: '0',
      ...fromEnv,
      WORKBINS_DB: path.join(dir, 'bench.db'),
      WORKBINS_PROVISION: doc,
      WORKBINS_DEMO: '0',
      WORKBINS_LOG_LEVEL: 'warn',
      HOST,
      PORT: '0',
    },
    { cometd: { timeout: HOLD_TIMEOUT_MS, maxSessionsPerBrowser: -1 } },
  )
  const store = openStore(config)
  const app = await buildApp(config, { store })
  const base = await app.listen()
  const sqlite = store as { commitStats?: { commits: number } }
  return {
    port: Number(new URL(base).port),
    commits: () => sqlite.commitStats?.commits,
    close: async () => {
      await app.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
