// How many interactions one user may handle (Processing) or be offered (Invited) at once:
// WORKBINS_MAX_HANDLED_PER_AGENT (docs/interactions.md "How many one agent handles"). The
// user's own lists (`/me/workitems`, `/me/emails`, `/me/openmedia/{type}`, ...) have no paging
// in GWS and are built whole; this is what bounds them (with the userData limit, each reply).
//
// Every way an interaction comes to count for a user checks it first: Create (desktop, and the
// integration's with `owner`), Pull from a workbin, an Offer or Transfer to the user (an
// invitation counts, it becomes theirs on Accept), and Accept when the user is over the limit
// (it was lowered since the invitation). Provisioning checks it too (provision/apply.ts). An
// invitation coming back to the agent who transferred it (Reject, the offer timeout) is never
// refused: it was theirs, and refusing would leave it nowhere.
//
// The count is read before the move, not in its transaction: concurrent requests for one user
// can pass it together and exceed the limit by at most their number.

import { errors } from '../errors.ts'
import type { User } from '../model.ts'
import type { Store } from '../store/store.ts'

/**
 * Agents handle a few to tens of interactions at once; 1000 leaves room for any desktop while
 * bounding a list reply to 1000 × WORKBINS_USER_DATA_MAX_BYTES (32 MiB by default).
 */
export const DEFAULT_MAX_HANDLED_PER_AGENT = 1000

/** The refusal of `limit` for a user who would hold `count`; `what` says who and how. */
export function handledLimitMessage(what: string, count: number, limit: number): string {
  return `${what} ${count} interactions, more than the ${limit} allowed (WORKBINS_MAX_HANDLED_PER_AGENT)`
}

/**
 * Refuses (400 / 10, nothing changed) when `user` handles or is offered the most allowed
 * already. `counted`: how many of those are the interaction being moved itself (1 for Accept,
 * whose invitation counts already), so only the others are compared with the limit.
 */
export async function checkHandledLimit(
  // The part of WorkbinDeps used (config.ts imports this file: no import of operation.ts).
  deps: { config: { maxHandledPerAgent: number }; store: Pick<Store, 'countHandled'> },
  contactCenterId: string,
  user: Pick<User, 'id' | 'userName'>,
  opts: { counted?: number; self?: boolean } = {},
): Promise<void> {
  const max = deps.config.maxHandledPerAgent
  const held = await deps.store.countHandled(contactCenterId, user.id)
  if (held - (opts.counted ?? 0) < max) return
  const who = opts.self
    ? 'You would handle or be offered'
    : `User ${user.userName} would handle or be offered`
  const after = held - (opts.counted ?? 0) + 1
  throw errors.validation(
    `${handledLimitMessage(who, after, max)}: ${held} now${opts.counted ? ', this invitation included' : ''};` +
      ` ${opts.self ? 'complete one first' : 'they must complete one first'}; nothing was changed`,
  )
}
