// REST request metrics: one onResponse hook on the root fastify instance. The route label is
// fastify's route template (`/api/v2/workbins/:workbinId`), never the URL itself, so ids in
// paths add no series; requests no route matched share one label. CometD traffic does not go
// through fastify and is counted by the CometD collector instead.

import type { FastifyInstance } from 'fastify'
import { Counter, Histogram } from 'prom-client'
import type { Metrics } from './registry.ts'

/** The route label of requests that matched no route (404s, bad URLs). */
export const UNMATCHED_ROUTE = 'unmatched'

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])

export function instrumentHttp(app: FastifyInstance, metrics: Metrics): void {
  const labelNames = ['method', 'route', 'status'] as const
  const requests = new Counter({
    name: 'workbins_http_requests_total',
    help: 'REST requests answered, by method, route template and HTTP status',
    labelNames,
    registers: [metrics.registry],
  })
  const duration = new Histogram({
    name: 'workbins_http_request_duration_seconds',
    help: 'REST request duration from arrival to the last byte handed to the socket, seconds',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics.registry],
  })
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: METHODS.has(request.method) ? request.method : 'OTHER',
      // Fastify's own 404 route has no url; so do requests refused before routing.
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      status: String(reply.statusCode),
    }
    requests.inc(labels)
    duration.observe(labels, reply.elapsedTime / 1000)
    done()
  })
}
