// Durable delivery (docs/durable-delivery.md): numbered messages from each user's feed, sessions
// that continue after a restart, and catching a session up from the store. Only used when the
// application gives the server a SessionKeeper (engine/keeper.ts).
//
// Every session of a user walks the same numbered feed at its own `position`. Live deliveries
// (deliverFeed) hand each session the messages right after its position; a session that is
// behind (restored, replaying, or passed by while it was reading) reads the store instead
// (catchUp) until it has caught up.

import type { Logger } from 'pino'
import type { FeedMessage, SessionKeeper, SessionRecord } from './keeper.ts'
import { Session } from './session.ts'
import type { Exchange } from './exchange.ts'
import { pollBound } from './exchange.ts'
import { Outgoing } from '../protocol/outgoing.ts'
import { matchesAny, matchingPatterns } from '../protocol/channels.ts'
import type { InMessage } from '../protocol/messages.ts'
import { LONG_POLLING, META_CONNECT } from '../protocol/messages.ts'
import { BayeuxError } from '../protocol/errors.ts'
import { AckQueue, ackOf, positionOfBatch } from '../extensions/ack.ts'

/** Messages read from the store at a time while catching up. */
const READ_BATCH = 500

/** The wire form of a numbered message: `ext.seq` carries its number, `data` is untouched. */
function feedEvent(m: FeedMessage): Outgoing {
  return new Outgoing(
    `{"channel":${JSON.stringify(m.channel)},"data":${m.data},"ext":{"seq":${m.seq}}}`,
  )
}

export function recordOf(s: Session): SessionRecord {
  return {
    principal: s.principal,
    connectionType: s.connectionType,
    browserId: s.browserId,
    ack: s.ack !== null,
    subscriptions: [...s.subscriptions],
  }
}

/** What durable delivery uses of the engine (engine.ts implements it). */
export interface DurableHost {
  readonly log: Logger
  readonly closing: boolean
  readonly config: { readonly maxSessionsPerUser: number }
  session(clientId: string): Session | undefined
  sessionsOf(userId: string): ReadonlySet<Session> | undefined
  sessionCount(userId: string): number
  expiryFrom(now: number): number
  adopt(s: Session): void
  subscribe(s: Session, pattern: string): void
  resubscribe(s: Session, subscriptions: readonly string[]): void
  enqueue(s: Session, out: Outgoing): void
  terminate(s: Session, reconnect: 'none' | 'handshake', error?: string): void
  checkBasic(ex: Exchange, browserId: string | null): Promise<void> | undefined
}

export class DurableDelivery {
  readonly #restoring = new Map<string, Promise<void>>()
  /** The newest number delivered live per user: a session that ends its catch-up below it reads on. */
  readonly #latest = new Map<string, number>()

  constructor(
    private readonly engine: DurableHost,
    readonly keeper: SessionKeeper,
  ) {}

