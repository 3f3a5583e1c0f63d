// Live delivery of the notification log on this server (docs/durable-delivery.md): after a
// change commits, the users it concerns who have a CometD session here are woken; a single
// pump numbers their new entries (store.advanceFeed), reads them back and hands them to the
// Bayeux server. Users are woken in batches, one store round per user, whatever the number
// of offline subscribers. A missed wake loses nothing: the entries stay in the log and the
// next wake (or the session's catch-up) numbers them.

import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { BayeuxServer } from '../bayeux/index.ts'
import type { WorkbinInstance } from '../model.ts'
import type { LogEntry } from '../store/notification-log.ts'
import type { Store } from '../store/store.ts'
import { SubscriberIndex } from './subscriber-index.ts'

/** Entries numbered and read per user per round. */
export const FEED_BATCH = 500

/**
 * Users delivered at once by default: on PostgreSQL each is a round trip in flight; SQLite's
 * group commit puts every user of one round in one transaction, so the app gives it more.
 */
export const PUMP_PARALLEL = 8

/**
 * How long numbers the store assigned in memory (Store.numberFeedAhead) wait to be written:
 * one write then holds several operations' numbers per user, off the fan-out's path (on SQLite
 * one row per user, a run of numbers, however many it holds). A user past AHEAD_LIMIT numbers
 * meanwhile is written at once by the pump's own advance.
 */
export const SETTLE_AFTER_MS = 4000

/**
 * In-memory numbers written per transaction, counted as numbers plus SETTLE_USER_COST per user
 * (settleAhead): ~2–3 ms of the event loop, whether it holds ~240 users with one number each or
 * 15 with 256 (from a profile at 1,000 subscribers: ~11 µs a user, ~0.7 µs a number), so a
 * fan-out starting meanwhile waits little, and few transactions (each a commit and an fsync)
 * are spent on the users of one operation.
 */
const SETTLE_BUDGET = 4096

export class FeedPump {
  readonly #index = new SubscriberIndex()
  /** Users with a session here → the newest number handed to the Bayeux server. */
  readonly #delivered = new Map<string, number>()
  /** Index loads in progress, by user. */
  readonly #loading = new Map<string, Promise<void>>()
  /**
   * Present users whose index entry may be wrong (a bus outage, a failed or overtaken read):
   * read again before their next delivery, since an instance entry only wakes indexed users.
   */
  readonly #stale = new Set<string>()
  /** Users to deliver. */
  #wake = new Set<string>()
  #pumping = false
  #settleTimer: NodeJS.Timeout | undefined
  /** Numbers were given in memory since the last write of them began. */
  #unsettled = false
  #stopped = false

  constructor(
    private readonly store: Store,
    private readonly bayeux: () => BayeuxServer,
    private readonly log: Logger,
    private readonly parallel = PUMP_PARALLEL,
    /** Batches of one round in flight at once (see #pump). */
    private readonly depth = 1,
  ) {}

