// WorkbinSubscriptionStateChangeMessage (docs/workbins-subscriptions.md): the `data` of the CometD
// message that answers Subscribe / Unsubscribe on the caller's `/v2/me/workbins` channel.

import type { Workbin, WorkbinInstance } from '../model.ts'
import type { ResolvedInstance } from './operation.ts'

export type SubscriptionState = 'Subscribed' | 'Unsubscribed' | 'RequestFailed'

/** What a message says about the instance: the workbin id and the optional owner fields. */
export interface SubscriptionSubject {
  workbinId: string
  /** Only on `/users/{userId}/...` requests. */
  workbinUserId?: string
  /** Only for AgentGroup instances. */
  agentGroup?: string
  /** Only for PlaceGroup instances (included on Unsubscribe too). */
  placeGroup?: string
  /**
   * Only for Place instances reached through `/users/{userId}/...` or ended without a request
   * (EndContactCenterSession, a move): the place, an addition to GWS, by which a supervisor
   * watching several agents' Place workbins (one workbin id) tells their messages apart.
   */
  place?: string
}

export function subjectOf(target: ResolvedInstance): SubscriptionSubject {
  return {
    workbinId: target.workbin.id,
    workbinUserId: target.workbinUserId,
    agentGroup: target.agentGroup,
    placeGroup: target.placeGroup,
    // Through /me it is the caller's own place: GWS's shape, nothing added.
    place:
      target.workbin.type === 'Place' && target.workbinUserId !== undefined
        ? target.instance.owner
        : undefined,
  }
}

/**
 * The subject of a stored subscription, when no request URL is at hand (EndContactCenterSession):
 * an Agent instance owned by someone else carries `workbinUserId` = its owner (the subscriber
 * reached it through `/users/{userId}`); group instances carry their group name. `workbin` is
 * undefined when the definition has been removed since; the message then names the id only.
 */
export function subjectOfStored(
  subscriberId: string,
  instance: WorkbinInstance,
  workbin: Workbin | undefined,
): SubscriptionSubject {
  const subject: SubscriptionSubject = { workbinId: instance.workbinId }
  switch (workbin?.type) {
    case 'Agent':
      if (instance.owner !== subscriberId) subject.workbinUserId = instance.owner
      break
    case 'AgentGroup':
      subject.agentGroup = instance.owner
      break
    case 'PlaceGroup':
      subject.placeGroup = instance.owner
      break
    case 'Place':
      subject.place = instance.owner
      break
    default:
      break
  }
  return subject
}

/**
 * `{messageType, id, stateResource, referenceId, workbinUserId?, agentGroup?, placeGroup?, place?,
 * statusMessage?}` — optional keys are absent, never null.
 */
export function subscriptionStateMessage(
  subject: SubscriptionSubject,
  stateResource: SubscriptionState,
  referenceId: number,
  statusMessage?: string,
): Record<string, unknown> {
  const data: Record<string, unknown> = {
    messageType: 'WorkbinSubscriptionStateChangeMessage',
    id: subject.workbinId,
    stateResource,
    referenceId,
  }
  if (subject.workbinUserId !== undefined) data.workbinUserId = subject.workbinUserId
  if (subject.agentGroup !== undefined) data.agentGroup = subject.agentGroup
  if (subject.placeGroup !== undefined) data.placeGroup = subject.placeGroup
  if (subject.place !== undefined) data.place = subject.place
  // statusMessage only with RequestFailed
  if (stateResource === 'RequestFailed' && statusMessage !== undefined) {
    data.statusMessage = statusMessage
  }
  return data
}
