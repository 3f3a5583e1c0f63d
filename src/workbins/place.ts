// The place a user works at, which decides the Place and PlaceGroup workbins they use
// (docs/workbins-subscriptions.md "Places"): the place they occupy since
// StartContactCenterSession, else their provisioned default place while no other agent
// occupies it, else none.

import type { User } from '../model.ts'
import type { Store } from '../store/store.ts'

export type PlaceReader = Pick<Store, 'getCurrentPlace' | 'getPlaceOccupant'>

export async function placeOf(store: PlaceReader, user: User): Promise<string | null> {
  const occupied = await store.getCurrentPlace(user.id)
  if (occupied !== null) return occupied
  if (user.place === null) return null
  return placeFrom(user, null, await store.getPlaceOccupant(user.contactCenterId, user.place))
}

/** The rule of placeOf on facts already read: the occupied place, and who holds user.place. */
export function placeFrom(
  user: User,
  occupied: string | null,
  occupant: string | null,
): string | null {
  if (occupied !== null) return occupied
  if (user.place === null) return null
  // a default place is not a claim: an agent who took it with a session wins
  return occupant === null || occupant === user.id ? user.place : null
}