  /** New messages of a user's feed, in order: every session right behind them takes them. */
  deliverFeed(userId: string, messages: readonly FeedMessage[]): void {
    const set = this.engine.sessionsOf(userId)
    if (!set || messages.length === 0) return
    const newest = (messages[messages.length - 1] as FeedMessage).seq
    if (newest > (this.#latest.get(userId) ?? 0)) this.#latest.set(userId, newest)
    const events = new Map<FeedMessage, Outgoing>()
    for (const s of set) {
      if (s.terminated || s.parked || s.catchingUp || s.starting) continue
      for (const m of messages) {
        if (m.seq <= s.position) continue
        if (m.seq > s.position + 1) {
          // Behind (messages it was passed by): the store has them.
          void this.catchUp(s)
          break
        }
        this.#offer(s, m, events)
      }
    }
  }

  #offer(s: Session, m: FeedMessage, events?: Map<FeedMessage, Outgoing>): void {
    s.position = m.seq
    if (!matchesAny(s.subscriptions, matchingPatterns(m.channel))) return
    let out = events?.get(m)
    if (!out) {
      out = feedEvent(m)
      events?.set(m, out)
    }
    this.engine.enqueue(s, out)
  }

  /**
   * A handshake has set the session's start position: deliver what was committed for the user
   * while it was being stored. A replaying session waits for its subscriptions instead
   * (engine.finish catches it up then).
   */
  started(s: Session): void {
    s.starting = false
    if (s.parked || s.terminated) return
    if ((this.#latest.get(s.principal.userId) ?? 0) > s.position) void this.catchUp(s)
  }

  /** Read the session's feed from the store after its position until it has caught up. */
  async catchUp(s: Session): Promise<void> {
    // Not before the session's place is known, and a parked one not before it subscribes: a
    // message read without a matching subscription is passed over for good.
    if (s.catchingUp || s.starting || (s.parked && s.subscriptions.size === 0)) return
    s.catchingUp = true
    const userId = s.principal.userId
    try {
      for (;;) {
        const read = await this.keeper.read(userId, s.position, READ_BATCH)
        if (s.terminated || !s.registered) return
        if (!read.ok) {
          // A position the feed does not have (any more): the client must start again.
          this.engine.log.warn(
            { clientId: s.id, userId, position: s.position, reason: read.reason, seq: read.seq },
            'bayeux session cannot be caught up: client must handshake again',
          )
          this.engine.terminate(s, 'handshake', BayeuxError.positionLost(read.reason))
          return
        }
        let stale = false
        for (const m of read.messages) {
          if (m.seq <= s.position) continue
          if (m.seq > s.position + 1) {
            stale = true // read from before a rewind (reload): read again from the position
            break
          }
          this.#offer(s, m)
        }
        const behind = (this.#latest.get(userId) ?? 0) > s.position
        if (!stale && read.messages.length < READ_BATCH && !behind) return
      }
    } catch (err) {
      this.engine.log.warn({ err, clientId: s.id, userId }, 'bayeux catch-up failed; retried')
      setTimeout(() => void this.catchUp(s), 1000).unref()
    } finally {
      s.catchingUp = false
      s.parked = false
    }
  }

  /**
   * The stored record of a session held here changed on another node (its subscriptions,
   * docs/cluster.md): take them and deliver again from its last connect reply.
   */
  async reload(clientId: string): Promise<void> {
    // Being restored here: its record may have been read before the change.
    const restoring = this.#restoring.get(clientId)
    if (restoring) await restoring
    const s = this.engine.session(clientId)
    if (!s || s.terminated || !s.registered) return
    let stored
    try {
      stored = await this.keeper.load(clientId)
    } catch (err) {
      this.engine.log.warn({ err, clientId }, 'bayeux session not reloaded')
      return
    }
    if (!stored || this.engine.session(clientId) !== s || s.terminated) return
    this.engine.resubscribe(s, stored.record.subscriptions)
    void this.catchUp(s)
  }

  /** The user has no session here any more. */
  forgetUser(userId: string): void {
    this.#latest.delete(userId)
  }

  /**
   * Whether the copy of a session held here is stale (docs/cluster.md): a connect of its client
   * acknowledges a batch this server never numbered, so another node served it since. Only
   * from where the session is bound (as resolve/restore; a request's Basic credentials are
   * checked before: handlers/dispatch.ts), so no one else can make it stale.
   */
  movedAway(ex: Exchange, m: InMessage, s: Session): boolean {
    if (m.channel !== META_CONNECT || s.ack === null || s.terminated) return false
    const acked = ackOf(m.ext)
    if (acked === undefined || acked <= s.ack.last) return false
    const o = ex.origin
    if (o.type === LONG_POLLING) return pollBound(o, s.browserId, s.principal.userId)
    return o.ws !== null && o.ws.principal.userId === s.principal.userId
  }

  /**
   * A message names a clientId this server does not hold: continue the stored session if it is
   * bound to where the message came from (the same rules as engine.resolve). Concurrent
   * requests of one session share one load.
   */
  restore(ex: Exchange, m: InMessage): Promise<void> {
    const id = m.clientId as string
    let p = this.#restoring.get(id)
    if (!p) {
      p = this.#restore(id, ex, m).finally(() => this.#restoring.delete(id))
      this.#restoring.set(id, p)
    }
    return p
  }

  async #restore(id: string, ex: Exchange, m: InMessage): Promise<void> {
    let stored
    try {
      stored = await this.keeper.load(id)
    } catch (err) {
      this.engine.log.warn({ err, clientId: id }, 'bayeux session could not be loaded')
      return
    }
    if (!stored || this.engine.session(id) || this.engine.closing) return
    const { record } = stored
    const o = ex.origin
    if (o.type === LONG_POLLING) {
      const checking = this.engine.checkBasic(ex, record.browserId)
      if (checking) {
        await checking
        if (this.engine.session(id) || this.engine.closing) return
      }
      if (!pollBound(o, record.browserId, record.principal.userId)) return
    } else if (!o.ws || o.ws.principal.userId !== record.principal.userId) {
      return
    }
    // The user's session limit holds for a session coming back as for a new one (one that
    // expired while its client was away may have been replaced meanwhile): refused, the client
    // is told 402 and its handshake gets the limit's answer.
    const userId = record.principal.userId
    const max = this.engine.config.maxSessionsPerUser
    if (this.engine.sessionCount(userId) >= max) {
      this.engine.log.warn(
        { clientId: id, userId, max },
        'bayeux session not resumed: too many sessions',
      )
      return
    }
    let admitted
    try {
      admitted = await stored.admit()
    } catch (err) {
      this.engine.log.warn({ err, clientId: id }, 'bayeux session could not be resumed')
      return
    }
    if (!admitted) {
      this.engine.log.warn(
        { clientId: id, userId, max },
        'bayeux session not resumed: too many sessions in the cluster, or ended meanwhile',
      )
      return
    }
    if (this.engine.session(id) || this.engine.closing || this.engine.sessionCount(userId) >= max) {
      return
    }
    let position = stored.position
    let ack: AckQueue | null = null
    if (record.ack) {
      // The batch number the client acknowledges says what it has (extensions/ack.ts).
      const acked = m.channel === META_CONNECT ? ackOf(m.ext) : undefined
      if (acked !== undefined && acked >= 0) {
        position = Math.max(position, positionOfBatch(acked))
        ack = new AckQueue(acked)
      } else {
        ack = new AckQueue()
      }
    }
    const s = new Session(
      id,
      record.principal,
      record.connectionType,
      record.browserId,
      null, // a websocket binds on its first frame (engine.resolve)
      this.engine.expiryFrom(Date.now()),
    )
    s.ack = ack
    s.position = position
    s.repliedPosition = position
    s.connected = true // its first connect here is a reconnect: it may be held
    s.catchingUp = true // live deliveries and catch-ups pass it by until it is verified
    this.engine.adopt(s)
    for (const sub of record.subscriptions) this.engine.subscribe(s, sub)
    // Long-polling without the ack extension: the stored position lags behind what the node
    // that held the session last replied (positions are written behind), and starting from it
    // would repeat those messages at every move (docs/cluster.md). That node says where its
    // last reply left the client; deliveries wait for it (or for no answer).
    const handover = ack === null && o.type === LONG_POLLING
    const handed = this.keeper.resumed?.(id, stored.take, handover)
    this.engine.log.info(
      { clientId: id, userId: record.principal.userId, position, transport: o.type },
      'bayeux session resumed from the store',
    )
    // Registered now, so an end from here on finds it live. An end that came while it was
    // being restored (EndContactCenterSession deletes the stored row, Logout the login) found
    // nothing to end: its row and login are read again, and nothing is delivered to it before
    // (its connect may be held meanwhile). Not awaited: the request goes on as before.
    const verified = stored.stillHeld().then(
      (held) => held,
      (err: unknown) => {
        this.engine.log.warn({ err, clientId: id }, 'bayeux session could not be verified')
        return 'error' as const
      },
    )
    void Promise.all([verified, handed]).then(([held, replied]) => {
      s.catchingUp = false
      // Closing: the cluster's close answers waiting handovers, and the store closes next.
      if (s.terminated || !s.registered || this.engine.closing) return
      if (held !== true) {
        this.engine.terminate(s, held === 'error' ? 'handshake' : 'none')
        return
      }
      if (replied !== undefined) {
        if (replied > s.position) s.position = replied
        if (replied > s.repliedPosition) s.repliedPosition = replied
        // A connect is sent once the previous connect reply arrived: that reply is received.
        if (m.channel === META_CONNECT) this.keeper.acknowledged(id, s.repliedPosition)
      }
      void this.catchUp(s)
    })
  }
}
