// The transport-independent Bayeux engine: sessions, deliveries, held connects, expiry.
// Transports (transports/) feed requests to the dispatcher (handlers/dispatch.ts), which runs
// the per-channel handlers against this engine through the narrow EngineApi (api.ts); the
// transports then write what the engine returns.

import type { BrowserHolds } from './browser-holds.ts'
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { CometdConfig } from '../../config.ts'
import type {
  BayeuxHttpRequest,
  BayeuxPrincipal,
  BayeuxServerOptions,
  ServiceHandler,
} from './options.ts'
import type { EngineApi } from './api.ts'
import type { HeldConnect, WsLink } from './session.ts'
import { Session } from './session.ts'
import { SessionRegistry } from './session-registry.ts'
import { Deadlines } from './deadlines.ts'
import type { Deadline } from './deadlines.ts'
import type { Exchange, HoldRequest } from './exchange.ts'
import { pollBound } from './exchange.ts'
import { newId } from './random-id.ts'
import { Outgoing, outgoing } from '../protocol/outgoing.ts'
import { matchesAny, matchingPatterns, parseChannel } from '../protocol/channels.ts'
import { BayeuxError, HandshakeRefused } from '../protocol/errors.ts'
import type { ConnectionType, InMessage, Reply } from '../protocol/messages.ts'
import { META_DISCONNECT, WEBSOCKET, LONG_POLLING, arrayText } from '../protocol/messages.ts'
import { AckQueue, positionOfBatch } from '../extensions/ack.ts'
import { DurableDelivery } from './durable.ts'

/** An Authorization header with Basic credentials (checked by `authenticate`). */
const BASIC = /^Basic\s/i

/** Server-side disconnect message (Bayeux 1.0, server-initiated disconnect). */
const DISCONNECT_EVENT = new Outgoing(`{"channel":"${META_DISCONNECT}","successful":true}`)

export class Engine implements EngineApi {
  readonly config: CometdConfig
  readonly log: Logger
  readonly authenticate: BayeuxServerOptions['authenticate']
  /** `; Secure; SameSite=...` suffix of the BAYEUX_BROWSER cookie. */
  readonly cookieAttributes: string
  readonly #registry: SessionRegistry
  /** Durable delivery, when the application keeps sessions (engine/durable.ts). */
  readonly durable: DurableDelivery | null
  readonly #services = new Map<string, ServiceHandler>()
  #closing = false
  /** 'removed' ({clientId, userId, reason}), 'held' ({clientId}) — for tests and metrics. */
  readonly events = new EventEmitter()

