// One Bayeux session (a clientId): who it is, how it is bound, what it subscribed to, what is
// waiting for it, and its held /meta/connect.

import type { BayeuxPrincipal } from './options.ts'
import type { Advice, ConnectionType, Reconnect, Reply } from '../protocol/messages.ts'
import type { Outgoing } from '../protocol/outgoing.ts'
import type { AckQueue } from '../extensions/ack.ts'
import type { Deadline } from './deadlines.ts'

/** The WebSocket a session is bound to (transports/websocket.ts). */
export interface WsLink {
  readonly principal: BayeuxPrincipal
  isOpen(): boolean
  send(text: string): void
  close(code: number, reason: string): void
  /** `session` is bound to this socket now (handshake on it, or taken over from elsewhere). */
  attach(session: Session): void
  /** `session` is no longer bound here (the engine forgot it, or it moved to another socket). */
  detach(session: Session): void
  /**
   * More unsent bytes than `wsSendBuffer` (the client is not reading): events stay in the
   * session queue, where its limits apply, and `session` is flushed again once it drains.
   */
  backlogged(session: Session): boolean
}

/** A /meta/connect waiting for events or its timeout (Bayeux 1.0 long-polling hold). */
export interface HeldConnect extends Deadline {
  /** The session whose connect is held. */
  readonly session: Session
  /** The reply to send when it completes; advice/ext may be adjusted before. */
  reply: Reply
  /** LP: `BAYEUX_BROWSER|userId`, counted for the multiple-clients rule; null for ws. */
  browserKey: string | null
  /** The connection can still take the answer. */
  isOpen(): boolean
  /** Write the final JSON array text. */
  write(body: string): void
  /** Superseded by a newer connect: LP answers an HTTP error, ws a plain reply. */
  supersede(): void
}

export interface Termination {
  reconnect: Reconnect
  /** Error for the next connect reply ('handshake' case). */
  error: string | undefined
}

export class Session {
  readonly subscriptions = new Set<string>()
  /** Events not yet written (no ack extension). */
  queue: Outgoing[] = []
  /** UTF-8 bytes of `queue` (maxQueueBytes). */
  queueBytes = 0
  /** Set when the client enabled the ack extension at handshake. */
  ack: AckQueue | null = null
  held: HeldConnect | null = null
  /** LP: `BAYEUX_BROWSER|userId` (multiple-clients key), cached by the connect handler. */
  heldKey: string | null = null
  /** The first /meta/connect has been answered (the first one is never held). */
  connected = false
  /** Epoch ms of its handshake here (a session never connected may be evicted: Engine.evictUnconnected). */
  readonly openedAt = Date.now()
  /** The advice last sent on a connect reply (Engine.connectJson). */
  advised: Advice | undefined = undefined
  /** Epoch ms after which the sweeper removes the session when nothing is held. */
  expireAt: number
  /** Stamp of the last client broadcast that reached this session: it reaches it once. */
  stamp = 0
  /** >0 while a request of this session is processed: deliveries join its response. */
  processing = 0
  flushScheduled = false
  /** In the engine's registry (its queue counts in the engine's queued total). */
  registered = false
  /** Set when the server ended the session; kept as a tombstone until swept. */
  terminated: Termination | null = null
  /**
   * Durable delivery (engine/durable.ts): the newest feed number this session has been offered
   * or passed over (a message on a channel it does not subscribe to).
   */
  position = 0
  /** The position when the last connect reply was written (no ack extension: what the next connect acknowledges). */
  repliedPosition = 0
  /**
   * `advice.interval` its last connect reply gave instead of the configured one (the
   * multiple-clients interval), ms, 0 for none: it expires that much later.
   */
  advisedInterval = 0
  /** A replaying session waits for its first subscriptions before it is caught up. */
  parked = false
  /**
   * Handshaking: its place in the feed is being stored and is not known yet, so deliveries and
   * catch-ups pass it by until the handshake sets `position` (DurableDelivery.started).
   */
  starting = false
  /** Reading its feed from the store: live deliveries pass it by, the read catches up. */
  catchingUp = false

  constructor(
    readonly id: string,
    readonly principal: BayeuxPrincipal,
    readonly connectionType: ConnectionType,
    /** LP: the BAYEUX_BROWSER cookie value it is bound to; null for ws sessions. */
    readonly browserId: string | null,
    /** ws: the socket it is bound to (may be replaced by a socket of the same user). */
    public ws: WsLink | null,
    expireAt: number,
  ) {
    this.expireAt = expireAt
  }

  get pending(): number {
    return this.ack ? this.ack.size : this.queue.length
  }

  get pendingBytes(): number {
    return this.ack ? this.ack.bytes : this.queueBytes
  }

  /** Add an event; returns the new number of pending events. */
  offer(out: Outgoing): number {
    if (this.ack) {
      this.ack.offer(out)
      return this.ack.size
    }
    this.queueBytes += out.size
    return this.queue.push(out)
  }

  /**
   * Take the events to write now. With the ack extension events only travel with a
   * /meta/connect reply (see extensions/ack.ts), which then carries the batch number in `ext.ack`.
   */
  drain(connectReply: Reply | null): Outgoing[] {
    if (this.ack) {
      if (!connectReply) return []
      const { events, batch } = this.ack.closeBatch(this.position)
      connectReply.ext = { ...connectReply.ext, ack: batch }
      return events
    }
    const q = this.queue
    if (q.length === 0) return q
    this.queue = []
    this.queueBytes = 0
    return q
  }

  /** Drop the events not written yet (ack: those of the open batch). */
  dropUnsent(): void {
    if (this.ack) {
      this.ack.dropOpen()
      return
    }
    this.queue = []
    this.queueBytes = 0
  }

  clear(): void {
    this.queue = []
    this.queueBytes = 0
    this.ack?.clear()
    this.subscriptions.clear()
  }
}
