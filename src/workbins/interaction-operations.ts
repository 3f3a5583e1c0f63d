// Operations on an interaction the caller handles or is offered (docs/interactions.md), on
// `/me/workitems/{id}`, `/me/emails/{id}`, `/me/chats/{id}`, `/me/openmedia/{type}/{id}`, ...:
//
//   Accept          Invited → Processing (the offer becomes the caller's)
//   Reject          Invited → back to the queue it was offered from, or the agent who transferred it
//   Complete        Processing → Completed (kept, read-only); with `queueName` into that queue
//   PlaceInQueue    Processing → the queue `queueName` (or `queueUri`)
//   Transfer        Processing → Invited to an agent (as an Offer), or into a queue (transfer-target.ts)
//   AttachUserData / UpdateUserData {userData}, DeleteUserData {keys}: PropertiesUpdated
//
// INTERACTION_OPERATIONS (capabilities.ts) lists them with the place each needs; capabilities are
// derived from it. Each validates first (nothing changes on error), then moves the interaction
// with the store's compare-and-set from where it was read, so of concurrent Accept / Pull /
// Complete exactly one wins and the others get 400 / 2. Then it answers {statusCode:0,
// referenceId} and sends the interaction's message (interaction-events.ts). An interaction the
// caller does not handle is not found (404 / 6), as for GET on the same URL; the wrong state for
// the operation is 400 / 2. Accept, and a Transfer to an agent, are 400 / 10 when the agent
// handles or is offered WORKBINS_MAX_HANDLED_PER_AGENT (handled-limit.ts); Reject is never refused.

import type { InteractionLocation, MediaType, Queue } from '../model.ts'
import { errors } from '../errors.ts'
import type { HandledLimit, MoveResult } from '../store/store.ts'
import { ownsInteraction } from './access.ts'
import { findQueue } from './queues.ts'
import {
  defaultCapabilities,
  INTERACTION_OPERATIONS,
  INVITED_CAPABILITIES,
  isInteractionOperation,
} from './capabilities.ts'
import { changeAnnounced, notHandledMessage } from './interaction-events.ts'
import { parseUserData } from './interactions.ts'
import { handledLimit } from './handled-limit.ts'
import { cancelOfferTimer, invitationReturn, mayOffer, startOfferTimer } from './offers.ts'
import type { Actor, OperationReply, WorkbinDeps } from './operation.ts'
import { COMPLETED, INVITED, PROCESSING, QUEUED } from './interaction-states.ts'
import { transferTarget } from './transfer-target.ts'

export interface InteractionTarget {
  media: MediaType
  id: string
  /** `/me/openmedia/{type}/{id}`: the open media type named in the URL. */
  openmediaType?: string
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string' || v === '') throw errors.invalid(`Parameter ${key} must be a string`)
  return v
}

/** `queueName` or `queueUri` (one of them). */
function queueParameter(actor: Actor, body: Record<string, unknown>, required: boolean) {
  const name = optionalString(body, 'queueName')
  const uri = optionalString(body, 'queueUri')
  if (name !== undefined && uri !== undefined)
    throw errors.invalid('Give queueName or queueUri, not both')
  if (name === undefined && uri === undefined) {
    if (required) throw errors.missing('queueName')
    return undefined
  }
  return findQueue(actor, name !== undefined ? { name } : { uri: uri as string })
}

function moveFailed(result: Exclude<MoveResult, { ok: true }>, id: string): never {
  if (result.reason === 'not_found') throw errors.notFound(`Interaction ${id} not found`)
  throw errors.invalid(`Interaction ${id} was changed by another request`)
}

async function reserveReferenceId(deps: WorkbinDeps, actor: Actor): Promise<number> {
  const [ref] = await deps.store.nextReferenceIds(actor.user.id, 1)
  if (ref === undefined) throw errors.internal('No reference id')
  return ref
}

/** The caller's interaction at the URL, else 404 / 6 (someone else's is not found either). */
async function loadOwn(deps: WorkbinDeps, actor: Actor, t: InteractionTarget) {
  const ix = await deps.store.getInteraction(actor.contactCenter.id, t.id)
  const mine =
    ix &&
    ix.mediaType === t.media &&
    (t.openmediaType === undefined || ix.openmediaType === t.openmediaType) &&
    ownsInteraction(actor.user, ix)
  if (!mine) throw errors.notFound(`Interaction ${t.id} not found`)
  return ix
}

const NO_CHANGE = { set: {}, remove: [] }

interface Move {
  next: InteractionLocation
  state: string
  capabilities: string[]
  /** WORKBINS_MAX_HANDLED_PER_AGENT of the user it moves to, checked in the move's transaction. */
  limit?: HandledLimit
}

