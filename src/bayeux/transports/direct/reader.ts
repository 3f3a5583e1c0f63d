// Direct long-polling connections: an optional accelerator of the long-polling transport.
// Nothing depends on it: COMETD_DIRECT_HTTP=0 (`cometd.directHttp` false) turns it off and
// every request then takes the node:http path (../long-polling.ts) with the same answers.
//
// node:http's IncomingMessage/ServerResponse machinery costs more CPU per long poll than the
// Bayeux work does (src/bayeux/README.md, "Direct connections"). So every new TCP connection
// of the HTTP server comes here first. While its requests are Bayeux long-polling POSTs
// (http-head.ts decides), we read them from the socket and write the answers ourselves, in
// order, keep-alive, with the same status codes, headers and bodies as the
// node:http path (long-polling.ts does the Bayeux part for both). The first request that is
// anything else (another path or method, a WebSocket upgrade, chunk extensions or trailers,
// Expect, an odd header, a head over node's maxHeaderSize) and the rest of that connection are handed to node's HTTP
// server, hence to fastify, as if the connection had just been accepted: the bytes already
// read are put back (`unshift`) and node's own 'connection' listener runs. A connection never
// comes back from node.
//
// A request that needs more than MAX_READS socket reads to arrive whole (a slow or
// deliberately fragmented client), or more than maxHeaderSize + maxMessageSize bytes of
// chunked framing, is handed over too, before anything of it was processed: node's parser is
// incremental, ours re-reads the request's bytes on each read, so this bounds that work.
//
// A head with a bare CR or LF, an obs-fold, a control character or a malformed line goes to
// node:http as soon as it is seen (http-head.ts, badHeadStart), so node answers its 400 at once.
//
// Node's settings apply: maxHeaderSize, keepAliveTimeout (checked once a second, so an idle
// connection may live up to a second longer), headersTimeout, counted from the first byte of a
// request until its head is read, also across a handover (see onHeadTimer), and
// requestTimeout (0: none, as the app sets it) until its last byte, as node applies them;
// server.close() and closeIdleConnections()/closeAllConnections() include these connections.
//
// Pipelined requests are processed as node:http processes them: each at once, also while an
// earlier one is held or waits for an asynchronous handler, and answered in order (a later
// answer waits behind an earlier one). A /meta/connect read while an earlier answer is due is
// not held, like node's response that has no socket yet. A request for node:http behind
// answers still due waits for them before the handover: node could not queue its response
// behind ours.
//
// A client's FIN (half-close) is met as node:http meets it: the connection ends at once, with
// no answer still due written; a partial request goes to node's parser with the end of the
// stream, so node answers it (its 'clientError' 400). See Conn.ended.

import http from 'node:http'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { Server as TlsServer } from 'node:tls'
import type { HoldRequest } from '../../engine/exchange.ts'
import type { HeldConnect } from '../../engine/session.ts'
import {
  INCOMPLETE,
  NOT_MINE,
  TOO_LARGE,
  badHeadStart,
  chunkedBody,
  parseHead,
} from './http-head.ts'
import type { Head } from './http-head.ts'
import { HttpHeld, JSON_TYPE } from '../long-polling.ts'
import type { HttpTransport, LpReply } from '../long-polling.ts'

const CONN = Symbol('bayeux.direct')
/** On a handed-over socket: the Conn whose head timer runs until node has the head. */
const WATCH = Symbol('bayeux.direct.watch')
type DirectSocket = Socket & {
  [CONN]?: Conn | undefined
  [WATCH]?: Conn | undefined
  /** node:http's, while it parses this socket (null once upgraded or closed). */
  parser?: unknown
  /** node:http's response in progress on this socket. */
  _httpMessage?: unknown
}
type ConnectionListener = (this: Server, socket: Socket) => void

const CRLF2 = Buffer.from('\r\n\r\n')
const POST_SP = Buffer.from('POST ')
/** How often idle and half-sent requests are checked against the server's timeouts. */
const SWEEP_MS = 1000
/** Socket reads a request may take to arrive whole before node:http gets the connection. */
const MAX_READS = 32
const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
}

