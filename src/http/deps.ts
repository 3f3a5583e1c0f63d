// What src/app.ts hands to each route group: the domain's dependencies plus what only HTTP needs.

import type { FastifyReply } from 'fastify'
import type { WorkbinDeps } from '../workbins/operation.ts'
import type { Caller } from './context.ts'

export interface RouteDeps extends WorkbinDeps {
  /** End the caller's HTTP session and the CometD sessions opened with it. */
  logout(caller: Caller, reply: FastifyReply): Promise<void>
}
