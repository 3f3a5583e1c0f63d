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
// Node's settings apply: maxHeaderSize, keepAliveTimeout (checked once a second, so an idle
// connection may live up to a second longer), headersTimeout, counted from the first byte of a
// request until its head is read, also across a handover (see onHeadTimer, conn.ts), and
// requestTimeout (WORKBINS_REQUEST_TIMEOUT_MS; 0: none) until its last byte, as node applies them;
// server.close() and closeIdleConnections()/closeAllConnections() include these connections.
//
// The parts: conn.ts, one connection (reading its requests, answering them in order, handing
// it over); reply.ts, its answers (a request until its answer is written, a held connect);
// http-head.ts, one request's head and body. Conn sees DirectHttp only as a ConnOwner, and
// Pending and DirectHeld see Conn only as a ReplyConn: imports only point down.

import http from 'node:http'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { Server as TlsServer } from 'node:tls'
import type { HttpTransport } from '../long-polling.ts'
import { CONN, Conn, WATCH, nodeTimeout, onClose, onData, onDrain, onEnd, onError } from './conn.ts'
import type { ConnOwner, DirectSocket } from './conn.ts'

type ConnectionListener = (this: Server, socket: Socket) => void

/** How often idle and half-sent requests are checked against the server's timeouts. */
const SWEEP_MS = 1000

/** Takes the HTTP server's new connections, serves the Bayeux ones, hands the rest to node. */
export class DirectHttp implements ConnOwner {
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