let dateSecond = -1
let dateText = ''
/** The Date header value (RFC 9110 §6.6.1), recomputed once a second. */
function httpDate(): string {
  const now = Date.now()
  const s = Math.floor(now / 1000)
  if (s !== dateSecond) {
    dateSecond = s
    dateText = new Date(now).toUTCString()
  }
  return dateText
}

/** Could `buf` be the start of `POST `? */
function startsPost(buf: Buffer): boolean {
  const n = Math.min(buf.length, POST_SP.length)
  for (let i = 0; i < n; i++) if (buf[i] !== POST_SP[i]) return false
  return true
}

function onData(this: DirectSocket, chunk: Buffer): void {
  this[CONN]?.data(chunk)
}
function onEnd(this: DirectSocket): void {
  this[CONN]?.ended()
}
function onClose(this: DirectSocket): void {
  this[CONN]?.closed()
}
function onDrain(this: DirectSocket): void {
  const c = this[CONN]
  if (!c) return
  c.draining = false
  c.pump()
}
function onDeferred(c: Conn): void {
  c.deferred = false
  c.pump()
}
/**
 * headersTimeout after the first byte of a request whose head has not arrived whole, or
 * requestTimeout (when set) of one whose body has not (see Conn.arm).
 *
 * Still ours: time out. Handed to node:http: node 20 keeps its own head clock per connection
 * (the parser's message start, set from C++ when the parser sees a byte, so at the handover,
 * not at the first byte we read) and checks it only every connectionsCheckingInterval (30 s by
 * default); JavaScript cannot set that clock. So this timer keeps running across the handover
 * and, if node still has no head when it fires, raises on the socket the error node's own
 * check raises (ERR_HTTP_REQUEST_TIMEOUT): node's socket error handler answers it, through
 * the server's 'clientError' listeners (fastify's 408) or with node's own 408, and closes.
 * Node's check can only fire later, its clock having started later.
 */
function onHeadTimer(c: Conn): void {
  c.timer = null
  const sock = c.sock
  if (c.handed) {
    if (sock[WATCH] !== c) return
    sock[WATCH] = undefined
    // Closed, upgraded (node freed its parser) or a head read (a response exists): done.
    if (sock.destroyed || !sock.parser || sock._httpMessage) return
    nodeTimeout(sock)
  } else if (!c.gone && (c.buf !== null || c.head !== null)) {
    c.direct.timeOut(c)
  }
}

/** Time `sock` out the way node:http's headersTimeout check does (its 'error' listener). */
function nodeTimeout(sock: Socket): void {
  const err = new Error('Request timeout') as NodeJS.ErrnoException
  err.code = 'ERR_HTTP_REQUEST_TIMEOUT'
  sock.emit('error', err)
}

/** Resets and the like: 'close' follows, which cancels a held connect. */
function onError(this: DirectSocket): void {
  this.destroy()
}

/**
 * A request read from a direct connection, until its answer is written. Answers go out in the
 * order the requests came, as node:http queues the responses of pipelined requests.
 */
class Pending implements LpReply {
  next: Pending | null = null
  /** Answered: the answer's bytes, kept here while an earlier answer is still due. */
  out: string | null = null
  /** The connection ends after this answer. */
  end = false
  /** Its answer waited behind an earlier one (counted in Conn.queued). */
  waited = false

  constructor(
    readonly conn: Conn,
    /** The request's Origin header (CORS), if any. */
    readonly origin: string | undefined,
    /** It asked for Connection: close (or is a 413). */
    readonly close: boolean,
    /**
     * It may be held: no earlier answer was due when it was read. node:http gives a pipelined
     * request's response the socket only once the responses before it are written, and
     * long-polling.ts (Post.holdFor) holds no response without a socket, so a /meta/connect
     * read while an earlier answer is due is answered at once.
     */
    readonly holdable: boolean,
  ) {}

  answer(status: number, body: string, cookie: string | null): void {
    this.conn.respond(this, status, body, cookie)
  }

