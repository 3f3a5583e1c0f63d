// One connection served directly: Conn (its requests read, processed and answered in order,
// until it closes or reader.ts hands it to node:http) and the socket listeners that drive it.
//
// A request that needs more than MAX_READS socket reads to arrive whole (a slow or
// deliberately fragmented client), or more than maxHeaderSize + maxMessageSize bytes of
// chunked framing, is handed over too, before anything of it was processed: node's parser is
// incremental, ours re-reads the request's bytes on each read, so this bounds that work.
//
// A head with a bare CR or LF, an obs-fold, a control character or a malformed line goes to
// node:http as soon as it is seen (http-head.ts, badHeadStart), so node answers its 400 at once.
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

import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import {
  INCOMPLETE,
  NOT_MINE,
  TOO_LARGE,
  badHeadStart,
  chunkedBody,
  parseHead,
} from './http-head.ts'
import type { Head } from './http-head.ts'
import { JSON_TYPE } from '../long-polling.ts'
import type { HttpTransport } from '../long-polling.ts'
import { Pending, REASONS, httpDate } from './reply.ts'
import type { DirectHeld, ReplyConn } from './reply.ts'

export const CONN = Symbol('bayeux.direct')
/** On a handed-over socket: the Conn whose head timer runs until node has the head. */
export const WATCH = Symbol('bayeux.direct.watch')
export type DirectSocket = Socket & {
  [CONN]?: Conn | undefined
  [WATCH]?: Conn | undefined
  /** node:http's, while it parses this socket (null once upgraded or closed). */
  parser?: unknown
  /** node:http's response in progress on this socket. */
  _httpMessage?: unknown
}

const CRLF2 = Buffer.from('\r\n\r\n')
const POST_SP = Buffer.from('POST ')
/** Socket reads a request may take to arrive whole before node:http gets the connection. */
const MAX_READS = 32

/** Could `buf` be the start of `POST `? */
function startsPost(buf: Buffer): boolean {
  const n = Math.min(buf.length, POST_SP.length)
  for (let i = 0; i < n; i++) if (buf[i] !== POST_SP[i]) return false
  return true
}

export function onData(this: DirectSocket, chunk: Buffer): void {
  this[CONN]?.data(chunk)
}
export function onEnd(this: DirectSocket): void {
  this[CONN]?.ended()
}
export function onClose(this: DirectSocket): void {
  this[CONN]?.closed()
}
export function onDrain(this: DirectSocket): void {
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
export function nodeTimeout(sock: Socket): void {
  const err = new Error('Request timeout') as NodeJS.ErrnoException
  err.code = 'ERR_HTTP_REQUEST_TIMEOUT'
  sock.emit('error', err)
}

/** Resets and the like: 'close' follows, which cancels a held connect. */
export function onError(this: DirectSocket): void {
  this.destroy()
}

/**
 * What a connection uses of the DirectHttp that accepted it (reader.ts, which implements it):
 * its settings, its set of connections, the handover. An interface, so that this file does not
 * import reader.ts, which creates Conns.
 */
export interface ConnOwner {
  readonly conns: Set<Conn>
  readonly maxBody: number
  readonly maxHead: number
  /** Most bytes kept behind an unanswered request before reading pauses. */
  readonly maxBuffered: number
  /** `Connection: keep-alive` header lines and the blank line, per server.keepAliveTimeout. */
  readonly keepAlive: string
  readonly accept: (url: string) => boolean
  readonly transport: HttpTransport
  readonly server: Server
  /** Give the connection to node:http, with the bytes read and not consumed. */
  handoff(c: Conn): void
  /** No complete request within the server's timeouts: node:http answers it (408). */
  timeOut(c: Conn): void
}

/** One TCP connection served directly. */
export class Conn implements ReplyConn {
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
    readonly direct: ConnOwner,
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
