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
// The count is read in the change's own transaction, after the change (Store.HandledLimit): a
// change that would leave the user over the limit is rolled back, so concurrent requests for
// one user cannot pass it together.

import { errors } from '../errors.ts'
import type { User } from '../model.ts'
import type { HandledLimit } from '../store/store.ts'

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
 * The limit of a change that makes `user` handle or be offered one more interaction (or, for
 * Accept, keeps its invitation's place): refused with 400 / 10, nothing changed, when they would
 * then hold more than WORKBINS_MAX_HANDLED_PER_AGENT.
 */
export function handledLimit(
  // The part of WorkbinDeps used (config.ts imports this file: no import of operation.ts).
  deps: { config: { maxHandledPerAgent: number } },
  user: Pick<User, 'id' | 'userName'>,
  /** self: the user asked; invitation: the interaction counts already (Accept). */
  opts: { self?: boolean; invitation?: boolean } = {},
): HandledLimit {
  const max = deps.config.maxHandledPerAgent
  return {
    userId: user.id,
    max,
    refusal: (held) => {
      const who = opts.self
        ? 'You would handle or be offered'
        : `User ${user.userName} would handle or be offered`
      return errors.validation(
        `${handledLimitMessage(who, held, max)}${opts.invitation ? ', this invitation included' : ''}; ` +
          `${opts.self ? 'complete one first' : 'they must complete one first'}; nothing was changed`,
      )
    },
  }
}