  holdFor(hold: HoldRequest, cookie: string | null): HeldConnect | null {
    const c = this.conn
    if (!this.holdable || this.out !== null || c.gone || c.sock.destroyed) return null
    const held = new DirectHeld(c, this, hold, cookie)
    c.held = held
    return held
  }
}

/** One TCP connection served directly. */
class Conn {
  /** Bytes received and not yet consumed (null: none). */
  buf: Buffer | null = null
  /** The head of a request whose body is still arriving. */
  head: Head | null = null
  bodyStart = 0
  /** Requests read whose answers are not written yet, oldest first. */
  first: Pending | null = null
  last: Pending | null = null
  /** Bytes of answers waiting behind an earlier one. */
  queued = 0
  /** The held /meta/connect (only ever the oldest request: see Pending.holdable). */
  held: DirectHeld | null = null
  /** Read no more requests; close once the answers due are written (Connection: close, 413). */
  closeAfter = false
  pumping = false
  /** The rest of `buf` is read on the next turn of the event loop (see pump). */
  deferred = false
  /** Reading paused by us (unread responses or too many pipelined bytes). */
  paused = false
  /** Handed to node:http or closed: ignore everything. */
  gone = false
  /** Waiting for 'drain' before reading the next request. */
  draining = false
  /** Socket reads since the first byte of the request being read arrived. */
  reads = 0
  /** Epoch ms when the first byte of the request being read arrived. */
  start = 0
  /** Epoch ms since when this connection has had nothing to read or answer (keepAliveTimeout). */
  idle = Date.now()
  /** Runs while a request is incomplete (onHeadTimer). */
  timer: NodeJS.Timeout | null = null
  /** Handed to node:http (then `gone` too). */
  handed = false

  constructor(
    readonly direct: DirectHttp,
    readonly sock: DirectSocket,
  ) {}

  data(chunk: Buffer): void {
    if (this.gone) return
    this.reads++
    if (this.buf === null) {
      this.start = Date.now() // a new request starts
      this.reads = 1
      this.buf = chunk
    } else {
      this.buf = Buffer.concat([this.buf, chunk])
    }
    this.pump()
    // Bytes kept until the answers due are written (a request for node:http waits for them),
    // but not without bound.
    if (this.buf !== null && this.first !== null && this.buf.length > this.direct.maxBuffered)
      this.#pause()
  }

  /**
   * Read and process the whole requests in `buf`, as node:http does: each at once, even while
   * an earlier one is being answered (held); their answers are written in order.
   */
  pump(): void {
    if (this.pumping || this.gone || this.deferred) return
    const d = this.direct
    const sock = this.sock
    this.pumping = true
    try {
      while (this.buf !== null && !this.closeAfter) {
        if (sock.destroyed || this.gone) return
        if (sock.writableNeedDrain || this.queued >= sock.writableHighWaterMark) {
          // The client does not read its answers: read no more requests until it does
          // (node:http pauses the socket on the same conditions).
          this.#pause()
          if (sock.writableNeedDrain && !this.draining) {
            this.draining = true
            sock.once('drain', onDrain)
          }
          return
        }
        const buf = this.buf
        let head = this.head
        if (head === null) {
          if (!startsPost(buf)) return this.#toNode()
          const end = buf.indexOf(CRLF2)
          if (end < 0 || end > d.maxHead) {
            if (buf.length > d.maxHead) return this.#toNode() // node answers 431
            if (this.reads > MAX_READS) return this.#toNode()
            if (badHeadStart(buf, d.accept)) return this.#toNode() // node answers 400 now
            this.arm()
            break
          }
          head = parseHead(buf.toString('latin1', 0, end), d.accept)
          if (head === null) return this.#toNode()
          head.socket = sock // the client address, for authenticate
          if (head.length > d.maxBody) {
            this.#tooLarge(head)
            break
          }
          this.head = head
          this.bodyStart = end + 4
          // node:http stops the headersTimeout clock once it has the head (arm: the body's).
          this.disarm()
        }
        let stop: number
        let text: string
        if (head.chunked) {
          const r = chunkedBody(buf, this.bodyStart, d.maxBody)
          if (r === INCOMPLETE) {
            if (this.reads > MAX_READS || buf.length > d.maxBuffered) return this.#toNode()
            this.arm()
            break
          }
          if (r === NOT_MINE) return this.#toNode()
          if (r === TOO_LARGE) {
            this.#tooLarge(head)
            break
          }
          stop = r.end
          text = r.body.toString('utf8')
        } else {
          stop = this.bodyStart + head.length
          if (buf.length < stop) {
            if (this.reads > MAX_READS) return this.#toNode()
            this.arm()
            break
          }
          text = head.length === 0 ? '' : buf.toString('utf8', this.bodyStart, stop)
        }
        if (stop === buf.length) {
          this.buf = null
        } else {
          this.buf = buf.subarray(stop)
          this.start = Date.now() // the next request's first bytes came with this one
        }
        this.reads = 0
        this.head = null
        this.disarm()
        if (head.close) this.closeAfter = true
        const holdable = this.first === null
        const p = this.#push(new Pending(this, head.headers.origin, head.close, holdable))
        d.transport.body(head, p, text)
        if (this.first !== null && this.buf !== null && !this.closeAfter) {
          // Not answered at once (held, or asynchronous): node:http parses the next request
          // only after the ticks and promise jobs of this one ran, and a request it reads
          // while an answer is due is never held. Go on once they have run.
          this.deferred = true
          setImmediate(onDeferred, this)
          return
        }
      }
    } finally {
      this.pumping = false
    }
    if (
      this.paused &&
      !this.gone &&
      !(this.buf !== null && this.first !== null && this.buf.length > d.maxBuffered)
    ) {
      this.paused = false
      sock.resume()
    }
  }

