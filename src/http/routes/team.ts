// GET /api/v2/me/team (additive, not in GWS): the agent groups, place groups and agents the
// caller may use, so that a desktop (the console in console/) can build its views without
// knowing the configuration. Read-only; it shows only what the workbin URLs already accept.

import type { FastifyInstance } from 'fastify'
import type { User } from '../../model.ts'
import { actorFor, canActOnUser, isAdmin, supervisedGroups } from '../../workbins/access.ts'
import { callerOf } from '../context.ts'
import type { RouteDeps } from '../deps.ts'

function agentSummary(user: User) {
  return {
    id: user.id,
    userName: user.userName,
    firstName: user.firstName,
    lastName: user.lastName,
    place: user.place,
  }
}

export async function teamRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/me/team', async (request) => {
    const caller = callerOf(request)
    const actor = await actorFor(deps.store, caller.user, caller.contactCenter)
    const { directory, user } = actor
    const admin = isAdmin(user)
    const supervised = new Set(supervisedGroups(directory, user).map((g) => g.name))

    const agentGroups = directory.agentGroups
      .filter((g) => admin || g.members.includes(user.id) || supervised.has(g.name))
      .map((g) => ({
        name: g.name,
        member: g.members.includes(user.id),
        supervised: supervised.has(g.name),
        // members are named only to those who may act on them
        members: admin || supervised.has(g.name) ? g.members : [],
      }))

    const myPlaceGroups =
      directory.places.find((p) => p.name === actor.currentPlace)?.placeGroups ?? []
    const placeGroups = admin ? directory.placeGroups.map((g) => g.name) : myPlaceGroups

    // Everyone the caller may name in /users/{userId}, themselves excepted.
    const agents = directory.users
      .filter((u) => u.id !== user.id && u.roles.includes('agent') && canActOnUser(actor, u))
      .map(agentSummary)

    return {
      statusCode: 0,
      team: { place: actor.currentPlace, agentGroups, placeGroups, agents },
    }
  })
}
