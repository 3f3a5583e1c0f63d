// The answers of a direct connection (conn.ts): a request until its answer is written
// (Pending, the transport's LpReply), a /meta/connect held on it (DirectHeld), and the status
// reasons and Date of the heads Conn.respond writes. Pending creates DirectHeld and DirectHeld
// answers through its Pending, hence one file. Both reach their connection through ReplyConn,
// so that this file does not import conn.ts, which creates them.

import type { Socket } from 'node:net'
import type { HoldRequest } from '../../engine/exchange.ts'
import type { HeldConnect } from '../../engine/session.ts'
import { HttpHeld } from '../long-polling.ts'
import type { LpReply } from '../long-polling.ts'

export const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
}

let dateSecond = -1
let dateText = ''
/** The Date header value (RFC 9110 §6.6.1), recomputed once a second. */
export function httpDate(): string {
  const now = Date.now()
  const s = Math.floor(now / 1000)
  if (s !== dateSecond) {
    dateSecond = s
    dateText = new Date(now).toUTCString()
  }
  return dateText
}

/** What an answer uses of its connection: Conn (conn.ts) implements it. */
export interface ReplyConn {
  /** The held /meta/connect (only ever the oldest request: see Pending.holdable). */
  held: DirectHeld | null
  /** Handed to node:http or closed: ignore everything. */
  readonly gone: boolean
  readonly sock: Socket
  respond(p: Pending, status: number, body: string, cookie: string | null): void
}

/**
 * A request read from a direct connection, until its answer is written. Answers go out in the
 * order the requests came, as node:http queues the responses of pipelined requests.
 */
export class Pending implements LpReply {
  next: Pending | null = null
  /** Answered: the answer's bytes, kept here while an earlier answer is still due. */
  out: string | null = null
  /** The connection ends after this answer. */
  end = false
  /** Its answer waited behind an earlier one (counted in Conn.queued). */
  waited = false

  constructor(
    readonly conn: ReplyConn,
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

/** A /meta/connect held on a direct connection. */
export class DirectHeld extends HttpHeld {
  constructor(
    readonly conn: ReplyConn,
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