  /** Answer request `p`; written now if every answer before it is, else when they are. */
  respond(p: Pending, status: number, body: string, cookie: string | null): void {
    if (p.out !== null || this.gone || this.sock.destroyed) return
    const d = this.direct
    const close = p.close || d.transport.closing()
    let text = `HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nDate: ${httpDate()}\r\n`
    if (cookie !== null) text += `Set-Cookie: ${cookie}\r\n`
    if (p.origin !== undefined) {
      const extra = d.transport.headersFor(p.origin)
      if (extra !== null) for (const k in extra) text += `${k}: ${extra[k] as string}\r\n`
    }
    p.out = text + (close ? 'Connection: close\r\n\r\n' : d.keepAlive) + body
    p.end = close
    if (p === this.first) {
      this.#flush()
    } else {
      p.waited = true
      this.queued += p.out.length
    }
  }

  /**
   * The peer sent FIN. node:http (httpAllowHalfOpen off) then ends the connection at once:
   * answers not written yet never are (a held connect is released, its events stay queued),
   * and a request it has only part of fails its parser (HPE_INVALID_EOF_STATE, answered by
   * 'clientError': 400). So the whole requests that came before the FIN are processed first,
   * as node has by then; bytes left over go to node:http with the end of the stream, so that
   * node answers them; without any, the connection ends.
   */
  ended(): void {
    while (this.deferred && !this.gone) {
      this.deferred = false
      this.pump()
    }
    if (this.gone) return
    this.abandon()
    if (this.buf !== null && !this.closeAfter) this.direct.handoff(this)
    else this.#close()
  }

  /** The socket closed (either side, or reset). */
  closed(): void {
    this.gone = true
    this.disarm()
    this.direct.conns.delete(this)
    this.first = this.last = null
    const h = this.held
    if (h === null) return
    this.held = null
    // The session expires unless it connects again within maxInterval.
    this.direct.transport.engine.cancelHeld(h.session, h)
  }

  /** Forget the answers due (the connection is being cut): a held connect is released. */
  abandon(): void {
    this.first = this.last = null
    this.queued = 0
    const h = this.held
    if (h === null) return
    this.held = null
    this.direct.transport.engine.cancelHeld(h.session, h)
  }

