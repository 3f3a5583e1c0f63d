// WebSocket transport (Bayeux 1.0 / CometD `websocket`): the upgrade at <prefix> (and
// any path below it), text frames each holding a JSON array of messages. Same message
// semantics as long-polling; events are pushed as soon as they are queued (unless the ack
// extension is on); /meta/connect is still held and acts as a heartbeat.
//
// Authentication happens on the upgrade request (docs/cometd.md, "Authentication"): `authenticate(req)` sees its
// headers, so a browser's JSESSIONID cookie or an `Authorization: Basic` header works. An
// unauthenticated upgrade is refused with HTTP 401 before any Bayeux traffic, which makes the
// official client fall back to long-polling (where its `requestHeaders` apply). Sessions are
// bound to the socket; another socket authenticated as the same user may take a session
// over (resume after a dropped socket; faye handshakes over HTTP, then connects over
// websocket, on an upgrade that may not carry the BAYEUX_BROWSER cookie yet).
//
// Bounds on sockets (docs/cometd.md, "Limits"): a socket keeps only the sessions bound to it
// now (the engine attaches and detaches them); one with no session for `wsIdleTimeout` is
// closed (1000, `no session`): the official client leaves its socket open after a server-side
// /meta/disconnect and opens a new one for its next handshake. A user may have at most
// `maxWebsocketsPerUser` sockets open on this server; the next upgrade is refused with 429.

import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, WebSocket } from 'ws'
import type { Engine } from '../engine/engine.ts'
import { Exchange } from '../engine/exchange.ts'
import type { HoldRequest } from '../engine/exchange.ts'
import type { Deadline, DeadlineList } from '../engine/deadlines.ts'
import type { HeldConnect, Session, WsLink } from '../engine/session.ts'
import type { BayeuxHttpRequest, BayeuxPrincipal } from '../engine/options.ts'
import { processMessages } from '../handlers/dispatch.ts'
import type { Reply } from '../protocol/messages.ts'
import { WEBSOCKET, parseMessages } from '../protocol/messages.ts'
import { HandshakeRefused } from '../protocol/errors.ts'
import { originAllowed } from './origin.ts'

/**
 * The request an Exchange of a websocket frame carries: sessions on a socket are authenticated
 * once, at the upgrade (`Link.principal`), so the upgrade request is not kept (it would cost
 * each idle socket its IncomingMessage).
 */
const UPGRADED: BayeuxHttpRequest = Object.freeze({ headers: Object.freeze({}) })

/**
 * Close codes (RFC 6455): 1000 normal closure, 1001 going away, 1003 unsupported data, 1007
 * invalid payload, 1008 policy violation; 1009 (too big) comes from ws.
 */
const NORMAL_CLOSURE = 1000
const GOING_AWAY = 1001
const UNSUPPORTED_DATA = 1003
const INVALID_PAYLOAD = 1007
const POLICY_VIOLATION = 1008

/** Frames of one socket waiting to be processed before it is no longer read, and again. */
const FRAMES_AHEAD_MAX = 64
const FRAMES_AHEAD_RESUME = 8

/** Counts of the transport that its sockets keep up to date (stats, metrics). */
interface Counts {
  /** Sessions bound to open sockets (the sum of their `sessions`). */
  sessions: number
  /** Sockets closed for having no session for `wsIdleTimeout`. */
  idleClosed: number
}

class Link implements WsLink {
  /**
   * The sessions bound to this socket (`s.ws === this`), registered in the engine: the engine
   * attaches a session when it is handshaken here or taken over from another socket, and
   * detaches it when it moves away or is forgotten (ended, expired, terminated and told).
   */
  readonly sessions = new Set<Session>()
  /** Frames of one socket are processed one after the other. */
  chain: Promise<void> = Promise.resolve()
  /** Frames received and not yet processed (each waiting frame keeps its text). */
  unprocessed = 0
  /** Sessions whose events wait for the socket to drain; null (no allocation) when none. */
  #waiting: Set<Session> | null = null
  /** Since when it has had no session (its upgrade, or the end of its last session). */
  #idleSince = 0
  /** Armed while it has no session; one timer at a time, moved on lazily when it fires. */
  #idleTimer: NodeJS.Timeout | null = null
  /** The socket's 'close' came: nothing is bound here any more. */
  #ended = false

