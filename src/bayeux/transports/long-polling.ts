// Long-polling transport (Bayeux 1.0, long-polling): POST <prefix> and every path below it (the
// official client posts to <base>/handshake, /connect, /disconnect and <base>/). Body: JSON
// array (or one object), or form-encoded `message=`. Unparsable body, empty array, wrong
// method → 400; body over maxMessageSize → 413; a request a browser page of another origin, not
// listed (`HttpOptions.origins`), could send without a preflight (text/plain, form-encoded; see
// origin.ts) → 403 before its body is parsed or authenticated.
//
// `HttpTransport.body` is the Bayeux part, the same for both HTTP paths: requests read from
// direct connections (transports/direct/reader.ts, the usual case) and requests that come through
// node:http (connections handed to node, or `directHttp` off). The node:http path is a plain
// request listener placed in front of fastify's (the way faye attaches itself): Bayeux paths
// never reach fastify's router, hooks, request/reply objects or per-request promises; every
// other path goes to fastify's listener unchanged. It keeps its own economies: no closure and
// no stream listener per request (a body that arrived with its headers is read in one shared
// tick, see `readPending`), one 'close' listener per connection rather than per held connect,
// one `writeHead` + `end` per response.

import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Engine } from '../engine/engine.ts'
import { Exchange } from '../engine/exchange.ts'
import type { HoldRequest } from '../engine/exchange.ts'
import type { HeldConnect, Session } from '../engine/session.ts'
import type { Deadline, DeadlineList } from '../engine/deadlines.ts'
import type { BayeuxHttpRequest } from '../engine/options.ts'
import { processMessages } from '../handlers/dispatch.ts'
import { BayeuxError } from '../protocol/errors.ts'
import { LONG_POLLING, parseMessages } from '../protocol/messages.ts'
import type { InMessage, Reply } from '../protocol/messages.ts'
import { originAllowed, sendableWithoutPreflight } from './origin.ts'

export const BROWSER_COOKIE = 'BAYEUX_BROWSER'
export const JSON_TYPE = 'application/json;charset=UTF-8'
/** CometD Java's duplicateMetaConnectHttpResponseCode default. */
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

const BODY_INVALID = errorBody(BayeuxError.bodyInvalid())
const SERVICE_FAILED = errorBody(BayeuxError.serviceFailed())
/** A page of another origin: trying again will not help. */
const ORIGIN_DENIED = JSON.stringify([
  {
    channel: '',
    successful: false,
    error: BayeuxError.originDenied(),
    advice: { reconnect: 'none', interval: 0 },
  },
])

/**
 * Headers of the common response (no cookie, server not closing). Reused: `writeHead`
 * serializes them at once, so only content-length changes between responses.
 */
const HEADERS: OutgoingHttpHeaders = { 'content-type': JSON_TYPE, 'content-length': 0 }

type Listener = (req: IncomingMessage, res: ServerResponse) => void

/**
 * Extra response headers for a request's `Origin` (CORS, chosen by the application), or null
 * for none. Called only for requests that carry an Origin header.
 */
export type OriginHeaders = (origin: string) => Readonly<Record<string, string>> | null

/** HTTP options of the long-polling transport. */
export interface HttpOptions {
  /** CORS: headers added to answers to requests with an Origin header. */
  originHeaders?: OriginHeaders | undefined
  /** OPTIONS requests on Bayeux paths go to the other listeners (fastify answers preflights). */
  preflightElsewhere?: boolean | undefined
  /**
   * Origins other than the server's own whose pages may use CometD: long-polling requests and
   * websocket upgrades of any other origin are refused with 403 (their cookies ride on both).
   * Default: none. A request without Origin (not a browser) is not checked.
   */
  origins?: readonly string[] | undefined
}

/** Where a request's state and a held connect live while node's streams call us back. */
const POST = Symbol('bayeux.post')
const HELD = Symbol('bayeux.held')
type BayeuxRequest = IncomingMessage & { [POST]?: Post }
/** The connection's held connect (null: none now; undefined: no 'close' listener yet). */
type BayeuxSocket = Socket & { [HELD]?: NodeHeld | null }

/**
 * Where one long-polling request's answer goes: node's ServerResponse (`Post`, below) or a
 * direct connection (`Pending`, transports/direct/reply.ts).
 */
