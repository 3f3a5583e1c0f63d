// Offers (docs/interactions.md "Offers"): an `apiuser` / `admin` offers an interaction waiting
// in a queue to an agent: `POST /interactions/{id} {"operationName":"Offer","agent":"<userName|id>"}`.
// It arrives `Invited` on the agent's media channel; Accept makes it the agent's (Processing),
// Reject returns it to its queue, and an offer neither accepted nor rejected within
// WORKBINS_OFFER_TIMEOUT_SECONDS is withdrawn: back to the queue, shown to the agent `Revoked`.
// A Transfer to an agent invites them the same way (GWS Open Media API → Transfer: "Agent2
// received invitation"); refused or withdrawn, it returns to the agent who transferred it.
//
// The timers live in this process and are precise; the store also keeps when the offer was made,
// and every server's periodic sweep (offer-sweep.ts) withdraws expired offers the same way, so an
// offer outlives the server that made it (docs/interactions.md "Offers").

import type { Interaction, InvitationReturn, User } from '../model.ts'
import { errors } from '../errors.ts'
import { isAdmin } from './access.ts'
import { isReadyOn } from './channels.ts'
import { defaultCapabilities, INVITED_CAPABILITIES } from './capabilities.ts'
import { handledLimit } from './handled-limit.ts'
import { changeAnnounced } from './interaction-events.ts'
import { INVITED, PROCESSING, QUEUED, REVOKED } from './interaction-states.ts'
import type { Actor, OperationReply, WorkbinDeps } from './operation.ts'

/**
 * May `agent` be offered (or transferred) this interaction now? The one place that decides it:
 * an agent of the contact center with a place taken by StartContactCenterSession, Ready on the
 * interaction's media channel.
 */
export async function mayOffer(
  deps: WorkbinDeps,
  actor: Actor,
  agent: User,
  ix: Interaction,
): Promise<boolean> {
  if (agent.contactCenterId !== actor.contactCenter.id || !agent.roles.includes('agent')) {
    return false
  }
  if ((await deps.store.getCurrentPlace(agent.id)) === null) return false
  // Ready on the interaction's media channel (`workitem`, `email`, `chat`; open media also by
  // its type), as set with POST /me/channels/{channel} (docs/api.md "Channels and agent states").
  const channels = [ix.mediaType, ...(ix.openmediaType ? [ix.openmediaType] : [])]
  for (const c of channels) if (await isReadyOn(deps.store, agent.id, c)) return true
  return false
}

const timers = new Map<string, NodeJS.Timeout>()
const key = (contactCenterId: string, id: string) => `${contactCenterId}/${id}`

/** Forget the withdrawal timer of an offer that was answered. */
export function cancelOfferTimer(contactCenterId: string, id: string): void {
  const k = key(contactCenterId, id)
  clearTimeout(timers.get(k))
  timers.delete(k)
}

/** Where a rejected or withdrawn invitation goes, with the state and capabilities it has there. */
export interface InvitationReturnMove {
  next: InvitationReturn
  state: string
  capabilities: string[]
}

/**
 * The move back of an invitation: an Offer to its queue (`Queued`); a Transfer to the agent who
 * transferred it (`Processing`, theirs again, so nothing is lost and they can transfer it
 * elsewhere), whatever that agent's state now: they still own their work.
 */
export function invitationReturn(ix: Interaction): InvitationReturnMove {
  if (ix.location.kind !== 'invited') {
    throw errors.internal(`Interaction ${ix.id} is ${ix.state}, not an invitation`)
  }
  const next = ix.location.returnTo
  return next.kind === 'queue'
    ? { next, state: QUEUED, capabilities: [] }
    : { next, state: PROCESSING, capabilities: defaultCapabilities(ix.mediaType) }
}

/**
 * Withdraw the offer unless it was answered (or withdrawn) meanwhile: a compare-and-set on the
 * invitation, so a timer and sweeps on several servers withdraw it once and the agent sees one
 * Revoked. True when this call withdrew it.
 */
