// The user resource of `GET /api/v2/me` (docs/api.md "Conventions").

import { errors } from '../errors.ts'
import type { ContactCenter, Role, User } from '../model.ts'
import { channelResource } from './channels.ts'
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

/** What `GET /me?subresources=` may embed in the user (docs/api.md "Channels and agent states"). */
export const USER_SUBRESOURCES = ['features', 'devices', 'channels', 'settings'] as const
export type UserSubresource = (typeof USER_SUBRESOURCES)[number]

/** `*` or a comma-separated list of USER_SUBRESOURCES; anything else is 400 / 2. */
export function parseUserSubresources(raw: string | undefined): UserSubresource[] {
  if (raw === undefined) return []
  const words = raw
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '')
  if (words.includes('*')) return [...USER_SUBRESOURCES]
  for (const w of words) {
    if (!(USER_SUBRESOURCES as readonly string[]).includes(w)) {
      throw errors.invalid(`Unknown subresource ${w}: use ${USER_SUBRESOURCES.join(', ')} or *`)
    }
  }
  return USER_SUBRESOURCES.filter((s) => words.includes(s))
}

/**
 * The user with the subresources asked for: what exists here (features; channels from
 * StartContactCenterSession) and empty lists for what this server does not have (devices:
 * no voice; settings: no per-user settings).
 */
export async function currentUserWith(
  deps: Pick<WorkbinDeps, 'store' | 'publicUrl'>,
  user: User,
  cc: ContactCenter,
  subresources: readonly UserSubresource[],
) {
  const resource: Record<string, unknown> = await currentUser(deps, user)
  for (const s of subresources) {
    switch (s) {
      case 'features':
        resource.features = cc.features.map((id) => ({
          id,
          name: id,
          uri: `${deps.publicUrl()}/features/${id}`,
        }))
        break
      case 'channels':
        resource.channels = (await deps.store.listChannels(user.id)).map((c) =>
          channelResource(cc, c),
        )
        break
      case 'devices':
      case 'settings':
        resource[s] = []
        break
    }
  }
  return resource
}
