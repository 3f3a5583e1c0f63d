// GET /api/v2/me and POST /api/v2/me (StartContactCenterSession, EndContactCenterSession,
// Logout).
// Contract §3 "Supporting endpoints".

import type { FastifyInstance } from 'fastify'
import { errors } from '../../errors.ts'
import type { Role, User } from '../../model.ts'
import { actorFor } from '../../workbins/access.ts'
import { placeOf } from '../../workbins/place.ts'
import { endPlaceSubscriptions, endSubscriptions } from '../../workbins/subscriptions.ts'
import { callerOf } from '../context.ts'
import type { RouteDeps } from '../deps.ts'
import { operationOf } from './operation-body.ts'

const ROLE_NAMES: Record<Role, string> = {
  agent: 'ROLE_AGENT',
  supervisor: 'ROLE_SUPERVISOR',
  admin: 'ROLE_ADMIN',
  apiuser: 'ROLE_API',
}

/** The user resource of contract §3 (`GET /api/v2/me`). */
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

export async function meRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/me', async (request) => {
    const { user } = callerOf(request)
    const place = await placeOf(deps.store, user)
    return { statusCode: 0, user: userResource(user, place) }
  })

  app.post('/me', async (request, reply) => {
    const caller = callerOf(request)
    const { operationName, body } = operationOf(request.body)
    switch (operationName) {
      case 'StartContactCenterSession': {
        const place = body.place
        if (place !== undefined && place !== null) {
          if (typeof place !== 'string' || place === '') {
            throw errors.invalid('place must be a place name')
          }
          const directory = await deps.store.getDirectory(caller.contactCenter.id)
          if (!directory?.places.some((p) => p.name === place)) {
            throw errors.notFound(`Place ${place} not found`)
          }
          // one agent per place; an occupant idle past the session expiry counts as gone
          const before = await deps.store.getCurrentPlace(caller.user.id)
          const staleBefore = Date.now() - deps.config.sessionIdleSeconds * 1000
          const taken = await deps.store.occupyPlace(
            caller.user.id,
            caller.contactCenter.id,
            place,
            staleBefore,
          )
          if (!taken.ok) throw errors.inUse(`Place ${place} is in use by another agent`)
          if (before !== place) {
            const me = caller.user.id
            await endPlaceSubscriptions(deps, directory, place, (id) => id !== me)
            if (taken.released !== null) {
              await endPlaceSubscriptions(deps, directory, taken.released, (id) => id === me)
            }
          }
        }
        deps.log.info({ userId: caller.user.id, place }, 'contact center session started')
        return { statusCode: 0 }
      }
      case 'EndContactCenterSession': {
        // Contract §3: drop every workbin subscription (one Unsubscribed message each),
        // then end the user's CometD sessions.
        const actor = await actorFor(deps.store, caller.user, caller.contactCenter)
        await endSubscriptions(deps, actor)
        deps.notifier.disconnectUser(caller.user.id)
        await deps.store.releasePlace(caller.user.id)
        deps.log.info({ userId: caller.user.id }, 'contact center session ended')
        return { statusCode: 0 }
      }
      case 'Logout': {
        // Ends this login only: its HTTP session and the CometD sessions opened with its
        // cookie. The contact center session (place, subscriptions) is left as it is.
        await deps.logout(caller, reply)
        return { statusCode: 0 }
      }
      default:
        throw errors.invalid(`Unknown operationName ${operationName} for /me`)
    }
  })
}
