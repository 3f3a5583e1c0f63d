// REST request metrics: one onResponse hook on the root fastify instance. The route label is
// fastify's route template (`/api/v2/workbins/:id`), never the URL itself, so ids in paths add
// no series; requests no route matched share one label. CometD traffic does not go through
// fastify and is counted by the CometD collector instead.

import type { FastifyInstance } from 'fastify'
import type { Server } from 'node:http'
import { Gauge } from 'prom-client'
import type { ConnectionCounts } from '../http/connection-limit.ts'
import { FastHistogram } from './histogram.ts'
import { runningTotal } from './registry.ts'
import type { Metrics } from './registry.ts'

/** The route label of requests that matched no route (404s, bad URLs). */
export const UNMATCHED_ROUTE = 'unmatched'

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])

export function instrumentHttp(app: FastifyInstance, metrics: Metrics): void {
  // Its _count is the number of requests: no separate counter to update on every request.
  const duration = new FastHistogram(
    'workbins_http_request_duration_seconds',
    'REST requests by method, route template and HTTP status: duration from arrival to the reply handed to the socket, seconds',
    ['method', 'route', 'status'],
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    metrics.registry,
  )
  app.addHook('onResponse', (request, reply, done) => {
    duration
      .series(
        METHODS.has(request.method) ? request.method : 'OTHER',
        // Fastify's own 404 route has no url; so do requests refused before routing.
        request.routeOptions.url ?? UNMATCHED_ROUTE,
        String(reply.statusCode),
      )
      .observe(reply.elapsedTime / 1000)
    done()
  })
}

/** Open connections of the API port and those refused by its bounds (docs/security.md). */
export function connectionMetrics(
  metrics: Metrics,
  server: Server,
  counts: ConnectionCounts,
): void {
  new Gauge({
    name: 'workbins_http_connections',
    help: 'open TCP connections of the API port (REST, long polls, websockets)',
    registers: [metrics.registry],
    async collect() {
      const n = await new Promise<number>((resolve) =>
        server.getConnections((err, count) => resolve(err ? 0 : count)),
      )
      this.set(n)
    },
  })
  runningTotal(
    metrics,
    'workbins_http_connections_refused_total',
    'new connections closed at once because the server held WORKBINS_MAX_CONNECTIONS connections',
    () => counts.refusedTotal,
  )
  runningTotal(
    metrics,
    'workbins_http_connections_refused_per_address_total',
    'new connections closed at once because their address held WORKBINS_MAX_CONNECTIONS_PER_ADDRESS connections',
    () => counts.refusedPerAddress,
  )
}
