// The fastify instance with the GWS envelope rules: JSON in and out, every failure answered
// as {"statusCode":N,"statusMessage":"..."} with the mapped HTTP status, never a stack —
// including URLs the router rejects and requests node cannot parse (docs/security.md).

import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import { GwsError, StatusCode, ThrottledError, errors, httpStatusFor } from '../errors.ts'
import { formatJsonPath, type JsonPath, tooDeep } from '../json-depth.ts'
import { challenge } from './auth.ts'
import { trustedProxies } from './client-address.ts'
import { SHARED_SCHEMAS } from './schemas/resources.ts'
import { validationError } from './validation-error.ts'

/**
 * Node's 'clientError' (an unparsable request line or header, a head over maxHeaderSize, a
 * headers timeout): the request was never parsed, so its path is unknown; every such answer
 * carries the GWS envelope and closes the connection, as node's own answer does.
 */
function clientError(this: FastifyInstance, err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request line and headers exceed the size limit']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request not received in time (headers and body: WORKBINS_REQUEST_TIMEOUT_MS)']
        : [400, 'Malformed HTTP request']
  const body = JSON.stringify({ statusCode: StatusCode.INVALID_PARAMETER, statusMessage: message })
  this.log.debug({ err }, 'client error')
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}

/** The refusal of a body nested deeper than `max` at `path` (from tooDeep). */
function tooDeepMessage(path: JsonPath, max: number): string {
  const where = path.length > 0 ? ` (in ${formatJsonPath(path.slice(0, 2))})` : ''
  return `Request body nests objects and arrays more than ${max} levels deep${where}, over WORKBINS_JSON_MAX_DEPTH; nothing was done`
}

export const REQUEST_ID_HEADER = 'x-request-id'
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The sent id when it is one token of at most 128 safe characters; else a random UUID. */
export function requestId(sent: string | string[] | undefined): string {
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID()
}

