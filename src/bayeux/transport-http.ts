// Long-polling transport (Bayeux §1.1, §1.5): POST <prefix> and every path below it (the
// official client posts to <base>/handshake, /connect, /disconnect and <base>/). Body: JSON
// array (or one object), or form-encoded `message=`. Unparsable body, empty array, wrong
// method → 400; body over maxMessageSize → 413 (checklist 1, 21).

import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Core } from './core.ts'
import { Exchange } from './exchange.ts'
import type { HeldConnect } from './session.ts'
import { BayeuxError } from './errors.ts'
import { LONG_POLLING, parseMessages } from './protocol.ts'
import type { InMessage } from './protocol.ts'

export const BROWSER_COOKIE = 'BAYEUX_BROWSER'
const JSON_TYPE = 'application/json;charset=UTF-8'
/** Java's duplicateMetaConnectHttpResponseCode default (digest §1.1). */
const SUPERSEDED_STATUS = 500

const BROWSER_RE = new RegExp(`(?:^|;)\\s*${BROWSER_COOKIE}=([A-Za-z0-9]{1,128})\\s*(?:;|$)`)

/** The BAYEUX_BROWSER value of a Cookie header, or null. */
export function browserCookie(header: string | undefined): string | null {
  if (!header) return null
  return BROWSER_RE.exec(header)?.[1] ?? null
}

function errorBody(error: string): string {
  return JSON.stringify([{ channel: '', successful: false, error }])
}

function messagesOf(request: FastifyRequest): InMessage[] | null {
  const body = request.body
  if (typeof body !== 'string' || body.length === 0) return null
  const type = request.headers['content-type'] ?? ''
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const text = new URLSearchParams(body).get('message')
    return text === null ? null : parseMessages(text)
  }
  return parseMessages(body)
}

export function mountHttp<L extends FastifyBaseLogger>(
  core: Core,
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  prefixes: string[],
): void {
  const maxBody = core.config.maxMessageSize

  const post = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const messages = messagesOf(request)
    if (!messages) return reply.code(400).type(JSON_TYPE).send(errorBody(BayeuxError.bodyInvalid()))
    const ex = new Exchange({
      type: LONG_POLLING,
      req: request.raw,
      browserId: browserCookie(request.headers.cookie),
      ws: null,
    })
    try {
      await core.process(ex, messages)
    } catch (err) {
      core.finish(ex)
      throw err
    }
    if (ex.violation) {
      core.finish(ex)
      return reply.code(400).type(JSON_TYPE).send(core.body(ex))
    }
    if (ex.newBrowserId !== null) {
      // digest §1.9 cookie options: Path=/, HttpOnly, no Max-Age.
      reply.header(
        'set-cookie',
        `${BROWSER_COOKIE}=${ex.newBrowserId}; Path=/; HttpOnly${core.cookieAttributes}`,
      )
    }
    const hold = ex.hold
    if (hold) {
      const res = reply.raw
      const held: HeldConnect = {
        reply: hold.reply,
        timer: undefined,
        browserKey: hold.browserKey,
        isOpen: () => !res.destroyed && !reply.sent,
        write: (body) => {
          reply.type(JSON_TYPE).send(body)
        },
        supersede: () => {
          const r = { ...hold.reply, successful: false, error: BayeuxError.connectSuperseded() }
          delete r.advice
          reply
            .code(SUPERSEDED_STATUS)
            .type(JSON_TYPE)
            .send(JSON.stringify([r]))
        },
      }
      core.hold(hold, held)
      // Client gone (aborted poll, dropped socket): the session expires unless it connects
      // again within maxInterval; queued events wait for that connect (test plan 16).
      res.once('close', () => core.cancelHeld(hold.session, held))
      core.finish(ex)
      return reply
    }
    const body = core.body(ex)
    core.finish(ex)
    return reply.type(JSON_TYPE).send(body)
  }

  const badMethod = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.code(400).type(JSON_TYPE).send(errorBody(BayeuxError.bodyInvalid()))

  void app.register(async (scope) => {
    // Our own body handling, whatever the application registered: the raw text, capped.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: maxBody }, (_req, body, done) =>
      done(null, body),
    )
    scope.setErrorHandler((err: { statusCode?: number }, request, reply) => {
      const status = err.statusCode ?? 500
      if (status === 413) {
        return reply
          .code(413)
          .type(JSON_TYPE)
          .send(errorBody(BayeuxError.messageTooLarge(maxBody)))
      }
      if (status >= 400 && status < 500) {
        return reply.code(400).type(JSON_TYPE).send(errorBody(BayeuxError.bodyInvalid()))
      }
      request.log.error({ err }, 'bayeux request failed')
      return reply.code(500).type(JSON_TYPE).send(errorBody(BayeuxError.serviceFailed()))
    })
    for (const prefix of prefixes) {
      for (const url of [prefix, `${prefix}/*`]) {
        scope.post(url, post)
        scope.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH'], url, handler: badMethod })
      }
    }
  })
}