/** Run an operation on the interaction (see the header comment). */
export async function interactionOperation(ctx: {
  deps: WorkbinDeps
  actor: Actor
  target: InteractionTarget
  operationName: string
  body: Record<string, unknown>
}): Promise<OperationReply> {
  const { deps, actor, target, operationName, body } = ctx
  const ix = await loadOwn(deps, actor, target)
  const loc = ix.location
  const me = actor.user.id

  // The route's schema refuses unknown names first; this keeps the table the only list.
  if (!isInteractionOperation(operationName)) {
    throw errors.invalid(`Unknown operationName ${operationName}`)
  }
  const name = operationName
  /** The caller's interaction is where the operation needs it (INTERACTION_OPERATIONS). */
  const needs = () => {
    const kind = INTERACTION_OPERATIONS[name]
    if (loc.kind !== kind) {
      throw errors.invalid(
        kind === 'invited'
          ? `Interaction ${ix.id} is ${ix.state}: ${name} needs an offered (Invited) interaction`
          : notHandledMessage(ix),
      )
    }
  }

  let move: Move | undefined
  let userData: { set: Record<string, string | number | null>; remove: string[] } | undefined
  switch (name) {
    case 'Accept':
      needs()
      move = {
        next: { kind: 'owner', userId: me },
        state: PROCESSING,
        capabilities: defaultCapabilities(ix.mediaType),
        // The invitation counts already: refused only when the caller is over the limit (it
        // was lowered since).
        limit: handledLimit(deps, actor.user, { self: true, invitation: true }),
      }
      break
    case 'Reject':
      needs()
      move = invitationReturn(ix)
      break
    case 'Complete': {
      const queue = queueParameter(actor, body, false)
      needs()
      move = queue
        ? { next: { kind: 'queue', queue: queue.name }, state: QUEUED, capabilities: [] }
        : { next: { kind: 'completed' }, state: COMPLETED, capabilities: [] }
      break
    }
    case 'PlaceInQueue': {
      const queue = queueParameter(actor, body, true) as Queue
      needs()
      move = { next: { kind: 'queue', queue: queue.name }, state: QUEUED, capabilities: [] }
      break
    }
    case 'Transfer': {
      const to = transferTarget(actor, ix.mediaType, body)
      needs()
      if ('queue' in to) {
        move = { next: { kind: 'queue', queue: to.queue.name }, state: QUEUED, capabilities: [] }
      } else {
        if (!(await mayOffer(deps, actor, to.user, ix))) {
          throw errors.invalid(`User ${to.user.userName} cannot take interactions now`)
        }
        // Invited, as an Offer (GWS Open Media API → Transfer: Agent1 sees it Completed, "Agent2
        // received invitation"); refused or withdrawn, it comes back to the caller.
        move = {
          next: { kind: 'invited', userId: to.user.id, returnTo: { kind: 'owner', userId: me } },
          state: INVITED,
          capabilities: [...INVITED_CAPABILITIES],
          limit: handledLimit(deps, to.user),
        }
      }
      break
    }
    case 'AttachUserData':
    case 'UpdateUserData':
      if (body.userData === undefined) throw errors.missing('userData')
      userData = { set: parseUserData(body.userData), remove: [] }
      needs()
      break
    case 'DeleteUserData': {
      const keys = body.keys
      if (keys === undefined) throw errors.missing('keys')
      if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string' && k !== '')) {
        throw errors.invalid('Parameter keys must be an array of key names')
      }
      userData = { set: {}, remove: keys as string[] }
      needs()
      break
    }
    default: {
      // Every name in INTERACTION_OPERATIONS has its case (a compile error otherwise).
      const unhandled: never = name
      throw errors.internal(`Operation ${String(unhandled)} has no implementation`)
    }
  }

  const referenceId = await reserveReferenceId(deps, actor)
  const cc = actor.contactCenter.id
  const requester = { userId: me, referenceId }
  if (userData) {
    const change = userData
    const result = await changeAnnounced(
      deps,
      { before: ix, notificationType: 'PropertiesUpdated', requester },
      (log) => deps.store.updateUserData(cc, ix.id, loc, change, log),
    )
    if (!result.ok) moveFailed(result, ix.id)
    return { statusCode: 0, referenceId }
  }
  const m = move as Move
  const result = await changeAnnounced(
    deps,
    { before: ix, notificationType: 'StatusChange', requester },
    (log) =>
      deps.store.moveInteraction(
        cc,
        ix.id,
        loc,
        m.next,
        { state: m.state, capabilities: m.capabilities, userData: NO_CHANGE },
        log,
        m.limit,
      ),
  )
  if (!result.ok) moveFailed(result, ix.id)
  if (loc.kind === 'invited') cancelOfferTimer(cc, ix.id)
  if (result.interaction.location.kind === 'invited') startOfferTimer(deps, result.interaction)
  return { statusCode: 0, referenceId }
}
