// The interaction's own notification (docs/interactions.md "Notifications"): after every change
// to an interaction, its message (`WorkitemStateChangeMessage` on `/v2/me/workitems`,
// `EmailStateChangeMessage` on `/v2/me/emails`, ...) goes to
//   - the agent who handled it or was offered it before the change, and the one after it;
//   - every subscriber of the workbin instance it left or entered (a desktop refreshing its
//     workbin view on a StateChange with state InWorkbin or Processing sees every put and pull);
//   - the requester, whose copy carries the referenceId of the HTTP reply.
// Each recipient gets the whole resource as it is now, with the capabilities that recipient
// has: the handler's own, none for anybody else. An agent the interaction left for a queue,
// another agent or completion sees it `Completed` (as the Workitem Complete and Workitem Reject
// pages show); an offer withdrawn after the offer timeout is `Revoked`.
// A change of an existing interaction appends these messages in its own transaction
// (changeAnnounced, notifier.ts), before the WorkbinStateChangeMessage (item-events.ts): the
// messages of two changes of one interaction are then in the order of the changes, so the last
// one a desktop gets tells where the interaction is.

import type { Interaction, InteractionLocation, MediaType, WorkbinInstance } from '../model.ts'
import type { LogEntry, LogFor } from '../store/notification-log.ts'
import type { MoveResult } from '../store/store.ts'
import { logWith } from './notifier.ts'
import type { WorkbinDeps } from './operation.ts'
import { interactionResource } from './resources.ts'

export type NotificationType = 'StatusChange' | 'PropertiesUpdated' | 'Error'

interface MediaChannel {
  channel: string
  messageType: string
  /** The key of the resource inside the message (`"workitem": {...}`). */
  key: string
}

/** The channel, message type and resource key of each media (docs/interactions.md). */
export const MEDIA_CHANNELS: Readonly<Record<MediaType, MediaChannel>> = {
  workitem: {
    channel: '/v2/me/workitems',
    messageType: 'WorkitemStateChangeMessage',
    key: 'workitem',
  },
  email: { channel: '/v2/me/emails', messageType: 'EmailStateChangeMessage', key: 'email' },
  chat: { channel: '/v2/me/chats', messageType: 'ChatStateChangeMessage', key: 'chat' },
  openmedia: {
    channel: '/v2/me/openmedia',
    messageType: 'OpenmediaStateChangeMessage',
    key: 'openmedia',
  },
  facebook: {
    channel: '/v2/me/facebook',
    messageType: 'FacebookStateChangeMessage',
    key: 'facebook',
  },
  tweet: { channel: '/v2/me/twitter', messageType: 'TwitterStateChangeMessage', key: 'twitter' },
  facebooksession: {
    channel: '/v2/me/facebook',
    messageType: 'FacebooksessionStateChangeMessage',
    key: 'facebooksession',
  },
}

export interface InteractionEvent {
  /** The interaction before the change (undefined: it was just created). */
  before?: Interaction
  /** The interaction as stored after the change. */
  after: Interaction
  notificationType: NotificationType
  /** Who asked for the change and the referenceId they were answered. */
  requester?: { userId: string; referenceId: number }
  /** The state shown to an agent the interaction left (default `Completed`). */
  leftAs?: 'Completed' | 'Revoked'
}

/** The agent handling the interaction there, or offered it (null: nobody). */
export function handlerAt(l: InteractionLocation | undefined): string | null {
  return l && (l.kind === 'owner' || l.kind === 'invited') ? l.userId : null
}

/** The 400 / 2 message of an operation that needs the interaction handled by an agent. */
export function notHandledMessage(ix: Interaction): string {
  return `Interaction ${ix.id} is ${ix.state}, not handled by an agent`
}

