// Subscribe / Unsubscribe to workbin notifications (docs/workbins-subscriptions.md), and the end
// of all of a user's subscriptions (EndContactCenterSession).
//
// A subscription is (subscriber user, workbin instance) and belongs to the user:
// it is kept in the store, so it survives CometD reconnects and server restarts, and every
// CometD session of the user gets its messages.
//
// Every request has already been validated and authorized (access.ts) for all of its workbins
// before anything here runs (all-or-nothing). Then: one referenceId per workbin
// (store.nextReferenceIds), the store change, one WorkbinSubscriptionStateChangeMessage per
// workbin on the caller's `/v2/me/workbins` (stored with the change: notifier.ts), and the HTTP
// reply with the same ids.

import type { Directory, Workbin, WorkbinInstance } from '../model.ts'
import type { LogEntry } from '../store/notification-log.ts'
import type { Store } from '../store/store.ts'
import type { Notifier } from './notifier.ts'
import { placeOf } from './place.ts'
import { WORKBINS_CHANNEL, logPerAnswer } from './notifier.ts'
import type { Actor, OperationHandler, OperationReply, ResolvedInstance } from './operation.ts'
import {
  type SubscriptionState,
  subjectOf,
  subjectOfStored,
  subscriptionStateMessage,
} from './messages.ts'

export type SubscriptionOperation = 'Subscribe' | 'Unsubscribe'

export function isSubscriptionOperation(name: string): name is SubscriptionOperation {
  return name === 'Subscribe' || name === 'Unsubscribe'
}

type Deps = { store: Store; notifier: Notifier }

/**
 * Apply `operation` to every target, in order, and send one message per target to the actor.
 * Returns the reference ids, one per target, in the same order.
 */
export async function changeSubscriptions(
  deps: Deps,
  actor: Actor,
  operation: SubscriptionOperation,
  targets: readonly ResolvedInstance[],
): Promise<number[]> {
  const userId = actor.user.id
  const referenceIds = await deps.store.nextReferenceIds(userId, targets.length)
  const instances = targets.map((t) => t.instance)
  const entriesOf = (outcomes: Outcome[]): LogEntry[] =>
    targets.map((target, i) => {
      const outcome = outcomes[i] as Outcome
      const data = subscriptionStateMessage(
        subjectOf(target),
        outcome.state,
        referenceIds[i] as number,
        outcome.statusMessage,
      )
      return { userId, channel: WORKBINS_CHANNEL, data }
    })
  let entries: LogEntry[]
  if (operation === 'Subscribe') {
    // subscribing twice is not an error; the second answers Subscribed again
    entries = entriesOf(targets.map(() => ({ state: 'Subscribed' })))
    await deps.store.addSubscriptions(
      userId,
      instances,
      deps.notifier.durable ? entries : undefined,
    )
    deps.notifier.subscribed(userId, instances, true)
  } else {
    // unsubscribe when not subscribed → HTTP 200 + referenceId, then RequestFailed
    const outcomesOf = (existed: boolean[]): Outcome[] =>
      targets.map((t, i) =>
        existed[i]
          ? { state: 'Unsubscribed' }
          : {
              state: 'RequestFailed',
              statusMessage: `Not subscribed to workbin ${t.workbin.id} (${describeOwner(t)})`,
            },
      )
    const per = logPerAnswer(deps.notifier, (e) => entriesOf(outcomesOf(e)))
    const existed = await deps.store.removeSubscriptions(userId, instances, per.log)
    entries = per.entries(existed)
    deps.notifier.subscribed(userId, instances, false)
  }
  deps.notifier.committed(entries)
  if (operation === 'Subscribe') await endLeftPlaces(deps, actor, targets)
  return referenceIds
}

/**
 * A Place workbin instance of the caller's own is theirs while they are at that place: moving
 * ends the subscriptions to the place they left (contact-center-session.ts). A move committed
 * after this Subscribe read the place (access.ts) but before its subscription committed found
 * nothing to end, and would leave the caller subscribed to a place they left. So the place is
 * read again after the commit: a move committed since is seen here, and the subscription ends
 * as the move would have ended it (Unsubscribed); a move committing later sees the subscription.
 */
async function endLeftPlaces(
  deps: Deps,
  actor: Actor,
  targets: readonly ResolvedInstance[],
): Promise<void> {
  const own = targets.filter((t) => t.workbin.type === 'Place' && t.workbinUserId === undefined)
  if (own.length === 0) return
  const place = await placeOf(deps.store, actor.user)
  for (const t of own) {
    if (t.instance.owner === place) continue
    const referenceIds = await deps.store.nextReferenceIds(actor.user.id, 1)
    await removeWithMessages(deps, actor.user.id, [t.instance], referenceIds, () => t.workbin)
  }
}

type Outcome = { state: SubscriptionState; statusMessage?: string }

function describeOwner(target: ResolvedInstance): string {
  switch (target.workbin.type) {
    case 'Agent':
      return `agent ${target.instance.owner}`
    case 'Place':
      return `place ${target.instance.owner}`
    case 'AgentGroup':
      return `agent group ${target.instance.owner}`
    case 'PlaceGroup':
      return `place group ${target.instance.owner}`
  }
}