  /** Entries of a committed change: wake the users here they concern. */
  committed(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      if (e.userId !== undefined) {
        this.wake(e.userId)
      } else if (e.instance) {
        const users = this.#index.subscribers(e.instance)
        if (!users) continue
        for (const u of users) if (!e.exclude?.includes(u)) this.wake(u)
      }
    }
  }

  /** Another node committed entries for these users and instances (cluster bus hint). */
  hinted(users: readonly string[], instances: readonly WorkbinInstance[]): void {
    for (const u of users) this.wake(u)
    for (const i of instances) {
      const subs = this.#index.subscribers(i)
      if (subs) for (const u of subs) this.wake(u)
    }
  }

  /**
   * Hints may have been missed (bus outage), `subs` changes too: every user here reads their
   * subscriptions again, then catches up from the log. Done by the pump, a batch at a time.
   */
  resync(): void {
    for (const u of this.#delivered.keys()) {
      this.#stale.add(u)
      this.wake(u)
    }
  }

  /** The user's subscriptions changed on another node: read them again, then catch up. */
  reindex(userId: string): void {
    if (!this.#delivered.has(userId)) return
    this.#stale.add(userId)
    this.wake(userId)
  }

  /** A user's subscriptions changed (after the commit): the index follows at once. */
  subscribed(userId: string, instances: readonly WorkbinInstance[], on: boolean): void {
    // A read in flight may have been made before this change: it reads again.
    if (this.#loading.has(userId) && this.#delivered.has(userId)) this.#stale.add(userId)
    for (const i of instances) {
      if (on) this.#index.add(userId, i)
      else this.#index.remove(userId, i)
    }
  }

  /** The first session of the user appeared here / the last one went. */
  presence(userId: string, present: boolean): void {
    if (!present) {
      this.#delivered.delete(userId)
      this.#index.drop(userId)
      this.#stale.delete(userId)
      return
    }
    if (!this.#delivered.has(userId)) this.#delivered.set(userId, -1)
    void this.ready(userId)
  }

  /**
   * Resolves when the user's subscriptions are indexed (a handshake waits for it). A failed
   * read is logged, not thrown: the user is read again before the next delivery.
   */
  ready(userId: string): Promise<void> {
    let p = this.#loading.get(userId)
    if (p) return p
    if (this.#index.has(userId) && !this.#stale.has(userId)) return Promise.resolve()
    p = this.#load(userId).finally(() => this.#loading.delete(userId))
    this.#loading.set(userId, p)
    return p
  }

  async #load(userId: string): Promise<void> {
    try {
      do {
        this.#stale.delete(userId)
        const subs = await this.store.listSubscriptions(userId)
        if (!this.#delivered.has(userId)) return
        // Replaces the entry at once: no moment without one for a user being read again.
        this.#index.set(
          userId,
          subs.map((s) => s.instance),
        )
      } while (this.#stale.has(userId))
    } catch (err) {
      if (!this.#delivered.has(userId)) return
      // Not indexed, instance entries would never wake the user: read again soon, then catch up.
      this.#stale.add(userId)
      this.log.warn({ err, userId }, 'subscriptions not indexed yet; retrying')
      setTimeout(() => this.wake(userId), 1000).unref()
    }
  }

  /** Where live delivery of the user's feed stands (a session starting at `seq`). */
  startAt(userId: string, seq: number): void {
    const d = this.#delivered.get(userId)
    if (d !== undefined && d < seq) this.#delivered.set(userId, seq)
  }

  /** Deliver the user's pending entries now (before the user's sessions are ended). */
  async deliverNow(userId: string): Promise<void> {
    if (this.#delivered.has(userId)) await this.#deliver(userId)
  }

  /** Number and deliver the user's new entries soon. */
  wake(userId: string): void {
    if (!this.#delivered.has(userId)) return // no session here
    this.#wake.add(userId)
    if (this.#pumping) return
    this.#pumping = true
    setImmediate(() => void this.#pump())
  }

  /** Stop writing in-memory numbers on a timer (the store writes the rest as it closes). */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#settleTimer)
  }

  #scheduleSettle(): void {
    if (this.#settleTimer || this.#stopped) return
    this.#settleTimer = setTimeout(() => void this.#settle(), SETTLE_AFTER_MS)
    this.#settleTimer.unref()
  }

  /** Write the numbers given in memory, about SETTLE_BUDGET per transaction. */
  async #settle(): Promise<void> {
    this.#unsettled = false
    try {
      while (!this.#stopped && (await this.store.settleFeedsAhead?.(SETTLE_BUDGET)) !== 0) {
        // A turn between transactions, for requests.
        await nextTurn()
      }
    } catch (err) {
      // Nothing is lost: any later advance of a feed writes the same numbers.
      this.log.warn({ err }, 'notification numbers not written yet; written at the next advance')
    } finally {
      this.#settleTimer = undefined
      // Given while the last write waited for its fsync: their turn comes.
      if (this.#unsettled) this.#scheduleSettle()
    }
  }

  async #pump(): Promise<void> {
    try {
      while (this.#wake.size > 0) {
        const users = [...this.#wake]
        this.#wake = new Set()
        // A few users at a time: on PostgreSQL each is a round trip. With `depth` > 1 the next
        // batch is committed while the last one waits for its fsync (SQLite flushes off the
        // event loop). One user is never in two deliveries at once: the users of a round are
        // distinct, and a round ends before the next begins.
        const inFlight: Promise<unknown>[] = []
        for (let i = 0; i < users.length; i += this.parallel) {
          inFlight.push(Promise.all(users.slice(i, i + this.parallel).map((u) => this.#deliver(u))))
          // Else a turn apart, so that each batch is a transaction of its own.
          if (inFlight.length >= this.depth) await inFlight.shift()
          else await nextTurn()
        }
        await Promise.all(inFlight)
      }
    } finally {
      this.#pumping = false
    }
  }

  async #deliver(userId: string): Promise<void> {
    try {
      // Read first: an entry committed after that read wakes the user through the index.
      if (this.#stale.has(userId)) await this.ready(userId)
      let from = this.#delivered.get(userId)
      if (from === undefined) return
      let read
      if (from < 0) {
        // Where this server stands is not known yet: from the newest number on.
        const seq = await this.store.advanceFeed(userId, FEED_BATCH)
        from = Math.max(0, seq - 1)
        read = await this.store.readFeed(userId, from, FEED_BATCH)
      } else {
        // Live and up to date: numbered in memory, no write on the fan-out's path (the
        // requester's direct copy too: its append numbered nothing).
        read = (await this.store.numberFeedAhead?.(userId, from, FEED_BATCH)) ?? null
        if (read) {
          this.#unsettled = true
          this.#scheduleSettle()
        } else read = await this.store.advanceAndReadFeed(userId, from, FEED_BATCH)
      }
      if (!read.ok) {
        // Behind the retention (a long stall): sessions catch up or are told to start again.
        if (read.reason === 'gone') this.#delivered.set(userId, read.seq)
        return
      }
      if (read.messages.length === 0) return
      const last = read.messages[read.messages.length - 1]?.seq ?? from
      if (this.#delivered.has(userId)) this.#delivered.set(userId, last)
      this.bayeux().deliverFeed(userId, read.messages)
      if (read.seq > last || read.messages.length === FEED_BATCH) this.wake(userId)
    } catch (err) {
      // The store is away: the entries are safe in the log; try again shortly.
      this.log.warn({ err, userId }, 'notifications not delivered yet; retrying')
      setTimeout(() => this.wake(userId), 1000).unref()
    }
  }
}
