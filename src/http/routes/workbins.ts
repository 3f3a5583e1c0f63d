// The Workbins API URLs (docs/api.md "Workbin endpoints"). Every route checks `api-multimedia` first
// (404 / 6 when the feature is off), then builds the Actor and resolves + authorizes
// the workbin instance(s) with src/workbins/access.ts before anything else happens.
//
// This file dispatches; src/workbins/ implements:
//   - POST `/…/workbins/{id}`: Subscribe / Unsubscribe are src/workbins/subscriptions.ts; every
//     other operationName is looked up in `contentOperations` (src/workbins/content-operations.ts)
//     and called with the already resolved instance.
//   - POST `/workbins` without `workbinIds` semantics (RequestAgentStats): `collectionOperations`
//     of the same file.
//   - GET with `subresources`, GET `/…/workbins/{id}/{mediaType}` (and the documented
//     `/{userId}/workbins/{id}/{mediaType}`) and GET `/…/workbins?workbinIds=a,b`:
//     `contentView` of src/workbins/content-view.ts, called with the resolved instances.
//   GET `/…/workbins/{id}` without `subresources` and the lists are answered here
//   (src/workbins/definitions.ts).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errors } from '../../errors.ts'
import {
  actorFor,
  findWorkbin,
  resolveInstance,
  resolveInstances,
  resolveTargetUser,
} from '../../workbins/access.ts'
import { collectionOperations, contentOperations } from '../../workbins/content-operations.ts'
import { StreamedJson } from '../../workbins/content-chunks.ts'
import { contentView } from '../../workbins/content-view.ts'
import { listedWorkbins, workbinListReply, workbinReply } from '../../workbins/definitions.ts'
import type {
  Actor,
  OperationHandler,
  OperationReply,
  TargetSpec,
} from '../../workbins/operation.ts'
import {
  changeManySubscriptions,
  isSubscriptionOperation,
  subscriptionOperations,
} from '../../workbins/subscriptions.ts'
import { parseWorkbinIds } from '../../workbins/workbin-ids.ts'
import { callerOf, featureGate } from '../context.ts'
import { forRequest, type RouteDeps } from '../deps.ts'
import { byUserMedia, workbinSchemas } from '../schemas/workbins.ts'
import { operationOf } from './operation-body.ts'

/** The three URL families of a workbin collection. */
type Scope = 'collection' | 'me' | 'user'

const PREFIX: Record<Scope, string> = {
  collection: '/workbins',
  me: '/me/workbins',
  user: '/users/:userId/workbins',
}

type Params = { userId?: string; id?: string; mediaType?: string }
type Query = Record<string, unknown>

/** Content read in chunks arrives as a stream of JSON text (src/workbins/content-chunks.ts). */
function sendContent(reply: FastifyReply, content: OperationReply | StreamedJson) {
  if (!(content instanceof StreamedJson)) return content
  // 'close': written to the socket, or the connection is gone; either way no write is pending.
  if (reply.raw.closed) content.release()
  else reply.raw.once('close', content.release)
  reply.type('application/json').header('content-length', content.bytes)
  return content.body
}

function targetSpec(query: Query, userId: string | undefined): TargetSpec {
  const spec: TargetSpec = {}
  if (userId !== undefined) spec.userId = userId
  // single strings: the route's schema answers 400 / 2 to a repeated one
  const agentGroup = query.agentGroup as string | undefined
  const placeGroup = query.placeGroup as string | undefined
  if (agentGroup !== undefined) spec.agentGroup = agentGroup
  if (placeGroup !== undefined) spec.placeGroup = placeGroup
  return spec
}

