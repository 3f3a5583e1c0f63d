// What src/app.ts hands to each route group.

import type { FastifyReply } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import type { Store } from '../store/store.ts'
import type { Notifier } from '../workbins/notifier.ts'
import type { Caller } from './context.ts'

export interface RouteDeps {
  config: Config
  store: Store
  notifier: Notifier
  log: Logger
  /** End the caller's HTTP session and the CometD sessions opened with it. */
  logout(caller: Caller, reply: FastifyReply): Promise<void>
  /** Public base URL ending in /api/v2 (known once the server listens). */
  publicUrl(): string
}
