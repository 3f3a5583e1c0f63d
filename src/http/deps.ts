// What src/app.ts hands to each route group.

import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import type { Store } from '../store/store.ts'
import type { Notifier } from '../workbins/notifier.ts'

export interface RouteDeps {
  config: Config
  store: Store
  notifier: Notifier
  log: Logger
  /** Public base URL ending in /api/v2 (known once the server listens). */
  publicUrl(): string
}
