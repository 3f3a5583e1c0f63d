// What the Bayeux server asks of the application to keep sessions across restarts and to number
// what it delivers (docs/durable-delivery.md). src/notifications implements it over the store;
// without one, sessions live in memory only, as in CometD.

import type { BayeuxPrincipal } from './principal.ts'
import type { ConnectionType } from '../protocol/messages.ts'

/** One numbered message of a user's feed; `data` is JSON text, sent as is. */
export interface FeedMessage {
  seq: number
  channel: string
  data: string
}

export type FeedRead =
  | { ok: true; messages: FeedMessage[]; seq: number }
  | { ok: false; reason: 'gone' | 'future'; seq: number }

/** What is kept of a session to continue it elsewhere or later. */
export interface SessionRecord {
  principal: BayeuxPrincipal
  connectionType: ConnectionType
  browserId: string | null
  ack: boolean
  subscriptions: string[]
}

export interface SessionKeeper {
  /**
   * A new session: store it and tell where it starts in its user's feed. `replayFrom` is the
   * handshake's `ext.replay` (the last number the client saw): then `recovered` says whether
   * everything after it can still be delivered. Throws ReplayRefused for a future position.
   */
  opened(
    clientId: string,
    record: SessionRecord,
    replayFrom: number | undefined,
  ): Promise<{ position: number; recovered: boolean }>
  /** The session's subscriptions changed: store them before the client is answered. */
  changed(clientId: string, record: SessionRecord, position: number): Promise<void>
  /**
   * A stored session that is not in memory; undefined when unknown or no longer valid. In a
   * cluster, `take` orders this restore among every node's restores of the session. Nothing is
   * written: once the request is known to come from where the session is bound, `admit`
   * counts it toward the user's sessions again if it had expired (false: over the limit, or
   * ended meanwhile: not to be continued) and keeps its stored row from being swept. Once the
   * session is registered again, and before anything is delivered to it, `stillHeld` says
   * whether its stored row and its login still exist: an end (EndContactCenterSession, Logout,
   * a password change) that came while it was being restored found no live session to end.
   */
  load(clientId: string): Promise<
    | {
        record: SessionRecord
        position: number
        take?: number
        admit(): Promise<boolean>
        stillHeld(): Promise<boolean>
      }
    | undefined
  >
  /** The user's numbered messages after `afterSeq` (the feed advanced first). */
  read(userId: string, afterSeq: number, limit: number): Promise<FeedRead>
  /** The client has everything up to `position` (written behind, in batches). */
  acknowledged(clientId: string, position: number): void
  /**
   * The session ended (disconnect, expiry, server-side end). A disconnect or server-side end
   * deletes the stored session and settles once it is gone (a failure is logged, never thrown):
   * a disconnect is answered after it, so the place it held in a cluster-wide session limit is
   * free. An expiry gives the time of the session's last activity here and keeps the stored
   * session for its client to resume (docs/durable-delivery.md, "An outage longer than the
   * session"); in a cluster another node may hold it since.
   */
  removed(clientId: string, expiredSince?: number): Promise<void>
  /**
   * A stored session was resumed here (in a cluster: this node now holds it), with load's
   * `take`. With `handover` (long-polling without the ack extension), a cluster resolves to the
   * position the previous holder's last connect reply brought the client to, or undefined when
   * no node answered (docs/cluster.md); without a cluster, nothing is returned.
   */
  resumed?(
    clientId: string,
    take?: number,
    handover?: boolean,
  ): Promise<number | undefined> | undefined
  /** The first session of a user on this server appeared / the last one went. */
  userPresence(userId: string, present: boolean): void
}

/** A cluster's per-user session limit is reached (counted over every node). */
export class SessionLimitReached extends Error {
  constructor(readonly max: number) {
    super(`session limit reached: ${max}`)
  }
}

/** A handshake `ext.replay` the server cannot honour (docs/cometd.md, "Replay"). */
export class ReplayRefused extends Error {
  constructor(readonly reason: 'future') {
    super(`replay refused: ${reason}`)
  }
}
