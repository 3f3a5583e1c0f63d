// What the domain needs from the notification layer (src/notifications implements it over
// the Bayeux server). A message is a log entry (src/store/notification-log.ts): to one user,
// or to every subscriber of a workbin instance.
//
// With the notification log on (`durable`), a change hands its entries to the store method
// that makes it, which appends them in the same transaction (a committed change always has its
// messages, a failed one none), then calls `committed` to have them delivered. With the log
// off, the store gets no entries and `committed` delivers them from memory.

import type { WorkbinInstance } from '../model.ts'
import type { LogEntry } from '../store/notification-log.ts'

export interface Notifier {
  /** The store must append a change's entries in its transaction. */
  readonly durable: boolean
  /** The change that carried these entries has committed: deliver them. */
  committed(entries: readonly LogEntry[]): void
  /** Entries that go with no store change: stored (when durable), then delivered. */
  publish(entries: readonly LogEntry[]): Promise<void>
  /** One message to one user, with no store change (publish, without waiting). */
  deliverToUser(userId: string, channel: string, data: Record<string, unknown>): void
  /** The user's subscriptions to `instances` were added (`on`) or removed, and committed. */
  subscribed(userId: string, instances: readonly WorkbinInstance[], on: boolean): void
  /**
   * End every CometD session of the user (server-side /meta/disconnect), after the messages
   * committed for the user so far have been handed to them.
   */
  disconnectUser(userId: string): Promise<void>
}

/** The channel of this API's messages (docs/cometd.md). */
export const WORKBINS_CHANNEL = '/v2/me/workbins'

/**
 * The `log` argument of a store change: builds the entries from the change's outcome when the
 * notifier is durable (kept in `out` for `committed`), nothing otherwise.
 */
export function logWith<R>(
  notifier: Notifier,
  out: LogEntry[],
  build: (result: R) => LogEntry[],
): ((result: R) => LogEntry[]) | undefined {
  if (!notifier.durable) return undefined
  return (result) => {
    const entries = build(result)
    out.push(...entries)
    return entries
  }
}

/**
 * For a subscription removal, whose store may build the entries of an answer that did not
 * happen (Store.removeSubscriptions): what was built is kept per answer, so `entries(answer)`
 * gives back for the real answer the very objects the store appended (it may annotate them).
 */
export function logPerAnswer(
  notifier: Notifier,
  build: (existed: boolean[]) => LogEntry[],
): {
  log: ((existed: boolean[]) => LogEntry[]) | undefined
  entries: (existed: boolean[]) => LogEntry[]
} {
  const built = new Map<string, LogEntry[]>()
  const entries = (existed: boolean[]) => {
    const key = existed.join()
    let e = built.get(key)
    if (!e) built.set(key, (e = build(existed)))
    return e
  }
  return { log: notifier.durable ? entries : undefined, entries }
}
