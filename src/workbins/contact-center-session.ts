// The contact center session of an agent (docs/api.md "Conventions", POST /me):
// StartContactCenterSession takes a place, EndContactCenterSession gives it back and ends the
// user's subscriptions and CometD sessions. A login (HTTP session) is not a contact center
// session: Logout leaves this state as it is.

import { errors } from '../errors.ts'
import type { ContactCenter, User } from '../model.ts'
import { actorFor } from './access.ts'
import type { WorkbinDeps } from './operation.ts'
import { endPlaceSubscriptions, endSubscriptions } from './subscriptions.ts'

/**
 * Start a session, at `place` when given (null: keep the current place). One agent per place
 * (docs/workbins-subscriptions.md "Places"): an occupant idle past the session expiry counts as
 * gone. Moving to another place ends the subscriptions that no longer apply: the previous
 * occupant's to the new place's workbins, and the user's to the place they left.
 */
export async function startContactCenterSession(
  deps: WorkbinDeps,
  user: User,
  place: string | null,
): Promise<void> {
  if (place !== null) {
    const directory = await deps.store.getDirectory(user.contactCenterId)
    if (!directory?.places.some((p) => p.name === place)) {
      throw errors.notFound(`Place ${place} not found`)
    }
    const before = await deps.store.getCurrentPlace(user.id)
    const staleBefore = Date.now() - deps.config.sessionIdleSeconds * 1000
    const taken = await deps.store.occupyPlace(user.id, user.contactCenterId, place, staleBefore)
    if (!taken.ok) throw errors.inUse(`Place ${place} is in use by another agent`)
    if (before !== place) {
      const me = user.id
      await endPlaceSubscriptions(deps, directory, place, (id) => id !== me)
      if (taken.released !== null) {
        await endPlaceSubscriptions(deps, directory, taken.released, (id) => id === me)
      }
    }
  }
  deps.log.info({ userId: user.id, place }, 'contact center session started')
}

/**
 * End the session: drop every workbin subscription (one Unsubscribed message each), then end
 * the user's CometD sessions, free their place and drop their media channels.
 */
export async function endContactCenterSession(
  deps: WorkbinDeps,
  user: User,
  contactCenter: ContactCenter,
): Promise<void> {
  const actor = await actorFor(deps.store, user, contactCenter)
  await endSubscriptions(deps, actor)
  await deps.notifier.disconnectUser(user.id)
  await deps.store.releasePlace(user.id)
  await deps.store.clearChannels(user.id)
  deps.log.info({ userId: user.id }, 'contact center session ended')
}