export interface LpReply {
  /** Answer now; ignored once answered or when the connection is gone. */
  answer(status: number, body: string, cookie: string | null): void
  /** Hold the answer for a /meta/connect; null when it cannot be held (no live connection). */
  holdFor(hold: HoldRequest, cookie: string | null): HeldConnect | null
}

/** One POST through node:http: its body being read, then the reply to it. */
class Post implements LpReply {
  /** First chunk; later chunks (rare: bodies over one TCP read) go to `more`. */
  first: Buffer | null = null
  more: Buffer[] | null = null
  size = 0
  /** Answered already (413) or abandoned: later stream events are ignored. */
  done = false

  constructor(
    readonly transport: HttpTransport,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** Declared Content-Length, -1 if none (chunked). */
    readonly length: number,
  ) {}

  /**
   * Called once the tick that parsed the request's headers is over. By then node's parser
   * has buffered whatever body came in the same TCP read: when that is the whole declared
   * body (the usual case for Bayeux messages), it is taken at once, without switching the
   * stream to flowing mode (no listeners, no resume tick, no 'data'/'end' events). Anything
   * else (a body split over reads, chunked encoding) is read with the stream listeners.
   */
  start(): void {
    const req = this.req
    if (req.destroyed) return // the client went away before its body arrived
    if (this.length >= 0 && req.readableLength === this.length) {
      this.done = true
      const b = this.length === 0 ? null : (req.read() as Buffer | null)
      this.transport.body(req, this, b === null ? '' : b.toString('utf8'))
      return
    }
    ;(req as BayeuxRequest)[POST] = this
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
  }

  text(): string {
    if (this.first === null) return ''
    if (this.more === null) return this.first.toString('utf8')
    return Buffer.concat([this.first, ...this.more], this.size).toString('utf8')
  }

  answer(status: number, body: string, cookie: string | null): void {
    this.transport.send(this.res, status, body, cookie)
  }

  holdFor(hold: HoldRequest, cookie: string | null): HeldConnect | null {
    // Held only on a live connection. A pipelined request has no socket until the responses
    // before it are written: it is answered at once (its events stay queued for later).
    const sock = this.res.socket as BayeuxSocket | null
    if (sock === null || sock.destroyed) return null
    const held = new NodeHeld(this.transport, hold, this.res, cookie)
    // One 'close' listener per connection, not per held connect.
    if (sock[HELD] === undefined) sock.on('close', onSocketClose)
    sock[HELD] = held
    return held
  }
}

/** Posts whose headers were parsed in this tick; `readPending` starts them all. */
let pending: Post[] = []

function readPending(): void {
  const list = pending
  pending = []
  for (let i = 0; i < list.length; i++) (list[i] as Post).start()
}

function onData(this: BayeuxRequest, chunk: Buffer): void {
  const p = this[POST]
  if (!p || p.done) return
  p.size += chunk.length
  if (p.size > p.transport.maxBody) {
    // Too large: stop buffering; node discards the rest of the body (or we close).
    p.done = true
    p.first = p.more = null
    p.transport.tooLarge(p.res)
    return
  }
  if (p.first === null) p.first = chunk
  else (p.more ??= []).push(chunk)
}

function onEnd(this: BayeuxRequest): void {
  const p = this[POST]
  if (!p || p.done) return
  p.done = true
  this[POST] = undefined
  p.transport.body(p.req, p, p.text())
}

/** Client aborts and stream errors never crash the process; the request is just dropped. */
function onError(this: BayeuxRequest): void {
  const p = this[POST]
  if (p) p.done = true
  this[POST] = undefined
}

/** The connection of a held connect closed (aborted poll, dropped socket). */
function onSocketClose(this: BayeuxSocket): void {
  const h = this[HELD]
  if (!h) return
  this[HELD] = null
  // The session expires unless it connects again within maxInterval; queued events wait
  // for that connect.
  h.transport.engine.cancelHeld(h.session, h)
}

/** A /meta/connect held on an HTTP response. */
export abstract class HttpHeld implements HeldConnect {
  readonly reply: Reply
  readonly browserKey: string | null
  readonly session: Session
  // Deadline links (engine/deadlines.ts)
  deadline = 0
  prev: Deadline | null = null
  next: Deadline | null = null
  list: DeadlineList | null = null

  constructor(
    hold: HoldRequest,
    /** Set-Cookie to send with the eventual answer (null: none). */
    readonly cookie: string | null,
  ) {
    this.reply = hold.reply
    this.browserKey = hold.browserKey
    this.session = hold.session
  }

  abstract isOpen(): boolean