  readonly #counters = {
    handshakes: 0,
    deliveredTotal: 0,
    heldConnects: 0,
    expired: 0,
    terminated: 0,
  }

  /** Events waiting in session queues (unacknowledged ones with the ack extension). */
  #queued = 0
  #stampSeq = 0
  #dirty: Session[] = []
  #sweeper: NodeJS.Timeout | undefined
  /** Held connects by deadline: one timer per distinct hold duration, not per connect. */
  readonly #deadlines = new Deadlines((e: Deadline) => {
    const h = e as HeldConnect
    if (h.session.held === h) this.completeHeld(h.session)
  })

  constructor(opts: BayeuxServerOptions) {
    this.config = opts.config
    this.log = opts.logger
    this.authenticate = opts.authenticate
    const keeper = opts.keeper
    this.durable = keeper ? new DurableDelivery(this, keeper) : null
    this.#registry = new SessionRegistry(
      keeper
        ? (userId, present) => {
            keeper.userPresence(userId, present)
            if (!present) this.durable?.forgetUser(userId)
          }
        : undefined,
    )
    this.cookieAttributes =
      (opts.cookie?.secure ? '; Secure' : '') +
      (opts.cookie?.sameSite ? `; SameSite=${opts.cookie.sameSite}` : '')
    this.#advice = Object.freeze({
      reconnect: 'retry' as const,
      interval: opts.config.interval,
      timeout: opts.config.timeout,
    })
    this.#sweeper = setInterval(() => this.sweep(Date.now()), opts.config.sweepPeriod)
    this.#sweeper.unref()
  }

  get closing(): boolean {
    return this.#closing
  }

  /** Offered connection types, in the official client's preference order. */
  get connectionTypes(): string[] {
    return this.config.websocket ? [WEBSOCKET, LONG_POLLING] : [LONG_POLLING]
  }

  /**
   * Default advice (handshake and connect replies). One frozen object shared by every reply
   * (no allocation per connect): replies that need another advice replace it, never mutate it.
   */
  advice(): Reply['advice'] {
    return this.#advice
  }

  readonly #advice: Reply['advice']
  /** validDeliveryChannel answers by channel (deliverToUser checks each call). */
  readonly #deliverable = new Map<string, boolean>()

  /** Expiry deadline after a reply was written or a message arrived: interval + maxInterval. */
  /** When a session not polling from `now` expires: after the interval it was advised, plus maxInterval. */
  expiryFrom(now: number, s?: Session): number {
    return now + Math.max(this.config.interval, s?.advisedInterval ?? 0) + this.config.maxInterval
  }

  // ---------------------------------------------------------------- sessions

  openSession(
    principal: BayeuxPrincipal,
    type: ConnectionType,
    browserId: string | null,
    ws: WsLink | null,
    ack: boolean,
  ): Session {
    const s = new Session(newId(), principal, type, browserId, ws, this.expiryFrom(Date.now()))
    if (ack) s.ack = new AckQueue()
    this.#registry.add(s)
    ws?.attach(s)
    this.#counters.handshakes++
    return s
  }

  discard(s: Session): void {
    this.#forget(s)
    this.#counters.handshakes--
  }

  /** Register a session made elsewhere (a stored session resumed: engine/durable.ts). */
  adopt(s: Session): void {
    this.#registry.add(s)
  }

  /** A session by clientId (terminated ones included until they are forgotten). */
  session(clientId: string): Session | undefined {
    return this.#registry.get(clientId)
  }

  /** Every known session, terminated ones included. */
  sessions(): IterableIterator<Session> {
    return this.#registry.values()
  }

  /** Users with live sessions. */
  users(): IterableIterator<string> {
    return this.#registry.users()
  }

  /** Live sessions of a user. */
  sessionsOf(userId: string): ReadonlySet<Session> | undefined {
    return this.#registry.ofUser(userId)
  }

  sessionCount(userId: string): number {
    return this.#registry.ofUser(userId)?.size ?? 0
  }

  heldFor(browserKey: string): number {
    return this.#registry.heldFor(browserKey)
  }

  /** Set by a cluster (BayeuxServer.setBrowserHolds); null on a single server. */
  browserHolds: BrowserHolds | null = null

  heldElsewhere(browserKey: string, clientId: string): number {
    return this.browserHolds?.elsewhere(browserKey, clientId) ?? 0
  }

  subscribe(s: Session, pattern: string): void {
    this.#registry.subscribe(s, pattern)
  }

  unsubscribe(s: Session, pattern: string): void {
    this.#registry.unsubscribe(s, pattern)
  }

  service(channel: string): ServiceHandler | undefined {
    return this.#services.get(channel)
  }

  setService(channel: string, handler: ServiceHandler): void {
    this.#services.set(channel, handler)
  }

  acknowledge(s: Session, batch: number): void {
    const ack = s.ack
    if (ack === null) return
    const before = ack.size
    ack.acknowledge(batch)
    if (s.registered) this.#queued -= before - ack.size
    this.durable?.keeper.acknowledged(s.id, Math.min(positionOfBatch(batch), s.position))
  }

  /** The socket of a session closed: it expires after maxInterval unless it comes back. */
  socketClosed(s: Session): void {
    if (s.held) this.cancelHeld(s, s.held)
    s.expireAt = this.expiryFrom(Date.now())
  }

  /**
   * Counters for logs and metrics, all kept up to date where they change: O(1), however many
   * sessions there are.
   */
  stats(): {
    sessions: number
    heldConnects: number
    queuedMessages: number
    subscriptions: number
    handshakes: number
    deliveredTotal: number
    expiredTotal: number
    terminatedTotal: number
  } {
    const c = this.#counters
    return {
      sessions: this.#registry.size,
      heldConnects: c.heldConnects,
      queuedMessages: this.#queued,
      subscriptions: this.#registry.subscriptionCount,
      handshakes: c.handshakes,
      deliveredTotal: c.deliveredTotal,
      expiredTotal: c.expired,
      terminatedTotal: c.terminated,
    }
  }

  /**
   * A long-polling request that lacks the BAYEUX_BROWSER cookie of a session bound to
   * `browserId` may still reach it with Basic credentials of the session's user (pollBound):
   * authenticate them, once per request, into `ex.origin.basicUser`. A promise while that is
   * done; undefined when there is nothing to do (the cookie matches, no Basic header, checked
   * already, websocket). Wrong, unknown or throttled credentials leave the user null: the
   * session stays unknown to the request.
   */
  checkBasic(ex: Exchange, browserId: string | null): Promise<void> | undefined {
    const o = ex.origin
    if (o.type !== LONG_POLLING || o.basicUser !== undefined) return undefined
    if (browserId === null || browserId === o.browserId) return undefined
    const header = o.req.headers.authorization
    if (header === undefined || !BASIC.test(header)) {
      o.basicUser = null
      return undefined
    }
    return this.#basicUser(o.req).then((userId) => {
      o.basicUser = userId
    })
  }

  async #basicUser(req: BayeuxHttpRequest): Promise<string | null> {
    // The Basic header alone: without the request's cookies, which could authenticate it too.
    const headers = { ...req.headers }
    delete headers.cookie
    try {
      const p = await this.authenticate({
        method: req.method,
        url: req.url,
        headers,
        socket: req.socket,
      })
      return p?.userId ?? null
    } catch (err) {
      // Throttled: as wrong credentials. Anything else (the store away) is logged.
      if (!(err instanceof HandshakeRefused)) this.log.warn({ err }, 'bayeux authenticate failed')
      return null
    }
  }

  /**
   * Find the session of a message, enforcing its binding (src/bayeux/README.md, "Session binding"): over long-polling,
   * only requests carrying the session's BAYEUX_BROWSER cookie, or Basic credentials of its
   * user (checked before, checkBasic); a websocket-born session has no cookie, so never. Over
   * websocket, frames of its socket, or of another socket whose upgrade authenticated the same
   * user (it then moves there). Anything else is an unknown session (402).
   */
  resolve(ex: Exchange, m: InMessage): Session | null {
    const id = m.clientId
    if (typeof id !== 'string') return null
    const s = this.#registry.get(id)
    if (!s) return null
    const o = ex.origin
    if (o.type === LONG_POLLING) {
      if (!pollBound(o, s.browserId, s.principal.userId)) return null
    } else if (s.ws !== o.ws) {
      // Another socket, authenticated at its upgrade as the session's user: a websocket
      // session resuming after a dropped socket, or a session handshaken over HTTP moving to
      // websocket (faye does both; its upgrade may race the handshake and lack the cookie).
      // The upgrade's own authentication stands in for the browser cookie.
      if (!o.ws || o.ws.principal.userId !== s.principal.userId) return null
      if (s.held) this.supersede(s)
      s.ws?.detach(s)
      s.ws = o.ws
      o.ws.attach(s)
    }
    if (!s.terminated && !ex.touched.includes(s)) {
      s.processing++
      ex.touched.push(s)
    }
    if (!s.held) {
      const exp = this.expiryFrom(Date.now())
      if (exp > s.expireAt) s.expireAt = exp // any message extends the session
    }
    return s
  }

  /**
   * The response body of a processed request: handshake reply, queued events of the
   * request's session (piggy-backed), other replies, connect reply last.
   */
  body(ex: Exchange): string {
    const parts: string[] = []
    if (ex.handshake) parts.push(JSON.stringify(ex.handshake))
    const s = ex.session
    if (s && !ex.hold) {
      const connect = ex.connectSession === s ? ex.connect : null
      const events =
        s.terminated?.reconnect === 'handshake' || this.#backlogged(s)
          ? []
          : this.#drain(s, connect)
      for (let i = 0; i < events.length; i++) parts.push((events[i] as Outgoing).json)
      this.#counters.deliveredTotal += events.length
    }
    for (const r of ex.replies) parts.push(JSON.stringify(r))
    if (ex.connect) parts.push(this.connectJson(ex.connectSession, ex.connect))
    return arrayText(parts)
  }

  /** After the response was written (or abandoned): release deferred deliveries. */
  finish(ex: Exchange): void {
    const now = Date.now()
    if (ex.connectSession && !ex.connectSession.held) {
      ex.connectSession.expireAt = this.expiryFrom(now, ex.connectSession)
    }
    for (const s of ex.touched) {
      s.processing--
      if (s.pending > 0) this.scheduleFlush(s)
      // A replaying session is caught up once the request with its subscriptions is answered.
      if (s.parked && s.subscriptions.size > 0) void this.durable?.catchUp(s)
    }
    for (const s of ex.forget) this.#forget(s)
  }

  // ---------------------------------------------------------------- held connects

  /** Hold a connect: one per session, at most `timeout` ms. */
  hold(req: HoldRequest, held: HeldConnect): void {
    const s = req.session
    if (s.held) this.supersede(s)
    s.held = held
    s.expireAt = Number.POSITIVE_INFINITY // a held connect cancels expiry
    this.#deadlines.add(held, req.timeout, Date.now())
    if (held.browserKey !== null) {
      this.#registry.addHeld(held.browserKey, 1)
      this.browserHolds?.held(held.browserKey, s.id)
    }
    this.#counters.heldConnects++
    // No event object per held connect unless someone listens (tests, metrics).
    if (this.events.listenerCount('held') > 0) this.events.emit('held', { clientId: s.id })
    // An event may have been queued while the request was processed.
    if (s.pending > 0) this.scheduleFlush(s)
  }

  #release(s: Session): HeldConnect | null {
    const h = s.held
    if (!h) return null
    s.held = null
    this.#deadlines.remove(h)
    if (h.browserKey !== null) this.#registry.addHeld(h.browserKey, -1)
    this.#counters.heldConnects--
    s.expireAt = this.expiryFrom(Date.now())
    return h
  }

  /** Answer the held connect now, with the queued events before it. */
  completeHeld(s: Session, adjust?: (r: Reply) => void): void {
    const h = this.#release(s)
    if (!h) return
    if (!h.isOpen()) return // client went away: events stay queued for the next connect
    const r = h.reply
    if (adjust) adjust(r)
    const ts = r.ext?.timesync as { ts: number; p: number } | undefined
    if (ts) ts.p = Date.now() - ts.ts
    const parts: string[] = []
    if (s.terminated?.reconnect !== 'handshake' && !this.#backlogged(s)) {
      const events = this.#drain(s, r)
      for (let i = 0; i < events.length; i++) parts.push((events[i] as Outgoing).json)
      this.#counters.deliveredTotal += events.length
    }
    parts.push(this.connectJson(s, r))
    h.write(arrayText(parts))
  }

  /**
   * A connect reply as JSON. Its advice is left out when it is the very advice object this
   * session was last sent (CometD Java's takeAdvice sends connect advice only
   * when it changes; clients keep the last advice they got). The shared default is one frozen
   * object and every other advice is a new one, so identity is the comparison: a session gets
   * the default on its first connect, and again after any other advice.
   */
  connectJson(s: Session | null, r: Reply): string {
    const advice = r.advice
    if (s !== null && advice !== undefined) {
      if (s.advised === advice) r.advice = undefined
      else s.advised = advice
    }
    return JSON.stringify(r)
  }

  /** The held connect's connection closed: nothing can be written to it any more. */
  cancelHeld(s: Session, held: HeldConnect): void {
    if (s.held === held) this.#release(s)
  }

  /** A newer connect arrived: complete the old one at once. */
  supersede(s: Session): void {
    const h = this.#release(s)
    if (h && h.isOpen()) h.supersede()
  }

  // ---------------------------------------------------------------- deliveries

  /**
   * Events are kept off a websocket the client does not read (plain queue only: with the ack
   * extension they travel with connect replies, one per connect the client sends).
   */
  #backlogged(s: Session): boolean {
    const ws = s.ws
    return ws !== null && s.ack === null && s.pending > 0 && ws.isOpen() && ws.backlogged(s)
  }

  /** Take the events to write now (Session.drain), keeping the queued count. */
  #drain(s: Session, connectReply: Reply | null): Outgoing[] {
    const before = s.pending
    if (connectReply) s.repliedPosition = s.position
    const events = s.drain(connectReply)
    if (s.registered) this.#queued -= before - s.pending
    return events
  }

  /** Empty a session's queue and subscriptions, keeping the queued count. */
  #clear(s: Session): void {
    if (s.registered) this.#queued -= s.pending
    s.clear()
  }

  /** Queue one event (Session.offer), keeping the queued count; returns the session's count. */
  #offer(s: Session, out: Outgoing): number {
    const n = s.offer(out)
    if (s.registered) this.#queued++
    return n
  }

  /**
   * Drop a session from the registry, and from its socket's sessions (a socket would otherwise
   * keep every session ever handshaken on it). The queued count covers registered sessions
   * only, so what it still holds leaves the count here.
   */
  #forget(s: Session, ended = true): void {
    // Taken by another node (release), the session goes on polling there: not an end.
    if (ended && s.heldKey !== null) this.browserHolds?.ended(s.heldKey, s.id)
    if (s.registered) this.#queued -= s.pending
    this.#registry.delete(s)
    // Its socket no longer keeps it (it stays s.ws: a held connect may still be answered there).
    s.ws?.detach(s)
  }

  /**
   * Write a session's queued events soon: deliveries made in the same tick share one write,
   * and one microtask serves every session touched in that tick (no closure per session).
   */
  scheduleFlush(s: Session): void {
    if (s.flushScheduled || s.processing > 0) return
    s.flushScheduled = true
    this.#dirty.push(s)
    if (this.#dirty.length === 1) queueMicrotask(this.#flushDirty)
  }

  readonly #flushDirty = (): void => {
    const dirty = this.#dirty
    this.#dirty = []
    for (let i = 0; i < dirty.length; i++) this.#flush(dirty[i] as Session)
  }

  #flush(s: Session): void {
    s.flushScheduled = false
    if (s.processing > 0 || s.pending === 0 || s.terminated) return
    const ws = s.ws
    // A client that stops reading: events stay queued, where maxQueue(Bytes) apply.
    if (ws && ws.isOpen() && ws.backlogged(s)) return
    if (ws && !s.ack && ws.isOpen()) {
      // websocket: events are pushed at once, not kept for the connect.
      const events = this.#drain(s, null)
      ws.send(
        events.length === 1 ? (events[0] as Outgoing).frame : arrayText(events.map((e) => e.json)),
      )
      this.#counters.deliveredTotal += events.length
      // Without the ack extension a websocket has no receipts: what was sent counts as received.
      this.durable?.keeper.acknowledged(s.id, s.position)
    } else if (s.held) {
      this.completeHeld(s)
    }
  }

  /**
   * Queue an event for a session; over maxQueue messages or maxQueueBytes bytes the session
   * is ended (never a silent drop).
   */
  enqueue(s: Session, out: Outgoing): void {
    if (s.terminated) return
    const n = this.#offer(s, out)
    const c = this.config
    if (n > c.maxQueue || s.pendingBytes > c.maxQueueBytes) {
      this.log.warn(
        {
          clientId: s.id,
          userId: s.principal.userId,
          queued: n,
          queuedBytes: s.pendingBytes,
          maxQueue: c.maxQueue,
          maxQueueBytes: c.maxQueueBytes,
        },
        'bayeux session queue full: session terminated, client must handshake again',
      )
      const error =
        n > c.maxQueue
          ? BayeuxError.queueFull(c.maxQueue)
          : BayeuxError.queueBytesFull(c.maxQueueBytes)
      this.terminate(s, 'handshake', error)
      return
    }
    this.scheduleFlush(s)
  }

  /** Data on `channel` to every session of `userId` with a matching subscription. */
  deliverToUser(userId: string, channel: string, data: Record<string, unknown>): void {
    const set = this.#registry.ofUser(userId)
    if (!set) return
    const patterns = matchingPatterns(channel)
    let out: Outgoing | undefined
    for (const s of set) {
      // once per session, however many of its subscriptions match
      if (!matchesAny(s.subscriptions, patterns)) continue
      out ??= outgoing(channel, data)
      this.enqueue(s, out)
    }
  }

  /** A client publish: every subscribed session of the same contact center, once each. */
  broadcast(contactCenterId: string, channel: string, data: unknown): void {
    const patterns = matchingPatterns(channel)
    const stamp = ++this.#stampSeq
    let out: Outgoing | undefined
    for (let i = 0; i < patterns.length; i++) {
      const set = this.#registry.subscribers(contactCenterId, patterns[i] as string)
      if (!set) continue
      for (const s of set) {
        if (s.stamp === stamp) continue // already reached by another pattern
        s.stamp = stamp
        out ??= outgoing(channel, data)
        this.enqueue(s, out)
      }
    }
  }

  /** Deliver to one session regardless of subscriptions (service replies). */
  deliverTo(s: Session, out: Outgoing): void {
    this.enqueue(s, out)
  }

  // ---------------------------------------------------------------- session end

  /**
   * Server-side disconnect. `none`: the client gets a /meta/disconnect
   * message and stops. `handshake`: its next connect fails with `reconnect:"handshake"`.
   */
  terminate(s: Session, reconnect: 'none' | 'handshake', error?: string): void {
    void this.#terminate(s, reconnect, error)
  }

  /** As terminate; resolves when the stored session is deleted. */
  #terminate(
    s: Session,
    reconnect: 'none' | 'handshake',
    error?: string,
  ): Promise<void> | undefined {
    if (s.terminated) return undefined
    this.#registry.detach(s)
    this.#clear(s)
    s.terminated = { reconnect, error }
    const stored = this.durable?.keeper.removed(s.id)
    this.#counters.terminated++
    if (reconnect === 'none') this.#offer(s, DISCONNECT_EVENT)
    if (s.held) {
      const open = s.held.isOpen()
      this.completeHeld(s, (r) => this.applyTermination(s, r))
      if (open) {
        this.#forget(s) // told: nothing left to answer
        return stored
      }
    }
    if (reconnect === 'none' && s.ws && s.ws.isOpen()) {
      s.ws.send(`[${DISCONNECT_EVENT.json}]`)
      this.#forget(s)
      return stored
    }
    // Tombstone: answered on its next connect, or swept.
    s.expireAt = this.expiryFrom(Date.now())
    return stored
  }

  /**
   * A handshake found the user at COMETD_MAX_SESSIONS_PER_USER: end the user's oldest session
   * here that never sent a /meta/connect within `unconnectedEvictAfter` of its handshake (a
   * client looping handshakes whose connects fail leaves such sessions behind until they
   * expire, refusing meanwhile the user's other clients). Its next connect, if any, is told to
   * handshake again. False when there is none (or the setting is 0).
   */
  async evictUnconnected(userId: string, now = Date.now()): Promise<boolean> {
    const after = this.config.unconnectedEvictAfter
    if (after === 0) return false
    let oldest: Session | undefined
    for (const s of this.#registry.ofUser(userId) ?? []) {
      if (s.connected || s.starting || s.terminated || s.held) continue
      if (now - s.openedAt < after) continue
      if (!oldest || s.openedAt < oldest.openedAt) oldest = s
    }
    if (!oldest) return false
    this.log.info(
      { clientId: oldest.id, userId, ageMs: now - oldest.openedAt },
      'bayeux session ended: never connected, and its user is at the session limit',
    )
    await this.#terminate(oldest, 'handshake')
    return true
  }

  /** The connect reply of a terminated session. */
  applyTermination(s: Session, r: Reply): void {
    const t = s.terminated
    if (!t) return
    if (t.reconnect === 'none') {
      r.successful = true
      r.advice = { reconnect: 'none', interval: 0 }
    } else {
      r.successful = false
      r.error = t.error ?? BayeuxError.sessionUnknown()
      r.advice = { reconnect: 'handshake', interval: 0 }
    }
  }

  /** /meta/disconnect from the client, or expiry. */
  remove(s: Session, why: 'disconnect' | 'expired'): Promise<void> {
    if (why === 'expired' && !s.terminated && s.pending > 0) {
      // Durable: the messages stay in the store, and the stored session with them: its client
      // coming back continues it (durable.ts restore) until the sweeper deletes it.
      this.log.info(
        { clientId: s.id, userId: s.principal.userId, undelivered: s.pending },
        this.durable
          ? 'bayeux session expired with undelivered messages; its client may still resume it'
          : 'bayeux session expired with undelivered messages',
      )
    }
    let stored: Promise<void> | undefined
    if (!s.terminated) {
      // An expired session was last active its interval + maxInterval before its deadline.
      const since = why === 'expired' ? s.expireAt - this.expiryFrom(0, s) : undefined
      stored = this.durable?.keeper.removed(s.id, since)
    }
    this.#forget(s)
    if (s.held) {
      this.completeHeld(s, (r) => {
        r.successful = true
        r.advice = { reconnect: 'none', interval: 0 }
      })
    }
    this.#clear(s)
    this.log.debug({ clientId: s.id, userId: s.principal.userId, why }, 'bayeux session removed')
    this.events.emit('removed', { clientId: s.id, userId: s.principal.userId, reason: why })
    return stored ?? Promise.resolve()
  }

  /**
   * Another node holds the session now (docs/cluster.md): forget it here without ending it
   * (its stored record stays). A held connect is answered at once, without events: the new
   * holder delivers from what the client acknowledged.
   */
  release(clientId: string, why: 'taken' | 'stale' = 'taken'): boolean {
    return this.releaseSession(clientId, why) !== null
  }

  /**
   * As release; returns null when the session was not held here, otherwise, for a session
   * without the ack extension, the position of its last connect reply (what the client has:
   * the new holder starts from it, docs/cluster.md), read before the drop answers a held connect.
   */
  releaseSession(
    clientId: string,
    why: 'taken' | 'stale' = 'taken',
  ): { replied: number | undefined } | null {
    const s = this.#registry.get(clientId)
    if (!s || s.terminated) return null
    const replied = s.ack === null ? s.repliedPosition : undefined
    this.log.debug(
      { clientId, userId: s.principal.userId, why, position: s.position, held: s.held !== null },
      'bayeux session taken by another node',
    )
    this.#forget(s, false)
    s.clear()
    // No batch number in that reply: it would tell the next node the client has what was
    // just dropped here. The client acknowledges its previous batch again instead.
    s.ack = null
    if (s.held) this.completeHeld(s)
    return { replied }
  }

  /**
   * The session's subscriptions changed on another node (cluster): take them, and go back to
   * where its last connect reply stood, since messages passed over meanwhile may match them
   * now (the caller catches it up from there).
   */
  resubscribe(s: Session, subscriptions: readonly string[]): void {
    for (const p of [...s.subscriptions]) {
      if (!subscriptions.includes(p)) this.#registry.unsubscribe(s, p)
    }
    for (const p of subscriptions) this.#registry.subscribe(s, p)
    const before = s.pending
    s.dropUnsent()
    if (s.registered) this.#queued -= before - s.pending
    s.position = s.repliedPosition
  }

  /** Remove sessions with no connect for interval+maxInterval. */
  sweep(now: number): void {
    for (const s of this.#registry.values()) {
      if (s.held === null && now > s.expireAt) {
        if (!s.terminated) this.#counters.expired++
        void this.remove(s, 'expired')
      }
    }
    this.#registry.pruneHeld()
  }

  /** Graceful: answer held connects with `reconnect:"retry"` and stop the sweeper. */
  shutdown(): void {
    this.#closing = true
    if (this.#sweeper) clearInterval(this.#sweeper)
    this.#sweeper = undefined
    for (const s of this.#registry.values()) {
      if (s.held) {
        this.completeHeld(s, (r) => {
          r.advice = { reconnect: 'retry', interval: Math.max(this.config.interval, 1000) }
        })
      }
    }
  }

  validDeliveryChannel(channel: string): boolean {
    let ok = this.#deliverable.get(channel)
    if (ok === undefined) {
      const p = parseChannel(channel)
      ok = p !== null && !p.wild && p.kind !== 'meta'
      if (this.#deliverable.size >= 1024) this.#deliverable.clear() // bounded
      this.#deliverable.set(channel, ok)
    }
    return ok
  }
}
