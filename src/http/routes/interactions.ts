// The integration endpoint (additive; docs/workbins-content.md): apiuser/admin create interactions and
// either assign them to an agent or drop them into a workbin instance. The rules and shapes are
// in src/workbins/interactions.ts; docs/workbins-content.md shows them with curl.

import type { FastifyInstance } from 'fastify'
import { errors } from '../../errors.ts'
import { actorFor } from '../../workbins/access.ts'
import { changeUserData, createInteraction, getInteraction } from '../../workbins/interactions.ts'
import { callerOf, requireFeature } from '../context.ts'
import type { RouteDeps } from '../deps.ts'
import { operationOf } from './operation-body.ts'

const FEATURE = 'api-multimedia'

export async function interactionRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.post('/interactions', async (request) => {
    const caller = callerOf(request)
    requireFeature(caller, FEATURE)
    const { operationName, body } = operationOf(request.body)
    if (operationName !== 'Create') throw errors.invalid(`Unknown operation ${operationName}`)
    const actor = await actorFor(deps.store, caller.user, caller.contactCenter)
    return createInteraction({ actor, body, deps })
  })

  app.get<{ Params: { id: string } }>('/interactions/:id', async (request) => {
    const caller = callerOf(request)
    requireFeature(caller, FEATURE)
    const actor = await actorFor(deps.store, caller.user, caller.contactCenter)
    return getInteraction({ actor, id: request.params.id, deps })
  })

  app.post<{ Params: { id: string } }>('/interactions/:id', async (request) => {
    const caller = callerOf(request)
    requireFeature(caller, FEATURE)
    const { operationName, body } = operationOf(request.body)
    const actor = await actorFor(deps.store, caller.user, caller.contactCenter)
    return changeUserData({ actor, id: request.params.id, operationName, body, deps })
  })
}
