// CometD sessions kept in the store (docs/durable-delivery.md): written at handshake and at
// each subscription change (before the client is answered), their acknowledged positions
// written behind in batches, and loaded back when a client the server does not hold (after a
// restart, or after its session expired while its network was gone) sends its next message. A
// stored session is only continued while the login it was opened with is valid: its HTTP
// session still exists and the password has not changed.

import type { Logger } from 'pino'
import type { BayeuxPrincipal, FeedRead, SessionKeeper, SessionRecord } from '../bayeux/index.ts'
import { ReplayRefused, SessionLimitReached } from '../bayeux/index.ts'
import type { Store } from '../store/store.ts'
import type { StoredCometdSession } from '../store/notification-log.ts'
import type { FeedPump } from './feed-pump.ts'

export interface KeeperOptions {
  /** How often acknowledged positions are written. */
  syncMs: number
  /**
   * Stored sessions not seen for this long are deleted by the log sweeper: a session resumed
   * with an older last use has it written at once, so the sweeper cannot take it meanwhile.
   */
  staleMs: number
  /** Whether the login behind a stored session still holds (HTTP session, credential). */
  stillValid(record: SessionRecord): Promise<boolean>
  /**
   * In a cluster (docs/cluster.md): a session resumed here is taken from whichever node held
   * it, and an expiry marks the stored session only if no other node was active on it since.
   */
  cluster?: {
    /** With `handover`: where the previous holder's last connect reply left the client. */
    taken(
      clientId: string,
      take?: number,
      handover?: boolean,
    ): Promise<number | undefined> | undefined
    changed(clientId: string): void
    /** Sessions whose stored row is gone (found by a position write): ended elsewhere. */
    gone?(clientIds: readonly string[]): void
  }
  /**
   * In a cluster: COMETD_MAX_SESSIONS_PER_USER over every node, counting the stored sessions
   * seen within `staleMs` (a dead node's sessions stop counting when the sweeper would delete them).
   */
  clusterLimit?: { maxPerUser: number; staleMs: number }
}

/** Stored sessions read at once when the sessions held here are checked (recheck). */
const RECHECK_PARALLEL = 8

export class StoreSessionKeeper implements SessionKeeper {
  /** clientId → newest acknowledged position and time, not yet written. */
  #pending = new Map<string, { position: number; lastSeen: number }>()
  readonly #timer: NodeJS.Timeout
  #flushing: Promise<void> | null = null
  /** Record changes being written, by clientId (load waits for them). */
  readonly #saving = new Map<string, Promise<void>>()

  constructor(
    private readonly store: Store,
    private readonly pump: FeedPump,
    private readonly log: Logger,
    private readonly opts: KeeperOptions,
  ) {
    this.#timer = setInterval(() => void this.flush(), opts.syncMs)
    this.#timer.unref()
  }

  async opened(
    clientId: string,
    record: SessionRecord,
    replayFrom: number | undefined,
  ): Promise<{ position: number; recovered: boolean }> {
    const userId = record.principal.userId
    const limit = this.opts.clusterLimit
    if (limit && this.store.claimCometdSession) {
      // Stored now (position 0, raised below) under the user's lock: the count and the claim
      // are one step for the whole cluster.
      const now = Date.now()
      const claimed = await this.store.claimCometdSession(
        { clientId, userId, record: JSON.stringify(record), position: 0, lastSeen: now },
        limit.maxPerUser,
        now - limit.staleMs,
      )
      if (!claimed) throw new SessionLimitReached(limit.maxPerUser)
      try {
        return await this.#open(clientId, record, replayFrom)
      } catch (err) {
        // A handshake that fails does not keep its place in the limit.
        await this.store.deleteCometdSession(clientId).catch(() => undefined)
        throw err
      }
    }
    return this.#open(clientId, record, replayFrom)
  }

