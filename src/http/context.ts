// What every authenticated route can rely on: the caller, resolved by src/http/auth.ts.

import type { FastifyRequest } from 'fastify'
import type { ContactCenter, HttpSession, SessionCaller, User } from '../model.ts'
import { errors } from '../errors.ts'

export interface Caller {
  user: User
  contactCenter: ContactCenter
  /** The server session (JSESSIONID) this request belongs to. */
  session: HttpSession
  /** Read with the session cookie (one statement): spares actorFor's reads. */
  known?: SessionCaller
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | undefined
  }
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw errors.unauthenticated()
  return request.caller
}

/** GWS: a disabled feature behaves as if the functionality did not exist (404 / statusCode 6). */
export function requireFeature(caller: Caller, feature: string): void {
  if (!caller.contactCenter.features.includes(feature)) {
    throw errors.notFound('Resource not found')
  }
}

/**
 * The feature check as a preValidation hook: a disabled feature answers 404 / 6 before the
 * route's schemas look at the request, as if the URL did not exist.
 */
export function featureGate(feature: string) {
  return async (request: FastifyRequest): Promise<void> => {
    requireFeature(callerOf(request), feature)
  }
}
