// The team view of `GET /api/v2/me/team` (additive, docs/api.md "Conventions"): the agent
// groups, place groups and agents the caller may use, so that a desktop can build its views
// without knowing the configuration. It shows only what the workbin URLs already accept
// (access.ts), and names a group's members only to those who may act on them.

import type { ContactCenter, User } from '../model.ts'
import { actorFor, canActOnUser, isAdmin, supervisedGroups } from './access.ts'
import type { WorkbinDeps } from './operation.ts'

function agentSummary(user: User) {
  return {
    id: user.id,
    userName: user.userName,
    firstName: user.firstName,
    lastName: user.lastName,
    place: user.place,
  }
}

export async function teamOf(
  deps: Pick<WorkbinDeps, 'store'>,
  caller: User,
  contactCenter: ContactCenter,
) {
  const actor = await actorFor(deps.store, caller, contactCenter)
  const { directory, user } = actor
  const admin = isAdmin(user)
  const supervised = new Set(supervisedGroups(directory, user).map((g) => g.name))

  const agentGroups = directory.agentGroups
    .filter((g) => admin || g.members.includes(user.id) || supervised.has(g.name))
    .map((g) => ({
      name: g.name,
      member: g.members.includes(user.id),
      supervised: supervised.has(g.name),
      members: admin || supervised.has(g.name) ? g.members : [],
    }))

  const myPlaceGroups =
    directory.places.find((p) => p.name === actor.currentPlace)?.placeGroups ?? []
  const placeGroups = admin ? directory.placeGroups.map((g) => g.name) : myPlaceGroups

  // Everyone the caller may name in /users/{userId}, themselves excepted.
  const agents = directory.users
    .filter((u) => u.id !== user.id && u.roles.includes('agent') && canActOnUser(actor, u))
    .map(agentSummary)

  return { place: actor.currentPlace, agentGroups, placeGroups, agents }
}