export async function withdrawOffer(deps: WorkbinDeps, offered: Interaction): Promise<boolean> {
  if (offered.location.kind !== 'invited') return false
  const back = invitationReturn(offered)
  const result = await changeAnnounced(
    deps,
    { before: offered, notificationType: 'StatusChange', leftAs: REVOKED },
    (log) =>
      deps.store.moveInteraction(
        offered.contactCenterId,
        offered.id,
        offered.location,
        back.next,
        { state: back.state, capabilities: back.capabilities, userData: { set: {}, remove: [] } },
        log,
      ),
  )
  return result.ok // not: accepted, rejected or withdrawn elsewhere
}

/** Withdraw the offer (Offer or Transfer) after WORKBINS_OFFER_TIMEOUT_SECONDS unless answered. */
export function startOfferTimer(deps: WorkbinDeps, offered: Interaction): void {
  const k = key(offered.contactCenterId, offered.id)
  clearTimeout(timers.get(k))
  const t = setTimeout(() => {
    timers.delete(k)
    withdrawOffer(deps, offered).catch((err: unknown) =>
      deps.log.warn({ err, interactionId: offered.id }, 'withdrawing an offer failed'),
    )
  }, deps.config.offerTimeoutSeconds * 1000)
  t.unref() // a pending offer does not keep the process alive
  timers.set(k, t)
}

/** `POST /interactions/{id} {"operationName":"Offer","agent":...}` (apiuser, admin). */
export async function offerInteraction(ctx: {
  actor: Actor
  id: string
  body: Record<string, unknown>
  deps: WorkbinDeps
}): Promise<OperationReply> {
  const { actor, id, body, deps } = ctx
  if (!isAdmin(actor.user)) {
    throw errors.noPermission('Only apiuser and admin accounts may offer interactions')
  }
  const who = body.agent
  if (who === undefined) throw errors.missing('agent')
  if (typeof who !== 'string' || who === '') {
    throw errors.invalid('Parameter agent must be a user name or id')
  }
  const agent = actor.directory.users.find((u) => u.userName === who || u.id === who)
  if (!agent) throw errors.notFound(`User ${who} not found`)
  const ix = await deps.store.getInteraction(actor.contactCenter.id, id)
  if (!ix) throw errors.notFound(`Interaction ${id} not found`)
  if (ix.location.kind !== 'queue') {
    throw errors.invalid(
      `Interaction ${id} is ${ix.state}: only a queued interaction can be offered`,
    )
  }
  if (!(await mayOffer(deps, actor, agent, ix))) {
    throw errors.invalid(
      `User ${agent.userName} cannot take ${ix.mediaType} interactions now (no place, or not Ready on that channel)`,
    )
  }
  const [referenceId] = await deps.store.nextReferenceIds(actor.user.id, 1)
  if (referenceId === undefined) throw errors.internal('No reference id')
  const from = ix.location
  const result = await changeAnnounced(
    deps,
    {
      before: ix,
      notificationType: 'StatusChange',
      requester: { userId: actor.user.id, referenceId },
    },
    (log) =>
      deps.store.moveInteraction(
        actor.contactCenter.id,
        id,
        from,
        { kind: 'invited', userId: agent.id, returnTo: { kind: 'queue', queue: from.queue } },
        {
          state: INVITED,
          capabilities: [...INVITED_CAPABILITIES],
          userData: { set: {}, remove: [] },
        },
        log,
        // An invitation counts toward the agent's WORKBINS_MAX_HANDLED_PER_AGENT.
        handledLimit(deps, agent),
      ),
  )
  if (!result.ok) {
    if (result.reason === 'not_found') throw errors.notFound(`Interaction ${id} not found`)
    throw errors.invalid(`Interaction ${id} was changed by another request`)
  }
  startOfferTimer(deps, result.interaction)
  return { statusCode: 0, referenceId }
}
