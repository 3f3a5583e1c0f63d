// The user resource of `GET /api/v2/me` (docs/api.md "Conventions").

import type { Role, User } from '../model.ts'
import type { WorkbinDeps } from './operation.ts'
import { placeOf } from './place.ts'

const ROLE_NAMES: Record<Role, string> = {
  agent: 'ROLE_AGENT',
  supervisor: 'ROLE_SUPERVISOR',
  admin: 'ROLE_ADMIN',
  apiuser: 'ROLE_API',
}

export function userResource(user: User, place: string | null) {
  return {
    id: user.id,
    userName: user.userName,
    firstName: user.firstName,
    lastName: user.lastName,
    roles: user.roles.map((r) => ROLE_NAMES[r]),
    contactCenterId: user.contactCenterId,
    place,
  }
}

/** The user with the place they work at now (place.ts). */
export async function currentUser(deps: Pick<WorkbinDeps, 'store'>, user: User) {
  return userResource(user, await placeOf(deps.store, user))
}