  constructor(
    readonly socket: WebSocket,
    /** The upgraded connection: its 'drain' says the client reads again. */
    readonly raw: Duplex,
    readonly principal: BayeuxPrincipal,
    readonly engine: Engine,
    readonly counts: Counts,
  ) {
    this.#idle() // until its first handshake
  }

  attach(s: Session): void {
    if (this.#ended || this.sessions.has(s)) return
    this.sessions.add(s)
    this.counts.sessions++
  }

  detach(s: Session): void {
    if (!this.sessions.delete(s)) return
    this.counts.sessions--
    if (this.sessions.size === 0) this.#idle()
  }

  /** The socket closed: its sessions expire after maxInterval unless resumed elsewhere. */
  ended(): void {
    this.#ended = true
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer)
    this.#idleTimer = null
    this.counts.sessions -= this.sessions.size
    for (const s of this.sessions) if (s.ws === this) this.engine.socketClosed(s)
    this.sessions.clear()
  }

  /**
   * No session here from now: closed after `wsIdleTimeout` unless one is bound meanwhile. A
   * session coming and going does not touch the timer: it checks when it fires.
   */
  #idle(): void {
    const ms = this.engine.config.wsIdleTimeout
    if (ms === 0 || this.#ended) return
    this.#idleSince = Date.now()
    if (this.#idleTimer === null) this.#armIdle(ms)
  }

  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(() => this.#idleCheck(), ms)
    this.#idleTimer.unref()
  }

  #idleCheck(): void {
    this.#idleTimer = null
    // With a session it is armed again when that one goes; a closing socket needs nothing.
    if (this.#ended || this.sessions.size > 0 || !this.isOpen()) return
    const ms = this.engine.config.wsIdleTimeout
    const left = this.#idleSince + ms - Date.now()
    // A frame still being processed (a handshake waiting for the store) may bind one yet.
    if (left > 0 || this.unprocessed > 0) return this.#armIdle(left > 0 ? left : ms)
    this.counts.idleClosed++
    this.engine.log.debug(
      { userId: this.principal.userId, idleMs: ms },
      'bayeux websocket closed: no session',
    )
    this.close(NORMAL_CLOSURE, 'no session')
  }

  isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN
  }

  send(text: string): void {
    if (this.isOpen()) this.socket.send(text)
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason)
  }

  backlogged(s: Session): boolean {
    // Without writableNeedDrain no 'drain' will come: the bytes are below the stream's
    // highWaterMark and leave on their own, so writing on is safe.
    if (
      this.socket.bufferedAmount <= this.engine.config.wsSendBuffer ||
      !this.raw.writableNeedDrain
    ) {
      return false
    }
    if (this.#waiting === null) {
      this.#waiting = new Set()
      this.raw.once('drain', () => this.#resume())
    }
    this.#waiting.add(s)
    return true
  }

  #resume(): void {
    const waiting = this.#waiting
    this.#waiting = null
    if (waiting === null || !this.isOpen()) return
    for (const s of waiting) if (s.ws === this && s.pending > 0) this.engine.scheduleFlush(s)
  }
}

/** A /meta/connect held on a socket; superseded → a plain reply. */
class WsHeld implements HeldConnect {
  readonly session: Session
  readonly reply: Reply
  readonly browserKey = null
  // Deadline links (engine/deadlines.ts)
  deadline = 0
  prev: Deadline | null = null
  next: Deadline | null = null
  list: DeadlineList | null = null

  constructor(
    readonly link: Link,
    hold: HoldRequest,
  ) {
    this.session = hold.session
    this.reply = hold.reply
  }

  isOpen(): boolean {
    return this.link.isOpen() && this.session.ws === this.link
  }

