// Where Prometheus scrapes: `/metrics` on the API's fastify instance (WORKBINS_METRICS_PORT=0),
// or a separate plain node:http listener on its own port, which a load balancer in front of
// the API port never forwards to (docs/operations.md). Neither asks for credentials.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { StatusCode } from '../errors.ts'
import type { Metrics } from './registry.ts'

export const METRICS_PATH = '/metrics'

/** GET /metrics on the API port. */
export function metricsRoute(app: FastifyInstance, metrics: Metrics): void {
  // Scrapes every few seconds would drown the access log.
  app.get(METRICS_PATH, { logLevel: 'silent' }, async (_request, reply) => {
    const text = await metrics.scrape()
    return reply.header('content-type', metrics.contentType).send(text)
  })
}

function envelope(res: ServerResponse, status: number, statusCode: number, message: string): void {
  const body = JSON.stringify({ statusCode, statusMessage: message })
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

export interface MetricsListener {
  /** http://host:port of the listener. */
  readonly url: string
  close(): Promise<void>
}

/** A separate listener that answers GET/HEAD /metrics and nothing else. */
export async function listenMetrics(
  metrics: Metrics,
  host: string,
  port: number,
  log: Logger,
): Promise<MetricsListener> {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '').split('?')[0]
    // The GWS envelope, as on the API port (docs/api.md).
    if (path !== METRICS_PATH)
      return envelope(res, 404, StatusCode.NOT_FOUND, `No resource at ${path}`)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return envelope(
        res,
        405,
        StatusCode.INVALID_PARAMETER,
        `${req.method} is not allowed on ${METRICS_PATH}`,
      )
    }
    metrics.scrape().then(
      (text) => {
        res.writeHead(200, {
          'content-type': metrics.contentType,
          'content-length': Buffer.byteLength(text),
        })
        res.end(req.method === 'HEAD' ? undefined : text)
      },
      (err: unknown) => {
        log.error({ err }, 'metrics scrape failed')
        envelope(res, 500, StatusCode.INTERNAL, 'Internal error')
      },
    )
  }
  const server: Server = createServer(handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`
  log.info({ url: `${url}${METRICS_PATH}` }, 'metrics listening')
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