  /** Send the answer (once); the connection no longer waits on this connect. */
  protected abstract answer(status: number, body: string): void

  write(body: string): void {
    this.answer(200, body)
  }

  supersede(): void {
    // The older connect fails with HTTP 500 (CometD Java's default).
    const r = { ...this.reply, successful: false, error: BayeuxError.connectSuperseded() }
    delete r.advice
    this.answer(SUPERSEDED_STATUS, JSON.stringify([r]))
  }
}

/** Held on node's ServerResponse. */
class NodeHeld extends HttpHeld {
  constructor(
    readonly transport: HttpTransport,
    hold: HoldRequest,
    readonly res: ServerResponse,
    cookie: string | null,
  ) {
    super(hold, cookie)
  }

  isOpen(): boolean {
    return !this.res.destroyed && !this.res.headersSent
  }

  protected answer(status: number, body: string): void {
    const sock = this.res.socket as BayeuxSocket | null
    if (sock && sock[HELD] === this) sock[HELD] = null
    this.transport.send(this.res, status, body, this.cookie)
  }
}

export class HttpTransport {
  readonly engine: Engine
  readonly maxBody: number
  /** The 413 answer body, the same on both HTTP paths. */
  readonly tooLargeBody: string
  readonly #prefixes: string[]
  readonly #originHeaders: OriginHeaders | null
  readonly #preflightElsewhere: boolean
  readonly #origins: ReadonlySet<string>
  #server: Server | null = null

  constructor(engine: Engine, prefixes: string[], options: HttpOptions = {}) {
    this.engine = engine
    this.maxBody = engine.config.maxMessageSize
    this.tooLargeBody = errorBody(BayeuxError.messageTooLarge(this.maxBody))
    this.#prefixes = prefixes.slice()
    this.#originHeaders = options.originHeaders ?? null
    this.#preflightElsewhere = options.preflightElsewhere ?? false
    this.#origins = new Set(options.origins)
  }

