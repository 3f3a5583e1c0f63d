// CORS for browsers on other origins (docs/security.md "Cross-origin browsers"): the REST API
// through @fastify/cors, the CometD long-polling answers through the same allow-list. Off unless
// WORKBINS_CORS_ORIGINS names origins. Credentials are allowed (the JSESSIONID cookie, Basic),
// so every allowed origin is named: never `*`. Preflights (OPTIONS) are answered before
// authentication: they carry no credentials by the Fetch standard.

import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import type { OriginHeaders } from '../bayeux/index.ts'
import { CSRF_HEADER } from './auth.ts'
import { REQUEST_ID_HEADER } from './server.ts'

/** Response headers a page may read: the CSRF pair GWS desktops read after GET /me, the request id. */
export const CORS_EXPOSED_HEADERS = ['X-CSRF-HEADER', CSRF_HEADER, 'X-Request-Id']
/** Request headers a page may send. */
export const CORS_ALLOWED_HEADERS = [
  'Content-Type',
  'Authorization',
  CSRF_HEADER,
  'X-Requested-With',
  REQUEST_ID_HEADER,
]
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE']
/** How long a browser may cache a preflight answer, seconds. */
const PREFLIGHT_MAX_AGE = 600

export async function registerCors(
  app: FastifyInstance,
  origins: readonly string[],
): Promise<void> {
  await app.register(cors, {
    origin: [...origins],
    credentials: true,
    methods: METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE,
    // A preflight is answered 204 whatever its path, without authentication.
    preflight: true,
    strictPreflight: false,
  })
}

/** The same policy for CometD answers, which fastify does not see (src/bayeux). */
export function cometdOriginHeaders(origins: readonly string[]): OriginHeaders {
  const allowed = new Set(origins)
  const exposed = CORS_EXPOSED_HEADERS.join(', ')
  const other: Readonly<Record<string, string>> = { Vary: 'Origin' }
  return (origin) =>
    allowed.has(origin)
      ? {
          'Access-Control-Allow-Origin': origin,
          'Access-Control-Allow-Credentials': 'true',
          'Access-Control-Expose-Headers': exposed,
          Vary: 'Origin',
        }
      : other
}
