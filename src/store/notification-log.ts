// Types of the notification log (docs/durable-delivery.md): what the domain writes with a change,
// what a user's feed reads back, and the stored form of a CometD session.
//
// The log keeps one entry per change, not one per recipient: an entry names either one user
// (a direct message) or one workbin instance (every subscriber of it). Each user's numbered
// messages are assigned from the log in log order when the user's feed is advanced, which
// costs nothing for subscribers who are offline until they come back.

import type { WorkbinInstance } from '../model.ts'

export interface LogEntry {
  /** The one recipient of a direct entry. Exactly one of userId / instance is set. */
  userId?: string
  /** Every subscriber of this instance at the time of the change gets the entry. */
  instance?: WorkbinInstance
  channel: string
  data: Record<string, unknown>
  /** Instance entries: this user gets `ownerData` instead of `data`. */
  owner?: { userId: string; data: Record<string, unknown> }
  /** Instance entries: these users are skipped (they have direct copies). */
  exclude?: readonly string[]
}

/** One numbered message of a user's feed. `data` is the stored JSON text, sent as is. */
export interface FeedMessage {
  seq: number
  channel: string
  data: string
}

/** Messages of a feed after a position, or why they cannot be read. */
export type FeedRead =
  | { ok: true; messages: FeedMessage[]; seq: number }
  /** `gone`: some messages after the position were swept or lost; `future`: not assigned yet. */
  | { ok: false; reason: 'gone' | 'future'; seq: number }

/** A CometD session as stored, to continue it after a restart or on another node. */
export interface StoredCometdSession {
  clientId: string
  userId: string
  /** Opaque to the store: the Bayeux server's own description of the session (JSON). */
  record: string
  /** The last feed number the client is known to have received. */
  position: number
  /** ms epoch of the last message from the client (expiry). */
  lastSeen: number
}

/** How `exclude` is stored: `|a|b|`, so that `|user|` is found in it or not. */
export function excludeColumn(exclude: readonly string[] | undefined): string | null {
  return exclude && exclude.length > 0 ? `|${exclude.join('|')}|` : null
}

/** A log write that depends on the outcome of the change it goes with. */
export type LogFor<R> = (result: R) => LogEntry[]
