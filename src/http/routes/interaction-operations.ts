// Operations on the caller's interactions (`POST /me/workitems/{id}`, ...), Create of workitems
// and open media, and the queues. The rules are in src/workbins/interaction-operations.ts,
// create-own.ts and queues.ts (docs/interactions.md).

import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { MediaType } from '../../model.ts'
import { actorFor } from '../../workbins/access.ts'
import { createOwnInteraction } from '../../workbins/create-own.ts'
import { interactionOperation } from '../../workbins/interaction-operations.ts'
import { queueItem, queueList } from '../../workbins/queues.ts'
import { callerOf, featureGate } from '../context.ts'
import { forRequest, type RouteDeps } from '../deps.ts'
import {
  getQueue,
  getQueues,
  postCreate,
  postInteractionOperation,
} from '../schemas/interaction-operations.ts'
import { OpenmediaItemParams, OpenmediaParams } from '../schemas/media.ts'
import { operationOf } from './operation-body.ts'

const preValidation = featureGate('api-multimedia')

const actorOf = (deps: RouteDeps, request: FastifyRequest) => {
  const caller = callerOf(request)
  return actorFor(deps.store, caller.user, caller.contactCenter, caller.known)
}

export async function interactionOperationRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
): Promise<void> {
  const simple: [string, MediaType][] = [
    ['emails', 'email'],
    ['chats', 'chat'],
    ['workitems', 'workitem'],
    ['facebook', 'facebook'],
    ['tweets', 'tweet'],
    ['facebooksessions', 'facebooksession'],
  ]
  for (const [segment, media] of simple) {
    app.post<{ Params: { id: string } }>(
      `/me/${segment}/:id`,
      { schema: postInteractionOperation(), preValidation },
      async (request) => {
        const { operationName, body } = operationOf(request.body)
        return interactionOperation({
          deps: forRequest(deps, request),
          actor: await actorOf(deps, request),
          target: { media, id: request.params.id },
          operationName,
          body,
        })
      },
    )
  }
  app.post<{ Params: { mediaType: string; id: string } }>(
    '/me/openmedia/:mediaType/:id',
    { schema: postInteractionOperation(OpenmediaItemParams), preValidation },
    async (request) => {
      const { operationName, body } = operationOf(request.body)
      return interactionOperation({
        deps: forRequest(deps, request),
        actor: await actorOf(deps, request),
        target: {
          media: 'openmedia',
          id: request.params.id,
          openmediaType: request.params.mediaType,
        },
        operationName,
        body,
      })
    },
  )

  app.post('/me/workitems', { schema: postCreate(), preValidation }, async (request) =>
    createOwnInteraction({
      deps: forRequest(deps, request),
      actor: await actorOf(deps, request),
      media: 'workitem',
      body: operationOf(request.body).body,
    }),
  )
  app.post<{ Params: { mediaType: string } }>(
    '/me/openmedia/:mediaType',
    { schema: postCreate(OpenmediaParams), preValidation },
    async (request) =>
      createOwnInteraction({
        deps: forRequest(deps, request),
        actor: await actorOf(deps, request),
        media: 'openmedia',
        openmediaType: request.params.mediaType,
        body: operationOf(request.body).body,
      }),
  )

  app.get<{ Querystring: Record<string, unknown> }>(
    '/queues',
    { schema: getQueues },
    async (request) => queueList(await actorOf(deps, request), deps.publicUrl(), request.query),
  )
  app.get<{ Params: { id: string } }>('/queues/:id', { schema: getQueue }, async (request) =>
    queueItem(await actorOf(deps, request), deps.publicUrl(), request.params.id),
  )
}
