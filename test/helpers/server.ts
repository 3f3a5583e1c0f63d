// Start a real server on port 0 with a fresh SQLite file (or the store given); every test closes
// what it starts.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { buildApp, type App } from '../../src/app.ts'
import { loadConfig, type Config, type DeepPartial } from '../../src/config.ts'
import { openStore } from '../../src/store/open-store.ts'
import type { Store } from '../../src/store/store.ts'

export interface StartOptions {
  /** A provisioning document (docs/provisioning.md) applied at start. */
  provision?: object
  /** Load the demo contact center into the empty database (default false in tests). */
  demo?: boolean
  /** Config overrides (short CometD timeouts are the default here). */
  config?: DeepPartial<Config>
  /** Reuse a database file (e.g. to test a restart); default: a new temp file. */
  dbPath?: string
  /** A logger to read the server's log lines from (default: the configured level). */
  logger?: Logger
  /** Any WORKBINS_DB value, e.g. a postgres:// URL (test/helpers/stores.ts); wins over dbPath. */
  db?: string
  /**
   * The real store, as the server will use it, wrapped (a test that must hold one call back
   * to force an interleaving); the store is still the real one underneath.
   */
  wrapStore?: (store: Store) => Store
}

export interface TestServer {
  app: App
  /** http://127.0.0.1:PORT */
  url: string
  /** http://127.0.0.1:PORT/api/v2 */
  apiUrl: string
  /** http://127.0.0.1:PORT/api/v2/notifications */
  cometdUrl: string
  dbPath: string
  /** Close the server (keeps the database file when `keepDb`, for restart tests). */
  close(opts?: { keepDb?: boolean }): Promise<void>
}

/** Short protocol timings for tests (config, never patched internals). */
export const TEST_COMETD = {
  timeout: 1500,
  interval: 0,
  maxInterval: 1000,
  sweepPeriod: 100,
  maxSessionsPerBrowser: -1,
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'workbins-test-'))
  const dbPath = opts.dbPath ?? join(dir, 'workbins.db')
  let provision: string | undefined
  if (opts.provision) {
    provision = join(dir, 'provision.json')
    await writeFile(provision, JSON.stringify(opts.provision))
  }
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      db: opts.db ?? dbPath,
      demo: opts.demo ?? false,
      provision,
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
      shutdownGraceMs: 2000,
      ...opts.config,
      cometd: { ...TEST_COMETD, ...opts.config?.cometd },
    },
  )
  const app = await buildApp(config, {
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.wrapStore ? { store: opts.wrapStore(openStore(config, () => undefined)) } : {}),
  })
  const url = await app.listen()
  return {
    app,
    url,
    apiUrl: `${url}/api/v2`,
    cometdUrl: `${url}/api/v2/notifications`,
    dbPath: opts.db ?? dbPath,
    async close(closeOpts = {}) {
      await app.close()
      if (!closeOpts.keepDb && !opts.dbPath) await rm(dir, { recursive: true, force: true })
    },
  }
}
