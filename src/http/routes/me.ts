// GET /api/v2/me and POST /api/v2/me (StartContactCenterSession, EndContactCenterSession,
// Logout). The contact center session rules are in src/workbins/contact-center-session.ts.

import type { FastifyInstance } from 'fastify'
import { errors } from '../../errors.ts'
import {
  endContactCenterSession,
  startContactCenterSession,
} from '../../workbins/contact-center-session.ts'
import { currentUser } from '../../workbins/user-resource.ts'
import { callerOf } from '../context.ts'
import { forRequest, type RouteDeps } from '../deps.ts'
import { getMe, postMe } from '../schemas/account.ts'
import { operationOf } from './operation-body.ts'

export async function meRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/me', { schema: getMe }, async (request) => {
    const { user } = callerOf(request)
    return { statusCode: 0, user: await currentUser(deps, user) }
  })

  app.post('/me', { schema: postMe }, async (request, reply) => {
    const caller = callerOf(request)
    const { operationName, body } = operationOf(request.body)
    switch (operationName) {
      case 'StartContactCenterSession':
        // the schema allows a non-empty string or null
        await startContactCenterSession(
          forRequest(deps, request),
          caller.user,
          (body.place as string | null) ?? null,
        )
        return { statusCode: 0 }
      case 'EndContactCenterSession':
        await endContactCenterSession(forRequest(deps, request), caller.user, caller.contactCenter)
        return { statusCode: 0 }
      case 'Logout':
        // Ends this login only: its HTTP session and the CometD sessions opened with its
        // cookie. The contact center session (place, subscriptions) is left as it is.
        await deps.logout(caller, reply)
        return { statusCode: 0 }
      default:
        throw errors.invalid(`Unknown operationName ${operationName} for /me`)
    }
  })
}
