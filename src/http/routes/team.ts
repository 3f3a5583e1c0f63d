// GET /api/v2/me/team (additive, not in GWS); the view is src/workbins/team.ts.

import type { FastifyInstance } from 'fastify'
import { teamOf } from '../../workbins/team.ts'
import { callerOf } from '../context.ts'
import type { RouteDeps } from '../deps.ts'
import { getTeam } from '../schemas/account.ts'

export async function teamRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/me/team', { schema: getTeam }, async (request) => {
    const { user, contactCenter } = callerOf(request)
    return { statusCode: 0, team: await teamOf(deps, user, contactCenter) }
  })
}
