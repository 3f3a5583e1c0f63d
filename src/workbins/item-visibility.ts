// Who may read an interaction at its `uri` while it sits in a workbin: everybody who can see
// that workbin item, i.e. who may use the workbin instance it is in (access.ts rules, asked the
// way a URL would name the instance). docs/interactions.md "Reading an interaction".

import { GwsError } from '../errors.ts'
import type { Interaction, User } from '../model.ts'
import type { Store } from '../store/store.ts'
import { actorFor, canSeeInteraction, findWorkbin, resolveInstance } from './access.ts'
import type { TargetSpec } from './operation.ts'

type Reader = Pick<
  Store,
  | 'getDirectory'
  | 'getDirectoryVersion'
  | 'getContactCenter'
  | 'getCurrentPlace'
  | 'getPlaceOccupant'
>

/**
 * Whether `user` may read the interaction at its `uri`: its handler or invitee, admin / apiuser,
 * or, while it sits in a workbin, whoever sees that item (docs/interactions.md "Reading an
 * interaction"). Also what decides whether a refusal may say more than "not found".
 */
export async function mayReadAtUri(store: Reader, user: User, ix: Interaction): Promise<boolean> {
  return canSeeInteraction(user, ix) || maySeeWorkbinItem(store, user, ix)
}

export async function maySeeWorkbinItem(
  store: Reader,
  user: User,
  ix: Interaction,
): Promise<boolean> {
  const l = ix.location
  if (l.kind !== 'workbin') return false
  const contactCenter = await store.getContactCenter(user.contactCenterId)
  if (!contactCenter) return false
  try {
    const actor = await actorFor(store, user, contactCenter)
    const workbin = findWorkbin(actor, l.workbinId)
    const spec: TargetSpec =
      workbin.type === 'Agent'
        ? l.owner === user.id
          ? {}
          : { userId: l.owner }
        : workbin.type === 'AgentGroup'
          ? { agentGroup: l.owner }
          : workbin.type === 'PlaceGroup'
            ? { placeGroup: l.owner }
            : {}
    const resolved = await resolveInstance(store, actor, l.workbinId, spec)
    return resolved.instance.owner === l.owner
  } catch (err) {
    if (err instanceof GwsError) return false // not a workbin this user may use
    throw err
  }
}