  write(body: string): void {
    this.link.send(body)
  }

  supersede(): void {
    this.link.send(JSON.stringify([this.reply]))
  }
}

function matches(prefixes: string[], url: string | undefined): boolean {
  if (!url) return false
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  return prefixes.some((p) => path === p || path.startsWith(`${p}/`))
}

function refuse(socket: Duplex, status: number, text: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\n${extra}Connection: close\r\nContent-Length: 0\r\n\r\n`)
}

export class WsTransport {
  readonly #engine: Engine
  readonly #wss: WebSocketServer
  readonly #links = new Set<Link>()
  readonly #counts: Counts = { sessions: 0, idleClosed: 0 }
  /** Open sockets per upgrade userId (maxWebsocketsPerUser); users with none are not kept. */
  readonly #perUser = new Map<string, number>()
  #refusedOverCap = 0
  #framesWaiting = 0
  #server: Server | null = null
  #origins: ReadonlySet<string> = new Set()
  #listener: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null

  constructor(engine: Engine) {
    this.#engine = engine
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: engine.config.maxMessageSize, // bigger frames close with 1009
      perMessageDeflate: false,
    })
  }

  get connections(): number {
    return this.#links.size
  }

  /** Sessions bound to open sockets. */
  get sessions(): number {
    return this.#counts.sessions
  }

  /** Sockets closed so far for having had no session for `wsIdleTimeout`. */
  get idleClosed(): number {
    return this.#counts.idleClosed
  }

  /** Upgrades refused so far because their user had `maxWebsocketsPerUser` sockets open. */
  get refusedOverCap(): number {
    return this.#refusedOverCap
  }

  /** Frames received on all sockets and not processed yet. */
  get framesWaiting(): number {
    return this.#framesWaiting
  }

  /** Each open socket's upgrade principal. */
  *principals(): Generator<BayeuxPrincipal> {
    for (const link of this.#links) yield link.principal
  }

  /**
   * Close every socket whose upgrade was authenticated as a matching principal (its login
   * ended): a socket keeps its upgrade's identity, so a handshake on it must not outlive that
   * login. The client opens a new socket, whose upgrade is authenticated again.
   */
  closeWhere(match: (p: BayeuxPrincipal) => boolean, reason: string): number {
    let n = 0
    for (const link of this.#links) {
      if (!match(link.principal)) continue
      link.close(POLICY_VIOLATION, reason)
      n++
    }
    return n
  }

  attach(server: Server, prefixes: string[], origins: readonly string[] = []): void {
    this.#server = server
    this.#origins = new Set(origins)
    this.#listener = (req, socket, head) => {
      if (!matches(prefixes, req.url)) {
        // Someone else's path: leave it to them, unless nobody else listens.
        if (server.listenerCount('upgrade') === 1) refuse(socket, 404, 'Not Found')
        return
      }
      socket.on('error', () => socket.destroy())
      void this.#upgrade(req, socket, head)
    }
    server.on('upgrade', this.#listener)
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const engine = this.#engine
    if (!engine.config.websocket || engine.closing) return refuse(socket, 400, 'Bad Request')
    if (!originAllowed(req.headers.origin, req.headers.host, this.#origins)) {
      engine.log.info(
        { origin: req.headers.origin },
        'websocket upgrade from another origin refused',
      )
      return refuse(socket, 403, 'Forbidden')
    }
    let principal: BayeuxPrincipal | null
    try {
      principal = await engine.authenticate(req)
    } catch (err) {
      if (err instanceof HandshakeRefused) {
        const seconds = Math.max(1, Math.ceil(err.retryAfterMs / 1000))
        return refuse(socket, 429, 'Too Many Requests', `Retry-After: ${seconds}\r\n`)
      }
      // A temporary failure (e.g. the database is away), not a denial.
      engine.log.warn({ err }, 'bayeux authenticate failed')
      return refuse(socket, 503, 'Service Unavailable')
    }
    if (!principal) return refuse(socket, 401, 'Unauthorized')
    if (socket.destroyed || engine.closing) return refuse(socket, 400, 'Bad Request')
    // Counted from here to #open without a pause (handleUpgrade calls back synchronously).
    const open = this.#perUser.get(principal.userId) ?? 0
    if (open >= engine.config.maxWebsocketsPerUser) {
      this.#refusedOverCap++
      engine.log.info(
        { userId: principal.userId, websockets: open, max: engine.config.maxWebsocketsPerUser },
        'websocket upgrade refused: the user has too many websockets open',
      )
      return refuse(socket, 429, 'Too Many Requests')
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#open(ws, socket, principal))
  }

  #open(ws: WebSocket, raw: Duplex, principal: BayeuxPrincipal): void {
    const link = new Link(ws, raw, principal, this.#engine, this.#counts)
    this.#links.add(link)
    const userId = principal.userId
    this.#perUser.set(userId, (this.#perUser.get(userId) ?? 0) + 1)
    ws.on('error', (err) => this.#engine.log.debug({ err }, 'bayeux websocket error'))
    ws.on('message', (data, isBinary) => {
      // Bayeux messages are JSON text: a binary frame is data this end cannot accept.
      if (isBinary) return link.close(UNSUPPORTED_DATA, 'binary frames are not accepted')
      const text = data.toString()
      // A client sending frames faster than they are processed (each may wait for the store)
      // is not read from until it is nearly caught up: TCP pushes back instead of the queue of
      // waiting frames growing without bound.
      this.#framesWaiting++
      if (++link.unprocessed === FRAMES_AHEAD_MAX) ws.pause()
      link.chain = link.chain
        .then(() => this.#frame(link, text))
        .catch((err: unknown) => this.#engine.log.error({ err }, 'bayeux websocket frame failed'))
        .finally(() => {
          this.#framesWaiting--
          if (--link.unprocessed === FRAMES_AHEAD_RESUME && ws.isPaused) ws.resume()
        })
    })
    ws.on('close', () => {
      this.#links.delete(link)
      const n = (this.#perUser.get(userId) ?? 1) - 1
      if (n > 0) this.#perUser.set(userId, n)
      else this.#perUser.delete(userId)
      // Socket close ⇒ the session expires after maxInterval unless resumed.
      link.ended()
    })
  }

  async #frame(link: Link, text: string): Promise<void> {
    const engine = this.#engine
    const messages = parseMessages(text)
    if (!messages) return link.close(INVALID_PAYLOAD, 'invalid Bayeux message')
    const ex = new Exchange({
      type: WEBSOCKET,
      req: UPGRADED,
      browserId: null,
      ws: link,
      basicUser: null,
    })
    try {
      await processMessages(engine, ex, messages)
    } catch (err) {
      engine.finish(ex)
      engine.log.error({ err }, 'bayeux websocket frame failed')
      return link.close(INVALID_PAYLOAD, 'server error')
    }
    // The sessions of this socket are attached and detached by the engine (openSession,
    // resolve, forget): nothing to record here, so a /meta/disconnect does not leave its
    // session behind.
    const hold = ex.hold
    if (hold) {
      engine.hold(hold, new WsHeld(link, hold))
      engine.finish(ex)
      return
    }
    const body = engine.body(ex)
    engine.finish(ex)
    link.send(body)
  }

  /** Graceful close: sockets get 1001 after what was already queued on them. */
  async close(): Promise<void> {
    if (this.#server && this.#listener) this.#server.off('upgrade', this.#listener)
    const closed: Promise<void>[] = []
    for (const link of this.#links) {
      const ws = link.socket
      if (ws.readyState === WebSocket.CLOSED) continue
      closed.push(
        new Promise<void>((resolve) => {
          const force = setTimeout(() => ws.terminate(), 1000)
          force.unref()
          ws.once('close', () => {
            clearTimeout(force)
            resolve()
          })
        }),
      )
      ws.close(GOING_AWAY, 'server closing')
    }
    await Promise.all(closed)
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()))
  }
}