  async #open(
    clientId: string,
    record: SessionRecord,
    replayFrom: number | undefined,
  ): Promise<{ position: number; recovered: boolean }> {
    const userId = record.principal.userId
    const seq = await this.store.advanceFeed(userId, Number.MAX_SAFE_INTEGER)
    let position = seq
    let recovered = true
    if (replayFrom !== undefined) {
      if (replayFrom > seq) throw new ReplayRefused('future')
      const read = await this.store.readFeed(userId, replayFrom, 1)
      recovered = read.ok
      if (recovered) position = replayFrom
    }
    await this.store.saveCometdSession({
      clientId,
      userId,
      record: JSON.stringify(record),
      position,
      lastSeen: Date.now(),
    })
    this.pump.startAt(userId, seq)
    await this.pump.ready(userId)
    return { position, recovered }
  }

  async changed(clientId: string, record: SessionRecord, _position: number): Promise<void> {
    const saving = this.#save(clientId, record)
    this.#saving.set(clientId, saving)
    try {
      await saving
    } finally {
      if (this.#saving.get(clientId) === saving) this.#saving.delete(clientId)
    }
    this.opts.cluster?.changed(clientId)
  }

  async #save(clientId: string, record: SessionRecord): Promise<void> {
    // The stored position only moves with acknowledgements (max() in the store).
    await this.store.saveCometdSession({
      clientId,
      userId: record.principal.userId,
      record: JSON.stringify(record),
      position: this.#pending.get(clientId)?.position ?? 0,
      lastSeen: Date.now(),
    })
  }

  async load(clientId: string): ReturnType<SessionKeeper['load']> {
    // A change of this session stored here a moment ago (it was held here) is read back whole.
    await this.#saving.get(clientId)?.catch(() => undefined)
    // In a cluster the read draws a number that orders this take among other nodes' takes.
    const stored: (StoredCometdSession & { take?: number }) | undefined =
      this.opts.cluster && this.store.takeCometdSession
        ? await this.store.takeCometdSession(clientId)
        : await this.store.getCometdSession(clientId)
    if (!stored) return undefined
    const { expiredAt, ...record } = JSON.parse(stored.record) as SessionRecord & {
      expiredAt?: number
    }
    if (!(await this.opts.stillValid(record))) {
      await this.store.deleteCometdSession(clientId)
      this.log.info({ clientId, userId: stored.userId }, 'stored CometD session no longer valid')
      return undefined
    }
    this.pump.startAt(stored.userId, stored.position)
    return {
      record,
      position: stored.position,
      take: stored.take,
      admit: () => this.#admit(stored, record, expiredAt !== undefined),
      stillHeld: () => this.#stillHeld(clientId, record),
    }
  }

  /** The stored row still exists (not ended meanwhile) and its login still holds. */
  async #stillHeld(clientId: string, record: SessionRecord): Promise<boolean> {
    if (!(await this.store.getCometdSession(clientId))) {
      this.log.info({ clientId }, 'resumed CometD session was ended meanwhile')
      return false
    }
    if (await this.opts.stillValid(record)) return true
    await this.store.deleteCometdSession(clientId)
    this.log.info({ clientId }, 'resumed CometD session: its login ended meanwhile')
    return false
  }

  /**
   * A stored session is about to be continued here. Marked expired (cluster): it counts toward
   * the user's sessions again, if that count leaves room (as a handshake), unmarked in the same
   * step. Seen long ago (it expired): its last use is written now, before the sweeper can take
   * a session that lives again.
   */
  async #admit(
    stored: StoredCometdSession,
    record: SessionRecord,
    marked: boolean,
  ): Promise<boolean> {
    const now = Date.now()
    const limit = this.opts.clusterLimit
    if (marked && limit && this.store.claimCometdSession) {
      return this.store.claimCometdSession(
        { ...stored, record: JSON.stringify(record), lastSeen: now },
        limit.maxPerUser,
        now - limit.staleMs,
        true,
      )
    }
    if (stored.lastSeen < now - this.opts.staleMs / 2) {
      await this.store.touchCometdSessions([
        { clientId: stored.clientId, position: stored.position, lastSeen: now },
      ])
    }
    return true
  }

  async read(userId: string, afterSeq: number, limit: number): Promise<FeedRead> {
    return this.store.advanceAndReadFeed(userId, afterSeq, limit)
  }

  acknowledged(clientId: string, position: number): void {
    const now = Date.now()
    const p = this.#pending.get(clientId)
    if (p) {
      if (position > p.position) p.position = position
      p.lastSeen = now
    } else {
      this.#pending.set(clientId, { position, lastSeen: now })
    }
  }

  removed(clientId: string, expiredSince?: number): Promise<void> {
    if (expiredSince !== undefined) return this.#expired(clientId, expiredSince)
    this.#pending.delete(clientId)
    return this.store.deleteCometdSession(clientId).catch((err: unknown) => {
      this.log.warn({ err, clientId }, 'stored CometD session not deleted (the sweeper will)')
    })
  }

  /**
   * Its client fell silent (docs/durable-delivery.md, "An outage longer than the session"):
   * the stored session stays, with its newest position (written with the next sync), so that
   * its client coming back continues it as after a restart, until the sweeper deletes it. In a
   * cluster it is marked, so that it stops counting toward the user's sessions, unless another
   * node was active on it since (+ one sync period of slack): that node holds it.
   */
  async #expired(clientId: string, since: number): Promise<void> {
    if (!this.opts.clusterLimit || !this.store.markCometdSessionExpired) return
    await this.store
      .markCometdSessionExpired(clientId, since + this.opts.syncMs)
      .catch((err: unknown) => {
        this.log.warn(
          { err, clientId },
          'expired CometD session not marked (it counts until swept)',
        )
      })
  }

  resumed(
    clientId: string,
    take?: number,
    handover?: boolean,
  ): Promise<number | undefined> | undefined {
    return this.opts.cluster?.taken(clientId, take, handover)
  }

  userPresence(userId: string, present: boolean): void {
    this.pump.presence(userId, present)
  }

  /**
   * Of these sessions held here, those whose stored row is gone and those whose login no longer
   * holds (logged out, password changed), as a restore would find them: in a cluster, the bus
   * message that would have ended them may have been lost.
   */
  async recheck<H extends { clientId: string; principal: BayeuxPrincipal }>(
    held: readonly H[],
  ): Promise<{ gone: string[]; loginEnded: H[] }> {
    const gone: string[] = []
    const loginEnded: H[] = []
    let next = 0
    const worker = async () => {
      for (let h = held[next++]; h; h = held[next++]) {
        const stored = await this.store.getCometdSession(h.clientId)
        if (!stored) gone.push(h.clientId)
        else if (!(await this.opts.stillValid(JSON.parse(stored.record) as SessionRecord))) {
          loginEnded.push(h)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(RECHECK_PARALLEL, held.length) }, worker))
    return { gone, loginEnded }
  }

  /** Write the acknowledged positions gathered since the last flush, in one transaction. */
  flush(): Promise<void> {
    if (this.#flushing || this.#pending.size === 0) return this.#flushing ?? Promise.resolve()
    const batch = this.#pending
    this.#pending = new Map()
    const updates = [...batch].map(([clientId, p]) => ({ clientId, ...p }))
    this.#flushing = this.store
      .touchCometdSessions(updates)
      .then(
        (missing) => {
          if (missing.length > 0) this.opts.cluster?.gone?.(missing)
        },
        (err: unknown) => {
          // Kept for the next round (older positions are never written over newer ones).
          for (const [id, p] of batch) if (!this.#pending.has(id)) this.#pending.set(id, p)
          this.log.warn(
            { err, sessions: updates.length },
            'CometD session positions not stored yet',
          )
        },
      )
      .finally(() => (this.#flushing = null))
    return this.#flushing
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    await this.flush()
  }
}