  /**
   * Start the clock of the request being read (see onHeadTimer), from its first byte as
   * node:http's checks do: headersTimeout until its head is read, requestTimeout (0: none)
   * until its last byte. A stalled body therefore waits when requestTimeout is 0.
   */
  arm(): void {
    if (this.timer !== null) return
    const server = this.direct.server
    let ms = server.requestTimeout > 0 ? server.requestTimeout : 0
    if (this.head === null) {
      const headers = server.headersTimeout
      if (headers > 0 && (ms === 0 || headers < ms)) ms = headers
    }
    if (!(ms > 0)) return
    this.timer = setTimeout(onHeadTimer, Math.max(0, this.start + ms - Date.now()), this)
    this.timer.unref()
  }

  disarm(): void {
    if (this.timer === null) return
    clearTimeout(this.timer)
    this.timer = null
  }

  #push(p: Pending): Pending {
    if (this.last === null) this.first = p
    else this.last.next = p
    this.last = p
    return p
  }

  /** Write the answers due, oldest first, up to the first one not answered yet. */
  #flush(): void {
    const sock = this.sock
    let p = this.first
    while (p !== null && p.out !== null) {
      if (this.gone || sock.destroyed) return
      if (p.waited) this.queued -= p.out.length
      if (p.out !== '') sock.write(p.out)
      if (p.end) {
        this.first = this.last = null
        this.#close()
        return
      }
      p = this.first = p.next
    }
    if (p !== null) return
    this.last = null
    this.queued = 0
    if (this.closeAfter) {
      this.#close()
      return
    }
    this.idle = Date.now()
    if (!this.pumping) this.pump()
  }

  /**
   * The next request is node:http's: hand the connection over once the answers due are
   * written (node could not write its answers behind ours).
   */
  #toNode(): void {
    if (this.first === null) this.direct.handoff(this)
  }

  #tooLarge(head: Head): void {
    // With the CORS headers of its origin, as on the node:http path: a browser can read it.
    // The unread rest of the body is not worth reading: the connection closes after it.
    this.closeAfter = true
    const p = this.#push(new Pending(this, head.headers.origin, true, false))
    this.respond(p, 413, this.direct.transport.tooLargeBody, null)
  }

  #close(): void {
    this.gone = true
    this.buf = null
    this.sock.destroySoon()
  }

  #pause(): void {
    if (this.paused) return
    this.paused = true
    this.sock.pause()
  }
}

/** A /meta/connect held on a direct connection. */
class DirectHeld extends HttpHeld {
  constructor(
    readonly conn: Conn,
    readonly pending: Pending,
    hold: HoldRequest,
    cookie: string | null,
  ) {
    super(hold, cookie)
  }

  isOpen(): boolean {
    return this.conn.held === this && !this.conn.gone && !this.conn.sock.destroyed
  }

  protected answer(status: number, body: string): void {
    const c = this.conn
    if (c.held === this) c.held = null
    c.respond(this.pending, status, body, this.cookie)
  }
}

/** Takes the HTTP server's new connections, serves the Bayeux ones, hands the rest to node. */
export class DirectHttp {
  readonly conns = new Set<Conn>()
  readonly maxBody: number
  readonly maxHead: number
  /** Most bytes kept behind an unanswered request before reading pauses. */
  readonly maxBuffered: number
  /** `Connection: keep-alive` header lines and the blank line, per server.keepAliveTimeout. */
  keepAlive = ''
  readonly accept: (url: string) => boolean
  readonly #node: ConnectionListener[]
  #sweep: NodeJS.Timeout | null = null

  constructor(
    readonly transport: HttpTransport,
    readonly server: Server,
  ) {
    this.maxBody = transport.maxBody
    this.maxHead =
      (server as Server & { maxHeaderSize?: number }).maxHeaderSize ?? http.maxHeaderSize
    this.maxBuffered = this.maxHead + this.maxBody
    this.accept = (url) => transport.matches(url)
    this.#node = server.listeners('connection') as ConnectionListener[]
  }

  /** false when the server cannot be served directly (TLS: its 'connection' is the raw TCP). */
  static supports(server: Server): boolean {
    return !(server instanceof TlsServer)
  }

