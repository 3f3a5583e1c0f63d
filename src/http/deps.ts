// What src/app.ts hands to each route group: the domain's dependencies plus what only HTTP needs.

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { WorkbinDeps } from '../workbins/operation.ts'
import type { Caller } from './context.ts'

export interface RouteDeps extends WorkbinDeps {
  /** End the caller's HTTP session and the CometD sessions opened with it. */
  logout(caller: Caller, reply: FastifyReply): Promise<void>
}

/** The deps with the request's logger, so the domain's log lines carry the request id. */
export function forRequest<D extends WorkbinDeps>(deps: D, request: FastifyRequest): D {
  return { ...deps, log: request.log as Logger }
}