export async function workbinRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const base = () => deps.publicUrl()

  // the feature gate runs as preValidation hook, before the schemas (404 / 6 first)
  const gate = featureGate('api-multimedia')
  async function actorOf(request: FastifyRequest): Promise<Actor> {
    const caller = callerOf(request)
    return actorFor(deps.store, caller.user, caller.contactCenter, caller.known)
  }

  const parts = (request: FastifyRequest) => ({
    params: request.params as Params,
    query: (request.query ?? {}) as Query,
  })

  /** GET /workbins, /me/workbins, /users/{userId}/workbins — lists. */
  const getList = (scope: Scope) => async (request: FastifyRequest, reply: FastifyReply) => {
    const actor = await actorOf(request)
    const { params, query } = parts(request)
    if (query.workbinIds !== undefined) {
      // several instances at once (GET /me/workbins?workbinIds=a,b&subresources=*)
      const ids = parseWorkbinIds(query.workbinIds as string | string[], deps.config.maxWorkbinIds)
      const targets = await resolveInstances(
        deps.store,
        actor,
        ids,
        targetSpec(query, params.userId),
      )
      const content = await contentView({
        actor,
        targets,
        many: true,
        mediaType: undefined,
        query,
        deps,
      })
      return sendContent(reply, content)
    }
    if (scope === 'user') resolveTargetUser(actor, params.userId)
    const workbins = listedWorkbins(actor, scope === 'collection' ? 'contactCenter' : 'user')
    return workbinListReply(base(), workbins, query)
  }

  /** GET /…/workbins/{id} — one workbin, with content when `subresources` is given. */
  const getOne = async (request: FastifyRequest, reply: FastifyReply) => {
    const actor = await actorOf(request)
    const { params, query } = parts(request)
    const id = params.id as string
    const spec = targetSpec(query, params.userId)
    if (query.subresources !== undefined) {
      const target = await resolveInstance(deps.store, actor, id, spec)
      const content = await contentView({
        actor,
        targets: [target],
        many: false,
        mediaType: undefined,
        query,
        deps,
      })
      return sendContent(reply, content)
    }
    if (spec.agentGroup !== undefined || spec.placeGroup !== undefined) {
      // a group named: validate it as for any operation on the instance
      const target = await resolveInstance(deps.store, actor, id, spec)
      return workbinReply(base(), target.workbin, query)
    }
    // the definition alone: visible like in the /workbins list (no owner needed)
    resolveTargetUser(actor, spec.userId)
    return workbinReply(base(), findWorkbin(actor, id), query)
  }

  /** GET /…/workbins/{id}/{mediaType} — content of one media type. */
  const getMedia = async (request: FastifyRequest, reply: FastifyReply) => {
    const actor = await actorOf(request)
    const { params, query } = parts(request)
    const target = await resolveInstance(
      deps.store,
      actor,
      params.id as string,
      targetSpec(query, params.userId),
    )
    const content = await contentView({
      actor,
      targets: [target],
      many: false,
      mediaType: params.mediaType,
      query,
      deps,
    })
    return sendContent(reply, content)
  }

  /** POST /workbins, /me/workbins, /users/{userId}/workbins (Subscribe, Unsubscribe, content operations, RequestAgentStats). */
  const postList = (scope: Scope) => async (request: FastifyRequest) => {
    const actor = await actorOf(request)
    const { params, query } = parts(request)
    const { operationName, body } = operationOf(request.body)
    if (isSubscriptionOperation(operationName)) {
      const ids = parseWorkbinIds(
        query.workbinIds as string | string[] | undefined,
        deps.config.maxWorkbinIds,
      )
      // all-or-nothing: every workbin is resolved and authorized before any change
      const targets = await resolveInstances(
        deps.store,
        actor,
        ids,
        targetSpec(query, params.userId),
      )
      return changeManySubscriptions(deps, actor, operationName, targets)
    }
    if (scope === 'collection' && Object.hasOwn(collectionOperations, operationName)) {
      const operation = collectionOperations[operationName]
      if (operation) return operation({ actor, body, deps: forRequest(deps, request) })
    }
    throw errors.invalid(`Unknown operationName ${operationName} for ${PREFIX[scope]}`)
  }

  /** POST /…/workbins/{id} — Subscribe, Unsubscribe, content operations. */
  const postOne = (scope: Scope) => async (request: FastifyRequest) => {
    const actor = await actorOf(request)
    const { params, query } = parts(request)
    const { operationName, body } = operationOf(request.body)
    // the schema admits only these, so an unknown operationName is 400 / 2 before the
    // workbin is looked at; the check stays for a table and schema out of step
    const handler: OperationHandler | undefined = isSubscriptionOperation(operationName)
      ? subscriptionOperations[operationName]
      : Object.hasOwn(contentOperations, operationName)
        ? contentOperations[operationName]
        : undefined
    if (!handler) {
      throw errors.invalid(`Unknown operationName ${operationName} for ${PREFIX[scope]}/{id}`)
    }
    const target = await resolveInstance(
      deps.store,
      actor,
      params.id as string,
      targetSpec(query, params.userId),
    )
    const reply: OperationReply = await handler({
      actor,
      target,
      body,
      deps: forRequest(deps, request),
    })
    return reply
  }

  for (const scope of ['collection', 'me', 'user'] as const) {
    const prefix = PREFIX[scope]
    const schemas = workbinSchemas(scope)
    const at = (schema: object) => ({ schema, preValidation: gate })
    app.get(prefix, at(schemas.list), getList(scope))
    app.get(`${prefix}/:id`, at(schemas.one), getOne)
    app.get(`${prefix}/:id/:mediaType`, at(schemas.media), getMedia)
    app.post(prefix, at(schemas.postList), postList(scope))
    app.post(`${prefix}/:id`, at(schemas.postOne), postOne(scope))
  }

  // the GWS docs print the by-user media GET without `/users/`; serve it as printed.
  const userIdOnly = async (request: FastifyRequest) => {
    const { userId } = request.params as Params
    if (!/^[0-9a-f]{32}$/.test(userId ?? '')) throw errors.notFound('Resource not found')
  }
  app.get(
    '/:userId/workbins/:id/:mediaType',
    { schema: byUserMedia, preValidation: [userIdOnly, gate] },
    getMedia,
  )
}