  /** Headers for a request's Origin (undefined: no Origin, or none to add). */
  headersFor(origin: string | undefined): Readonly<Record<string, string>> | null {
    if (origin === undefined || this.#originHeaders === null) return null
    return this.#originHeaders(origin)
  }

  /** POST <prefix>, <prefix>/anything, with or without a query string. */
  matches(url: string | undefined): boolean {
    if (url === undefined) return false
    for (let i = 0; i < this.#prefixes.length; i++) {
      const p = this.#prefixes[i] as string
      if (!url.startsWith(p)) continue
      if (url.length === p.length) return true
      const c = url.charCodeAt(p.length)
      if (c === 0x2f /* / */ || c === 0x3f /* ? */) return true
    }
    return false
  }

  /**
   * Install our listener in front of the server's existing 'request' listeners (fastify's,
   * created with the server in fastify's constructor): Bayeux paths are ours, everything else
   * goes to them as before (return503OnClosing, hooks, 404s stay fastify's).
   */
  attach(server: Server): void {
    this.#server = server
    const others = server.listeners('request') as Listener[]
    for (const l of others) server.off('request', l)
    const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
      if (this.matches(req.url) && !(this.#preflightElsewhere && req.method === 'OPTIONS')) {
        this.handle(req, res)
        return
      }
      for (let i = 0; i < others.length; i++) (others[i] as Listener).call(server, req, res)
    }
    server.prependListener('request', dispatch)
  }

  /** Connection: close once the Bayeux server or the HTTP server is closing (graceful close). */
  closing(): boolean {
    return this.engine.closing || (this.#server !== null && !this.#server.listening)
  }

  /** One response: status, JSON body, optional cookie — a single writeHead + end. */
  send(res: ServerResponse, status: number, body: string, cookie: string | null): void {
    if (res.headersSent || res.destroyed) return
    const length = Buffer.byteLength(body)
    let headers: OutgoingHttpHeaders
    const closing = this.closing()
    const extra = this.headersFor(res.req.headers.origin)
    if (cookie === null && !closing && extra === null) {
      headers = HEADERS
      headers['content-length'] = length
    } else {
      headers = { 'content-type': JSON_TYPE, 'content-length': length, ...extra }
      if (cookie !== null) headers['set-cookie'] = cookie
      if (closing) headers.connection = 'close'
    }
    res.writeHead(status, headers)
    res.end(body)
  }

  tooLarge(res: ServerResponse): void {
    if (res.headersSent || res.destroyed) return
    const body = this.tooLargeBody
    // The unread rest of the body is not worth reading: close the connection after this.
    // With the CORS headers of an allowed origin, so that the page can read why.
    res.writeHead(413, {
      'content-type': JSON_TYPE,
      'content-length': Buffer.byteLength(body),
      ...this.headersFor(res.req.headers.origin),
      connection: 'close',
    })
    res.end(body)
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      // No callback-polling/JSONP: every other method is a bad request.
      this.send(res, 400, BODY_INVALID, null)
      return
    }
    const declared = req.headers['content-length']
    const length = declared === undefined ? -1 : Number(declared)
    if (length > this.maxBody) {
      this.tooLarge(res) // before reading any of it
      return
    }
    // One shared tick for every request parsed in this one (see Post.start).
    if (pending.push(new Post(this, req, res, length)) === 1) process.nextTick(readPending)
  }

  /** The whole body of a request arrived (through node:http or a direct connection). */
  body(req: BayeuxHttpRequest, reply: LpReply, text: string): void {
    const events = this.engine.events
    if (events.listenerCount('request') !== 0) events.emit('request', { url: req.url ?? '' })
    // A page of another origin gets nothing parsed or authenticated: a "simple" POST (text/plain,
    // form-encoded) needs no preflight and carries the user's SameSite=Lax cookies from any page
    // of the same site, so it could otherwise open sessions as the user. Only those are checked:
    // a JSON POST from another origin cannot leave a browser without a preflight, which CORS
    // answers for listed origins only, and leaving it alone keeps the server's own pages working
    // behind a proxy that rewrites Host (their Origin then differs from the Host seen here).
    const origin = req.headers.origin
    if (
      origin !== undefined &&
      sendableWithoutPreflight(req.headers['content-type']) &&
      !originAllowed(origin, req.headers.host, this.#origins)
    ) {
      this.engine.log.info(
        { origin, host: req.headers.host },
        'bayeux long-polling request from another origin refused',
      )
      reply.answer(403, ORIGIN_DENIED, null)
      return
    }
    let messages: InMessage[] | null
    try {
      messages = messagesOf(req, text)
    } catch {
      messages = null
    }
    if (!messages) {
      reply.answer(400, BODY_INVALID, null)
      return
    }
    const engine = this.engine
    const ex = new Exchange({
      type: LONG_POLLING,
      req,
      browserId: browserCookie(req.headers.cookie),
      ws: null,
      basicUser: undefined,
    })
    let pending: Promise<void> | undefined
    try {
      pending = processMessages(engine, ex, messages)
    } catch (err) {
      this.#failed(ex, reply, err)
      return
    }
    if (pending === undefined) {
      this.#respond(ex, reply)
      return
    }
    // Something asynchronous (authenticate, a service handler): not the delivery hot path.
    pending.then(
      () => this.#respond(ex, reply),
      (err: unknown) => this.#failed(ex, reply, err),
    )
  }

  #failed(ex: Exchange, reply: LpReply, err: unknown): void {
    this.engine.finish(ex)
    this.engine.log.error({ err }, 'bayeux request failed')
    reply.answer(500, SERVICE_FAILED, null)
  }

  #respond(ex: Exchange, reply: LpReply): void {
    const engine = this.engine
    try {
      if (ex.violation) {
        engine.finish(ex)
        reply.answer(400, engine.body(ex), null) // a handshake batched with others
        return
      }
      // CometD's cookie options: Path=/, HttpOnly, no Max-Age.
      const cookie =
        ex.newBrowserId === null
          ? null
          : `${BROWSER_COOKIE}=${ex.newBrowserId}; Path=/; HttpOnly${engine.cookieAttributes}`
      const hold = ex.hold
      const held = hold === null ? null : reply.holdFor(hold, cookie)
      if (held !== null) {
        engine.hold(hold as HoldRequest, held)
        engine.finish(ex)
        return
      }
      const body = engine.body(ex)
      engine.finish(ex)
      reply.answer(200, body, cookie)
    } catch (err) {
      engine.log.error({ err }, 'bayeux request failed')
      reply.answer(500, SERVICE_FAILED, null)
    }
  }
}

function messagesOf(req: BayeuxHttpRequest, body: string): InMessage[] | null {
  if (body.length === 0) return null
  const type = req.headers['content-type'] ?? ''
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const text = new URLSearchParams(body).get('message')
    return text === null ? null : parseMessages(text)
  }
  return parseMessages(body)
}
