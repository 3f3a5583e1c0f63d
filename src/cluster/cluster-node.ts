// This server as one node of a cluster (docs/cluster.md): what it tells the others after a
// commit or a session event, and what it does when they tell it something. Only memory is
// touched here; everything shared is already in PostgreSQL.

import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { BayeuxPrincipal, BayeuxServer } from '../bayeux/index.ts'
import type { FeedPump } from '../notifications/feed-pump.ts'
import type { ClusterLink } from '../notifications/notifier.ts'
import type { WorkbinInstance } from '../model.ts'
import type { LogEntry } from '../store/notification-log.ts'
import type { LoginFailurePeers } from '../http/auth.ts'
import type { BusMessage } from './messages.ts'
import { RedisBus } from './redis-bus.ts'
import { ClusterBrowserHolds } from './browser-holds.ts'

/**
 * How long a take number is remembered: far longer than a bus message takes to cross, so two
 * takes announced at once are compared; afterwards any announced take is the later one.
 */
const TAKE_MEMORY_MS = 30_000

/**
 * How long a node that took a session without the ack extension waits for the node that held
 * it to say where its last connect reply left the client (`released`). Normally one bus round
 * trip; when nobody answers (the holder died, or no node held it) the session goes on from its
 * stored position, which may repeat what the client already has.
 */
const HANDOVER_WAIT_MS = 500

/** A failed check of the sessions held here is tried again after this long. */
const RECHECK_RETRY_MS = 5000

type HeldSession = { clientId: string; principal: BayeuxPrincipal }

/** Checks the sessions held here against the store (the session keeper). */
export interface HeldSessionCheck {
  recheck(held: readonly HeldSession[]): Promise<{ gone: string[]; loginEnded: HeldSession[] }>
}

export class ClusterNode implements ClusterLink, LoginFailurePeers {
  readonly bus: RedisBus
  /** clientId → the highest take number known here, whether this node's own, and when. */
  readonly #takes = new Map<string, { take: number; mine: boolean; at: number }>()
  /** clientId → the restore here waiting for the previous holder's `released` (handover). */
  readonly #handovers = new Map<string, (position: number | undefined) => void>()
  /** Told of the failed logins other nodes counted (set by the app: the authenticator). */
  onLoginFailure: ((userName: string, address: string) => void) | undefined
  /** Long polls per browser over the cluster (set on the Bayeux server by the app). */
  readonly browserHolds: ClusterBrowserHolds
  /** Re-checks the sessions held here after a bus outage (set by the app: the keeper). */
  sessionCheck: HeldSessionCheck | undefined
  #rechecking = false
  #recheckAgain = false
  #closed = false

  constructor(
    bus: { url: string; channel: string; nodeId: string | undefined; holdTtlMs: number },
    private readonly pump: FeedPump,
    private readonly bayeux: () => BayeuxServer,
    private readonly log: Logger,
  ) {
    const id = bus.nodeId ?? randomBytes(6).toString('hex')
    this.bus = new RedisBus(bus.url, bus.channel, id, log, {
      message: (m, from) => this.#handle(m, from),
      subscribed: () => this.#resync(),
    })
    this.browserHolds = new ClusterBrowserHolds((m) => this.bus.send(m), bus.holdTtlMs)
  }

  get nodeId(): string {
    return this.bus.nodeId
  }

  start(): Promise<void> {
    return this.bus.start()
  }

