// WorkbinStateChangeMessage (docs/workbins-content.md "Notifications"): one copy per recipient of a change to
// a workbin instance's content.
//
// Recipients: every user subscribed to the instance at the time of the change, plus the user who
// made the change (the requester), who always gets a copy carrying the `referenceId` of the
// HTTP reply: an asynchronous operation's result arrives as a CometD message carrying the same
// referenceId (docs/api.md "Operations and asynchronous replies"). Other copies carry no referenceId.
//
// `workbinUserId` rule: for an Agent-type instance, every copy sent to someone other than the
// instance's owner carries `workbinUserId` = the owner's user id (a supervisor watching
// `/users/{userId}/workbins/{id}` needs it to know whose workbin changed; the owner does not).
// Group instances carry `agentGroup` / `placeGroup` = the group name on every copy, Place
// instances `place` = the place's name (an addition to GWS: several agents' Place workbins
// share one id, and a supervisor watching two of them must tell which changed).
//
// The resource carries capabilities only in its handler's copy, as the interaction's own message
// of the same change does (interaction-events.ts): anybody else could not use them.

import type { Interaction, Workbin, WorkbinInstance } from '../model.ts'
import type { LogEntry } from '../store/notification-log.ts'
import { WORKBINS_CHANNEL } from './notifier.ts'
import { handlerAt } from './interaction-events.ts'
import type { WorkbinDeps } from './operation.ts'
import { MEDIA, interactionResource } from './resources.ts'

export type ItemAction = 'ItemAdded' | 'ItemRemoved' | 'ItemUpdated'

export interface ItemChange {
  workbin: Workbin
  instance: WorkbinInstance
  action: ItemAction
  /** The interaction as it is after the change. */
  interaction: Interaction
  /** Who asked for the change and the referenceId they were answered. */
  requester?: { userId: string; referenceId: number }
}

/** The message `data` one recipient gets. Exported for tests and docs. */
export function itemChangeMessage(
  change: ItemChange,
  recipientId: string,
  base: string,
): Record<string, unknown> {
  const { workbin, instance, action, interaction, requester } = change
  const data: Record<string, unknown> = {
    messageType: 'WorkbinStateChangeMessage',
    action,
    id: workbin.id,
  }
  if (workbin.type === 'Agent' && recipientId !== instance.owner)
    data.workbinUserId = instance.owner
  if (workbin.type === 'AgentGroup') data.agentGroup = instance.owner
  if (workbin.type === 'PlaceGroup') data.placeGroup = instance.owner
  if (workbin.type === 'Place') data.place = instance.owner
  if (requester && requester.userId === recipientId) data.referenceId = requester.referenceId
  const resource = interactionResource(base, interaction)
  if (handlerAt(interaction.location) !== recipientId) resource.capabilities = []
  data[MEDIA[interaction.mediaType].stateResource] = resource
  return data
}

/**
 * The log entries of a change: one for the instance (every subscriber but the requester; an
 * Agent instance's owner gets the copy without `workbinUserId`) and one for the requester.
 */
export function itemChangeEntries(change: ItemChange, base: string): LogEntry[] {
  const { instance, requester } = change
  // Any id that is not the owner's gives the copy for everyone else.
  const others = itemChangeMessage(change, '', base)
  const entry: LogEntry = { instance, channel: WORKBINS_CHANNEL, data: others }
  if (change.workbin.type === 'Agent') {
    entry.owner = { userId: instance.owner, data: itemChangeMessage(change, instance.owner, base) }
  }
  if (!requester) return [entry]
  entry.exclude = [requester.userId]
  return [
    entry,
    {
      userId: requester.userId,
      channel: WORKBINS_CHANNEL,
      data: itemChangeMessage(change, requester.userId, base),
    },
  ]
}

/** Send a change that was stored without its entries (they are stored now, then delivered). */
export async function publishItemChange(deps: WorkbinDeps, change: ItemChange): Promise<void> {
  await deps.notifier.publish(itemChangeEntries(change, deps.publicUrl()))
}