export function createHttpServer(config: Config, log: Logger): FastifyInstance {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps FastifyInstance's default generics.
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // request.ip from X-Forwarded-For only when it comes from a trusted proxy (docs/scaling.md).
    trustProxy: trustedProxies(config.trustProxy).length
      ? trustedProxies(config.trustProxy)
      : false,
    // Time to receive a whole request, so a client that stops sending its body is cut off.
    // Node stops this clock once the request is read: held long polls are not limited by it.
    requestTimeout: config.requestTimeoutMs,
    // An idle socket timeout would also cut a long poll held for cometd.timeout.
    connectionTimeout: 0,
    keepAliveTimeout: 72_000,
    // Requests that arrive while closing get our 503 (below), in the GWS envelope.
    return503OnClosing: false,
    // Access logs for REST calls; none for CometD traffic (a long poll per client per timeout).
    logController: new LogController({
      disableRequestLogging: (req) =>
        req.url.startsWith('/api/v2/notifications') ||
        req.url.startsWith('/genesys/cometd') ||
        req.url === '/health' ||
        req.url === '/ready',
    }),
    // The caller's X-Request-Id when it is a sane token, else a new one (docs/operations.md).
    requestIdHeader: false,
    genReqId: (req) => requestId(req.headers[REQUEST_ID_HEADER]),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: config.maxParamLength },
    // Node looks for requests over their time every connectionsCheckingInterval (30 s by
    // default); 5 s keeps a stalled request's connection close to WORKBINS_REQUEST_TIMEOUT_MS.
    http: { maxHeaderSize: config.maxHeaderSize, connectionsCheckingInterval: 5_000 },
    // URLs the router rejects (bad percent-encoding, a parameter over maxParamLength) and
    // requests node cannot parse answer the GWS envelope too.
    frameworkErrors: (error, request, rawReply) => {
      const reply = rawReply as FastifyReply
      reply.header(REQUEST_ID_HEADER, request.id)
      void reply.code(error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400).send({
        statusCode: StatusCode.INVALID_PARAMETER,
        statusMessage:
          error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? `A path parameter exceeds the limit of ${config.maxParamLength} characters`
            : 'Invalid URL: bad percent-encoding',
      })
      request.log.debug({ code: error.code }, 'bad url')
    },
    clientErrorHandler: clientError,
    // Route schemas validate as written: no type coercion (a number is not a place name), no
    // defaults; `discriminator` picks the one variant of an operation body by operationName.
    ajv: {
      customOptions: {
        coerceTypes: false,
        useDefaults: false,
        discriminator: true,
        keywords: ['x-examples'],
      },
    },
  })

  // Reply schemas document the API (src/http/openapi.ts); replies are serialized as built.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema)

  // REST bodies are JSON only: a form or text/plain body (what a cross-site form can send
  // without a CORS preflight) is 415 before any route runs. Bayeux long-polling reads its own
  // bodies (src/bayeux/transports/long-polling.ts), `message=` forms included, and never reaches here.
  // A write without a body and without Content-Type reaches its route, which answers 400 / 1
  // when it needs an operation body (docs/security.md).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      done(new GwsError(StatusCode.MISSING_PARAMETER, 'Request body is not valid JSON'), undefined)
      return
    }
    // Before any route sees it: a value nested thousands deep overflows the stack wherever it
    // is later written or serialized (src/json-depth.ts).
    const deep = tooDeep(value, config.jsonMaxDepth)
    if (deep !== undefined) {
      done(errors.validation(tooDeepMessage(deep, config.jsonMaxDepth)), undefined)
      return
    }
    done(null, value)
  })
  app.addContentTypeParser('*', (request, _payload, done) => {
    done(errors.unsupportedMediaType(request.headers['content-type'] ?? ''), undefined)
  })

  // First hook: every reply names its request id, the 503s and 401s of later hooks included.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    done()
  })

  // Shutting down: requests still arriving on open keep-alive connections are refused with
  // 503 and the connection closed, so a load balancer retries them on another node.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return
    reply.header('connection', 'close')
    return reply.code(503).send({
      statusCode: StatusCode.INTERNAL,
      statusMessage: 'Server is shutting down; retry the request',
    })
  })

  app.addHook('onSend', async (_request, reply, payload) => {
    // Requests in flight when shutdown began close their connection once answered: node's
    // close() ends only connections idle at that moment, so a kept-alive one would hold the
    // shutdown for the whole grace period.
    if (closing) reply.header('connection', 'close')
    const ct = reply.getHeader('content-type')
    if (typeof ct === 'string' && ct.startsWith('application/json')) {
      reply.header('content-type', 'application/json; charset=utf-8')
    }
    return payload
  })

  app.setErrorHandler((error: FastifyError | GwsError | Error, request, reply) => {
    if (error instanceof GwsError) {
      if (error instanceof ThrottledError) {
        reply.header('Retry-After', String(error.retryAfterSeconds))
      } else if (error.statusCode === StatusCode.NOT_AUTHENTICATED) {
        challenge(reply)
      }
      if (error.httpStatus === 503) {
        // Temporary (the database is away): the client may retry (RFC 9110 §10.2.3).
        reply.header('retry-after', '1')
        request.log.warn({ err: error }, 'request failed: service unavailable')
      } else if (error.httpStatus >= 500) request.log.error({ err: error }, 'request failed')
      return reply.code(error.httpStatus).send(error.toBody())
    }
    const fe = error as FastifyError
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send({
          statusCode: StatusCode.VALIDATION,
          statusMessage: `Request body exceeds the limit of ${config.bodyLimit} bytes`,
        })
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return reply.code(400).send({
          statusCode: StatusCode.MISSING_PARAMETER,
          statusMessage: 'Invalid request body',
        })
      case 'FST_ERR_VALIDATION': {
        const gws = validationError(fe, request)
        request.log.debug({ validation: fe.validation }, 'request rejected by its schema')
        return reply.code(gws.httpStatus).send(gws.toBody())
      }
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code = fe.statusCode === 404 ? StatusCode.NOT_FOUND : StatusCode.INVALID_PARAMETER
      return reply.code(fe.statusCode).send({ statusCode: code, statusMessage: fe.message })
    }
    request.log.error({ err: error }, 'unexpected error')
    return reply
      .code(httpStatusFor(StatusCode.INTERNAL))
      .send({ statusCode: StatusCode.INTERNAL, statusMessage: 'Internal error' })
  })

  // Node swaps headersTimeout (60 s) and requestTimeout when the first is the larger, which
  // would stretch a shorter requestTimeout to 60 s: the head's limit is at most the request's.
  if (config.requestTimeoutMs > 0 && app.server.headersTimeout > config.requestTimeoutMs) {
    app.server.headersTimeout = config.requestTimeoutMs
  }

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      statusCode: StatusCode.NOT_FOUND,
      statusMessage: `No resource at ${request.method} ${request.url.split('?')[0]}`,
    })
  })

  return app
}
