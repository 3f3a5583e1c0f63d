// The integration endpoint (additive; docs/workbins-content.md): apiuser/admin create interactions and
// either assign them to an agent or drop them into a workbin instance. The rules and shapes are
// in src/workbins/interactions.ts; docs/workbins-content.md shows them with curl.

import type { FastifyInstance } from 'fastify'
import { actorFor } from '../../workbins/access.ts'
import { changeUserData, createInteraction, getInteraction } from '../../workbins/interactions.ts'
import { offerInteraction } from '../../workbins/offers.ts'
import { callerOf, featureGate } from '../context.ts'
import type { RouteDeps } from '../deps.ts'
import {
  getInteraction as getSchema,
  postInteraction,
  postInteractions,
} from '../schemas/interactions.ts'
import { operationOf } from './operation-body.ts'

const gate = featureGate('api-multimedia')

export async function interactionRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.post('/interactions', { schema: postInteractions, preValidation: gate }, async (request) => {
    const caller = callerOf(request)
    // the schema admits only Create
    const { body } = operationOf(request.body)
    const actor = await actorFor(deps.store, caller.user, caller.contactCenter, caller.known)
    return createInteraction({ actor, body, deps })
  })

  app.get<{ Params: { id: string } }>(
    '/interactions/:id',
    { schema: getSchema, preValidation: gate },
    async (request) => {
      const caller = callerOf(request)
      const actor = await actorFor(deps.store, caller.user, caller.contactCenter, caller.known)
      return getInteraction({ actor, id: request.params.id, deps })
    },
  )

  app.post<{ Params: { id: string } }>(
    '/interactions/:id',
    { schema: postInteraction, preValidation: gate },
    async (request) => {
      const caller = callerOf(request)
      const { operationName, body } = operationOf(request.body)
      const actor = await actorFor(deps.store, caller.user, caller.contactCenter, caller.known)
      if (operationName === 'Offer')
        return offerInteraction({ actor, id: request.params.id, body, deps })
      return changeUserData({ actor, id: request.params.id, operationName, body, deps })
    },
  )
}