  attach(): void {
    const server = this.server
    for (const l of this.#node) server.off('connection', l)
    server.on('connection', (sock: Socket) => this.#accept(sock))
    const idle = server.closeIdleConnections.bind(server)
    server.closeIdleConnections = () => {
      idle()
      for (const c of [...this.conns]) if (c.first === null && c.buf === null) c.sock.destroy()
    }
    const all = server.closeAllConnections.bind(server)
    server.closeAllConnections = () => {
      all()
      for (const c of [...this.conns]) c.sock.destroy()
    }
    // Node has the head of the request whose first bytes we read: its clock rules from now on.
    server.on('request', (req: http.IncomingMessage) => {
      const sock = req.socket as DirectSocket
      const c = sock[WATCH]
      if (c === undefined) return
      sock[WATCH] = undefined
      c.disarm()
    })
    this.#setKeepAlive()
    this.#sweep = setInterval(() => this.#check(), SWEEP_MS)
    this.#sweep.unref()
    server.once('close', () => {
      if (this.#sweep) clearInterval(this.#sweep)
      this.#sweep = null
    })
  }

  /** Give the connection to node:http, with the bytes we read and did not consume. */
  handoff(c: Conn): void {
    const sock = c.sock
    c.gone = true
    c.handed = true
    // The peer has sent FIN (see Conn.ended): bytes can no longer be put back.
    const ended = sock.readableEnded
    const bytes = c.buf
    if (bytes !== null && !ended) {
      // A request begun: its clock keeps running until node has its head (onHeadTimer).
      c.arm()
      if (c.timer !== null) sock[WATCH] = c
    } else {
      c.disarm()
    }
    this.conns.delete(c)
    sock[CONN] = undefined
    sock.pause()
    sock.off('data', onData)
    sock.off('end', onEnd)
    sock.off('close', onClose)
    sock.off('error', onError)
    sock.off('drain', onDrain)
    c.buf = null
    if (bytes !== null && !ended) sock.unshift(bytes)
    for (const l of this.#node) l.call(this.server, sock)
    if (ended) {
      // node:http's listeners get the bytes and then the end of the stream, as if they had
      // been read: node's parser answers a partial request, or node ends the connection.
      if (bytes !== null) sock.emit('data', bytes)
      sock.emit('end')
      return
    }
    // node:http's 'data' listener does not resume a paused stream; the bytes put back flow
    // to its parser on the next tick, before any new read from the socket.
    sock.resume()
  }

  /**
   * No complete head within headersTimeout (or request within requestTimeout): the partial
   * request is dropped and node:http gets the connection only to time it out, so the answer is
   * node's (the 'clientError' 408).
   */
  timeOut(c: Conn): void {
    c.abandon() // node:http's clientError handler cuts the connection, answers due or not
    c.buf = null
    c.head = null
    c.disarm()
    this.handoff(c)
    nodeTimeout(c.sock)
  }

  #accept(socket: Socket): void {
    const sock = socket as DirectSocket
    const c = new Conn(this, sock)
    sock[CONN] = c
    this.conns.add(c)
    sock.on('data', onData)
    sock.on('end', onEnd)
    sock.on('close', onClose)
    sock.on('error', onError)
  }

  #setKeepAlive(): void {
    const ms = this.server.keepAliveTimeout
    const seconds = Math.floor(ms / 1000)
    this.keepAlive =
      ms > 0 && seconds > 0
        ? `Connection: keep-alive\r\nKeep-Alive: timeout=${seconds}\r\n\r\n`
        : 'Connection: keep-alive\r\n\r\n'
  }

  /** keepAliveTimeout for idle connections (half-sent requests: onHeadTimer). */
  #check(): void {
    this.#setKeepAlive()
    const now = Date.now()
    const keepAlive = this.server.keepAliveTimeout
    if (!(keepAlive > 0)) return
    for (const c of [...this.conns]) {
      if (c.first !== null || c.buf !== null || c.head !== null) continue
      if (now - c.idle >= keepAlive) c.sock.destroy()
    }
  }
}
