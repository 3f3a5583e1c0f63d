// The fastify instance with the GWS envelope rules of contract §3: JSON in and out, every
// failure answered as {"statusCode":N,"statusMessage":"..."} with the mapped HTTP status,
// never a stack.

import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import { GwsError, StatusCode, httpStatusFor } from '../errors.ts'
import { challenge } from './auth.ts'

export function createHttpServer(config: Config, log: Logger): FastifyInstance {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps FastifyInstance's default generics.
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // Long polls are held for cometd.timeout; Node must not cut them first.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 72_000,
    return503OnClosing: true,
    // Access logs for REST calls; none for CometD traffic (a long poll per client per timeout).
    logController: new LogController({
      disableRequestLogging: (req) =>
        req.url.startsWith('/api/v2/notifications') || req.url === '/health',
    }),
    genReqId: () => Math.random().toString(36).slice(2, 10),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  })

  // JSON bodies; anything unparsable is a GWS 400 / statusCode 1 (contract §3).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    ['application/json', 'text/plain', 'application/x-www-form-urlencoded'],
    { parseAs: 'string' },
    (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8')
      const ct = request.headers['content-type'] ?? ''
      if (ct.startsWith('application/x-www-form-urlencoded')) {
        // Bayeux long-polling allows `message=<json>` (form-encoded) bodies.
        done(null, Object.fromEntries(new URLSearchParams(text)))
        return
      }
      if (text.trim() === '') {
        done(null, undefined)
        return
      }
      try {
        done(null, JSON.parse(text))
      } catch {
        done(
          new GwsError(StatusCode.MISSING_PARAMETER, 'Request body is not valid JSON'),
          undefined,
        )
      }
    },
  )
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, _body, done) => {
    done(
      new GwsError(StatusCode.MISSING_PARAMETER, 'Unsupported Content-Type; send application/json'),
      undefined,
    )
  })

  app.addHook('onSend', async (_request, reply, payload) => {
    const ct = reply.getHeader('content-type')
    if (typeof ct === 'string' && ct.startsWith('application/json')) {
      reply.header('content-type', 'application/json; charset=utf-8')
    }
    return payload
  })

  app.setErrorHandler((error: FastifyError | GwsError | Error, request, reply) => {
    if (error instanceof GwsError) {
      if (error.statusCode === StatusCode.NOT_AUTHENTICATED) challenge(reply)
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
      case 'FST_ERR_VALIDATION':
        return reply.code(400).send({
          statusCode: StatusCode.INVALID_PARAMETER,
          statusMessage: fe.message,
        })
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

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      statusCode: StatusCode.NOT_FOUND,
      statusMessage: `No resource at ${request.method} ${request.url.split('?')[0]}`,
    })
  })

  return app
}