/** One workbin: `{statusCode:0, referenceId:N}` (GWS docs: "Unsubscribe from Workbin Notifications"). */
export function singleReply(referenceId: number): OperationReply {
  return { statusCode: 0, referenceId }
}

/** Several workbins: `{statusCode:0, referenceIds:{"<workbinId>":N, ...}}` (GWS docs: the same page, several workbins). */
export function manyReply(
  targets: readonly ResolvedInstance[],
  referenceIds: readonly number[],
): OperationReply {
  const map: Record<string, number> = {}
  targets.forEach((t, i) => {
    map[t.workbin.id] = referenceIds[i] as number
  })
  return { statusCode: 0, referenceIds: map }
}

/** Subscribe / Unsubscribe on one instance (`POST /…/workbins/{id}`), as OperationHandlers. */
export const subscriptionOperations: Record<SubscriptionOperation, OperationHandler> = {
  Subscribe: async ({ actor, target, deps }) =>
    singleReply((await changeSubscriptions(deps, actor, 'Subscribe', [target]))[0] as number),
  Unsubscribe: async ({ actor, target, deps }) =>
    singleReply((await changeSubscriptions(deps, actor, 'Unsubscribe', [target]))[0] as number),
}

/** Subscribe / Unsubscribe on several instances (`POST /…/workbins?workbinIds=a,b`). */
export async function changeManySubscriptions(
  deps: Deps,
  actor: Actor,
  operation: SubscriptionOperation,
  targets: readonly ResolvedInstance[],
): Promise<OperationReply> {
  return manyReply(targets, await changeSubscriptions(deps, actor, operation, targets))
}

/**
 * End every workbin subscription of the actor (EndContactCenterSession): each one
 * is removed and answered with an `Unsubscribed` message carrying a fresh referenceId and the
 * instance's `workbinUserId` / `agentGroup` / `placeGroup` (messages.ts subjectOfStored).
 * Call it BEFORE the user's CometD sessions are disconnected, so that they receive the messages.
 */
export async function endSubscriptions(deps: Deps, actor: Actor): Promise<void> {
  const listed = await deps.store.listSubscriptions(actor.user.id)
  await endStoredSubscriptions(
    deps,
    actor.user.id,
    listed.map((s) => s.instance),
    (instance) => actor.directory.workbins.find((w) => w.id === instance.workbinId),
  )
}

/**
 * End the user's subscriptions to `instances` as Unsubscribe does: one `Unsubscribed` message
 * (fresh referenceId) for each that still existed. Returns how many did: one ended first by
 * another request or server is neither counted nor announced again.
 */
export async function endStoredSubscriptions(
  deps: Deps,
  userId: string,
  instances: WorkbinInstance[],
  workbinOf: (instance: WorkbinInstance) => Workbin | undefined,
): Promise<number> {
  if (instances.length === 0) return 0
  const referenceIds = await deps.store.nextReferenceIds(userId, instances.length)
  return removeWithMessages(deps, userId, instances, referenceIds, workbinOf)
}

/**
 * Remove the user's subscriptions to `instances`, each one that existed answered with an
 * `Unsubscribed` message (reference ids by position), in the same transaction. Returns how many
 * existed.
 */
async function removeWithMessages(
  deps: Deps,
  userId: string,
  instances: WorkbinInstance[],
  referenceIds: readonly number[],
  workbinOf: (instance: WorkbinInstance) => Workbin | undefined,
): Promise<number> {
  const entriesOf = (existed: boolean[]): LogEntry[] => {
    const out: LogEntry[] = []
    instances.forEach((instance, i) => {
      if (!existed[i]) return // ended meanwhile by another request: nothing to announce
      const subject = subjectOfStored(userId, instance, workbinOf(instance))
      const data = subscriptionStateMessage(subject, 'Unsubscribed', referenceIds[i] as number)
      out.push({ userId, channel: WORKBINS_CHANNEL, data })
    })
    return out
  }
  const per = logPerAnswer(deps.notifier, entriesOf)
  const existed = await deps.store.removeSubscriptions(userId, instances, per.log)
  deps.notifier.subscribed(userId, instances, false)
  deps.notifier.committed(per.entries(existed))
  return existed.filter(Boolean).length
}

/**
 * End the subscriptions to the Place workbins of `place` held by the users `who` selects, each
 * answered with an `Unsubscribed` message: a place's workbins are for the agent working there,
 * so they end when the place changes hands or its agent moves on.
 */
export async function endPlaceSubscriptions(
  deps: Deps,
  directory: Directory,
  place: string,
  who: (userId: string) => boolean,
): Promise<void> {
  for (const workbin of directory.workbins) {
    if (workbin.type !== 'Place') continue
    const instance = { workbinId: workbin.id, owner: place }
    for (const userId of await deps.store.listSubscribers(instance)) {
      if (!who(userId)) continue
      const referenceIds = await deps.store.nextReferenceIds(userId, 1)
      await removeWithMessages(deps, userId, [instance], referenceIds, () => workbin)
    }
  }
}