  close(): Promise<void> {
    this.#closed = true
    for (const done of [...this.#handovers.values()]) done(undefined)
    this.browserHolds.close()
    return this.bus.close()
  }

  committed(entries: readonly LogEntry[]): void {
    const users: string[] = []
    const instances = []
    for (const e of entries) {
      if (e.userId !== undefined) users.push(e.userId)
      else if (e.instance) instances.push(e.instance)
    }
    if (users.length > 0 || instances.length > 0) this.bus.wake(users, instances)
  }

  subscribed(userId: string, instances: readonly WorkbinInstance[], on: boolean): void {
    // The change itself, so that the nodes where the user is present need not read it back.
    this.bus.send({ t: 'subs', userId, instances: [...instances], on })
  }

  disconnectUser(userId: string): void {
    this.bus.send({ t: 'end', userId })
  }

  logout(httpSessionId: string): void {
    this.bus.send({ t: 'logout', httpSessionId })
  }

  loginFailed(userName: string, address: string): void {
    this.bus.send({ t: 'loginFailed', name: userName, address })
  }

  /**
   * A stored session resumed here: the node that held it drops its copy. Two nodes restoring it
   * at once compare their take numbers (docs/cluster.md "Two nodes taking one session").
   *
   * With `handover` (a long-polling session without the ack extension), resolves to the
   * position the holder's last connect reply brought the client to, as that node answers
   * (`released`), or undefined when no answer came within HANDOVER_WAIT_MS.
   */
  taken(
    clientId: string,
    take?: number,
    handover = false,
  ): Promise<number | undefined> | undefined {
    if (take !== undefined) {
      const known = this.#takes.get(clientId)
      if (known && !known.mine && known.take > take) {
        // Another node took it after this one and said so before this node was ready: the copy
        // here is the stale one. Dropped after the request that restored it has been handled
        // (its held connect is answered at once; dropped now, the request would find no session).
        setImmediate(() => {
          if (this.#takes.get(clientId)?.mine !== true) this.bayeux().releaseSession(clientId)
        })
        return handover ? Promise.resolve(undefined) : undefined
      }
      this.#remember(clientId, take, true)
    }
    // Waiting before the announcement: the answer cannot come sooner.
    const handed = handover && !this.#closed ? this.#awaitHandover(clientId) : undefined
    this.bus.send({ t: 'taken', clientId, take })
    return handed
  }

  #awaitHandover(clientId: string): Promise<number | undefined> {
    this.#handovers.get(clientId)?.(undefined) // an earlier take here still waiting
    return new Promise((resolve) => {
      const done = (position: number | undefined) => {
        clearTimeout(timer)
        if (this.#handovers.get(clientId) === done) this.#handovers.delete(clientId)
        resolve(position)
      }
      const timer = setTimeout(done, HANDOVER_WAIT_MS, undefined)
      timer.unref()
      this.#handovers.set(clientId, done)
    })
  }

  #remember(clientId: string, take: number, mine: boolean): void {
    const now = Date.now()
    // Oldest first (insertion order; a key set again moves to the end): forget the expired.
    this.#takes.delete(clientId)
    for (const [id, t] of this.#takes) {
      if (now - t.at < TAKE_MEMORY_MS) break
      this.#takes.delete(id)
    }
    this.#takes.set(clientId, { take, mine, at: now })
  }

  /** The session's subscriptions were stored here: whichever node holds it reloads them. */
  changed(clientId: string): void {
    this.bus.send({ t: 'changed', clientId })
  }

  /**
   * Bus messages may have been lost (this node's subscription was down, or another node's
   * publish failed): hints, and `subs` changes, which would leave the index wrong for good.
   */
  #resync(): void {
    this.pump.resync()
    void this.#recheckSessions()
  }

  /**
   * Lost `end` and `logout` messages: end the sessions held here whose stored row is gone or
   * whose login no longer holds, as those messages would have.
   */
  async #recheckSessions(): Promise<void> {
    const check = this.sessionCheck
    if (!check || this.#closed) return
    if (this.#rechecking) {
      this.#recheckAgain = true
      return
    }
    this.#rechecking = true
    try {
      do {
        this.#recheckAgain = false
        const { gone, loginEnded } = await check.recheck([...this.bayeux().established()])
        this.gone(gone)
        let ended = 0
        for (const { clientId, principal } of loginEnded) {
          const id = principal.httpSessionId
          // As a logout does: every session and websocket of that login.
          if (id !== undefined) {
            ended += this.bayeux().disconnectWhere((p) => p.httpSessionId === id, 'handshake')
          } else if (this.bayeux().disconnectSession(clientId, 'handshake')) ended++
        }
        if (ended > 0) this.log.info({ ended }, 'CometD sessions ended: their login ended')
      } while (this.#recheckAgain && !this.#closed)
    } catch (err) {
      this.log.warn({ err }, 'CometD sessions held here not re-checked; trying again shortly')
      setTimeout(() => void this.#recheckSessions(), RECHECK_RETRY_MS).unref()
    } finally {
      this.#rechecking = false
    }
  }

  /**
   * Sessions held here whose stored row is gone: their user's sessions were ended through
   * another node (or the client disconnected there) and the bus message was lost. Ended as an
   * `end` message ends them: what was committed for the user goes out first.
   */
  gone(clientIds: readonly string[]): void {
    if (clientIds.length === 0) return
    const ids = new Set(clientIds)
    const byUser = new Map<string, string[]>()
    for (const { clientId, principal } of this.bayeux().established()) {
      if (!ids.has(clientId)) continue
      const list = byUser.get(principal.userId)
      if (list) list.push(clientId)
      else byUser.set(principal.userId, [clientId])
    }
    for (const [userId, sessions] of byUser) {
      this.log.info({ userId, sessions: sessions.length }, 'CometD sessions ended elsewhere')
      void this.pump
        .deliverNow(userId)
        .catch((err: unknown) => this.log.warn({ err, userId }, 'not delivered before the end'))
        .finally(() => {
          for (const id of sessions) this.bayeux().disconnectSession(id)
        })
    }
  }

  #handle(m: BusMessage, from: string): void {
    switch (m.t) {
      case 'held':
      case 'unheld':
        this.browserHolds.heard(m, from)
        return
      case 'wake':
        this.pump.hinted(m.users, m.instances)
        return
      case 'taken': {
        if (m.take !== undefined) {
          const known = this.#takes.get(m.clientId)
          // This node took the session after the sender did: it keeps it.
          if (known?.mine && known.take > m.take) return
          if (!known || known.take < m.take) this.#remember(m.clientId, m.take, false)
        }
        const released = this.bayeux().releaseSession(m.clientId)
        // Without the ack extension the taker cannot know what this node's last reply gave the
        // client: tell it (docs/cluster.md, "No stickiness").
        if (released && typeof released.replied === 'number') {
          this.bus.send({ t: 'released', clientId: m.clientId, position: released.replied })
        }
        return
      }
      case 'released':
        this.#handovers.get(m.clientId)?.(m.position)
        return
      case 'changed':
        void this.bayeux().reloadSession(m.clientId)
        return
      case 'subs':
        if (m.instances && m.on !== undefined) this.pump.subscribed(m.userId, m.instances, m.on)
        else this.pump.reindex(m.userId)
        return
      case 'end': {
        const userId = m.userId
        // What was committed for the user goes out before the sessions end (as on one node).
        void this.pump
          .deliverNow(userId)
          .catch((err: unknown) => this.log.warn({ err, userId }, 'not delivered before the end'))
          .finally(() => this.bayeux().disconnectUser(userId))
        return
      }
      case 'logout': {
        const id = m.httpSessionId
        this.bayeux().disconnectWhere((p) => p.httpSessionId === id, 'handshake')
        return
      }
      case 'resync':
        this.#resync()
        return
      case 'loginFailed':
        this.onLoginFailure?.(m.name, m.address)
        return
    }
  }
}
