// GET /api/v2/me and POST /api/v2/me (StartContactCenterSession, EndContactCenterSession,
// Logout). The contact center session rules are in src/workbins/contact-center-session.ts.

import type { FastifyInstance } from 'fastify'
import { errors } from '../../errors.ts'
import {
  endContactCenterSession,
  startContactCenterSession,
} from '../../workbins/contact-center-session.ts'
import { parseSessionChannels, startChannels } from '../../workbins/channels.ts'
import { currentUserWith, parseUserSubresources } from '../../workbins/user-resource.ts'
import { callerOf } from '../context.ts'
import { forRequest, type RouteDeps } from '../deps.ts'
import { getMe, postMe } from '../schemas/account.ts'
import { operationOf } from './operation-body.ts'

export async function meRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get<{ Querystring: { subresources?: string } }>('/me', { schema: getMe }, async (request) => {
    const { user, contactCenter } = callerOf(request)
    const subresources = parseUserSubresources(request.query.subresources)
    return {
      statusCode: 0,
      user: await currentUserWith(deps, user, contactCenter, subresources),
    }
  })

  app.post('/me', { schema: postMe }, async (request, reply) => {
    const caller = callerOf(request)
    const { operationName, body } = operationOf(request.body)
    switch (operationName) {
      case 'StartContactCenterSession': {
        // Checked before anything changes: a bad channel list is 400 / 2 and changes nothing.
        const channels =
          body.channels === undefined
            ? null
            : parseSessionChannels(body.channels, deps.config.maxChannelsPerUser)
        // the schema allows a non-empty string or null
        await startContactCenterSession(
          forRequest(deps, request),
          caller.user,
          (body.place as string | null) ?? null,
        )
        if (channels !== null) await startChannels(deps, caller.user, channels)
        return { statusCode: 0 }
      }
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