/** The message `data` one recipient gets. Exported for tests and docs. */
export function interactionMessage(
  event: InteractionEvent,
  recipientId: string,
  base: string,
): Record<string, unknown> {
  const { before, after, requester } = event
  const media = MEDIA_CHANNELS[after.mediaType]
  const resource = interactionResource(base, after)
  const handlerNow = handlerAt(after.location)
  if (recipientId !== handlerNow) {
    resource.capabilities = []
    // It left this agent: for a queue, another agent or completion (a put shows InWorkbin).
    if (handlerAt(before?.location) === recipientId && after.location.kind !== 'workbin') {
      resource.state = event.leftAs ?? 'Completed'
    }
  }
  const data: Record<string, unknown> = {
    messageType: media.messageType,
    notificationType: event.notificationType,
    [media.key]: resource,
  }
  if (requester && requester.userId === recipientId) data.referenceId = requester.referenceId
  return data
}

/**
 * Who is told about a change between these locations (see the header comment): the agents
 * handling it before and after, and the requester, each by name; the subscribers of a workbin
 * it left or entered through that workbin instance (one log entry, whatever their number).
 */
export interface Audience {
  users: Set<string>
  instances: WorkbinInstance[]
}

export function audienceOf(
  locations: readonly (InteractionLocation | undefined)[],
  requester?: { userId: string },
): Audience {
  const users = new Set<string>()
  const instances: WorkbinInstance[] = []
  for (const l of locations) {
    const handler = handlerAt(l)
    if (handler !== null) users.add(handler)
    // Once per instance: a change within one workbin (userData) has it before and after.
    if (
      l?.kind === 'workbin' &&
      !instances.some((i) => i.workbinId === l.workbinId && i.owner === l.owner)
    ) {
      instances.push({ workbinId: l.workbinId, owner: l.owner })
    }
  }
  if (requester) users.add(requester.userId)
  return { users, instances }
}

/** The interaction's messages as log entries (src/store/notification-log.ts). */
export function interactionEntries(
  event: InteractionEvent,
  audience: Audience,
  base: string,
): LogEntry[] {
  const channel = MEDIA_CHANNELS[event.after.mediaType].channel
  const out: LogEntry[] = [...audience.users].map((userId) => ({
    userId,
    channel,
    data: interactionMessage(event, userId, base),
  }))
  // Subscribers who are neither handler nor requester: no capabilities, no referenceId.
  const others = interactionMessage(event, '', base)
  const exclude = [...audience.users]
  for (const instance of audience.instances) {
    out.push({ instance, channel, data: others, exclude })
  }
  return out
}

/** Send the interaction's message to everyone concerned. Call after the store change. */
export async function publishInteractionEvent(
  deps: WorkbinDeps,
  event: InteractionEvent,
): Promise<void> {
  const audience = audienceOf([event.before?.location, event.after.location], event.requester)
  await deps.notifier.publish(interactionEntries(event, audience, deps.publicUrl()))
}

/**
 * Make a change of an existing interaction (`change` calls the store with the log builder it
 * is given) with its messages in the change's transaction: the interaction's own, then
 * `more` (a workbin's ItemUpdated). Delivered once committed; a failed change sends nothing.
 */
export async function changeAnnounced(
  deps: WorkbinDeps,
  event: Omit<InteractionEvent, 'after'>,
  change: (log: LogFor<Interaction> | undefined) => Promise<MoveResult>,
  more?: (after: Interaction) => LogEntry[],
): Promise<MoveResult> {
  const base = deps.publicUrl()
  const entriesOf = (after: Interaction): LogEntry[] => {
    const full = { ...event, after }
    const audience = audienceOf([event.before?.location, after.location], event.requester)
    return [...interactionEntries(full, audience, base), ...(more?.(after) ?? [])]
  }
  const logged: LogEntry[] = []
  const result = await change(logWith(deps.notifier, logged, entriesOf))
  if (result.ok) {
    deps.notifier.committed(deps.notifier.durable ? logged : entriesOf(result.interaction))
  }
  return result
}

/** A StatusChange requested by `userId` (answered `referenceId`): put, pull, accept, ... */
export function interactionMoved(
  deps: WorkbinDeps,
  before: Interaction | undefined,
  after: Interaction,
  userId: string,
  referenceId: number,
): Promise<void> {
  return publishInteractionEvent(deps, {
    ...(before ? { before } : {}),
    after,
    notificationType: 'StatusChange',
    requester: { userId, referenceId },
  })
}
