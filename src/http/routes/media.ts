// The GWS media resources an agent's own interactions are listed under (contract §4.2; digest
// §6): `/me/emails`, `/me/chats`, `/me/workitems`, `/me/openmedia/{mediaType}`, `/me/facebook`,
// `/me/tweets`, `/me/facebooksessions`, each with `/{id}`, plus the `uri` targets of workbin
// items (`/workitems/{id}`, `/openmedia/{mediaType}s/{id}`, `/social-medias/{id}`).
//
// Lists follow contract §3: no `fields` → `{statusCode:0, uris:[...]}`; `fields=*` → the
// objects under the collection key (`emails`, ...); `fields=a,b` → only those fields. A query
// parameter named like a scalar field (id, state, mediaType, receivedDate, the type fields)
// filters (`?state=Processing`, digest §2.5); other parameters are ignored.
// One item: `{statusCode:0, email:{...}}`. Someone else's interaction, or one in a workbin, is
// not found here (404 / 6) — except for admin/apiuser on the `uri` targets.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errors } from '../../errors.ts'
import type { Interaction, MediaType } from '../../model.ts'
import { isAdmin } from '../../workbins/access.ts'
import { MEDIA, interactionResource } from '../../workbins/resources.ts'
import { callerOf, requireFeature, type Caller } from '../context.ts'
import type { RouteDeps } from '../deps.ts'
import { listReply, parseFields } from '../../fields.ts'

const FEATURE = 'api-multimedia'

type Query = Record<string, unknown>

function gate(request: FastifyRequest): Caller {
  const caller = callerOf(request)
  requireFeature(caller, FEATURE)
  return caller
}

/** The scalar fields a query parameter may filter on (digest §2.5); other parameters are ignored. */
const FILTERS: ReadonlySet<string> = new Set([
  'id',
  'state',
  'mediaType',
  'receivedDate',
  ...Object.values(MEDIA).flatMap((m) => (m.typeField ? [m.typeField] : [])),
  'emailType',
])

/** Filter resources by query parameters named like one of their scalar fields. */
function filtered(resources: Record<string, unknown>[], query: Query): Record<string, unknown>[] {
  let out = resources
  for (const [k, raw] of Object.entries(query)) {
    if (!FILTERS.has(k)) continue
    const values = (Array.isArray(raw) ? raw : [raw]).map(String)
    out = out.filter((r) => {
      const v = r[k]
      return (typeof v === 'string' || typeof v === 'number') && values.includes(String(v))
    })
  }
  return out
}

export async function mediaRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  async function owned(caller: Caller, media: MediaType, openmediaType?: string) {
    const items = await deps.store.listOwnedInteractions(caller.contactCenter.id, caller.user.id, [
      media,
    ])
    return openmediaType === undefined
      ? items
      : items.filter((i) => i.openmediaType === openmediaType)
  }

  function list(items: Interaction[], media: MediaType, query: Query) {
    const base = deps.publicUrl()
    const resources = filtered(
      items.map((i) => interactionResource(base, i)),
      query,
    ) as (Record<string, unknown> & { uri: string })[]
    return listReply(MEDIA[media].collection, resources, parseFields(query.fields))
  }

  /** One of the caller's own interactions of that media, else 404 / 6. */
  async function ownItem(caller: Caller, media: MediaType, id: string, openmediaType?: string) {
    const ix = await deps.store.getInteraction(caller.contactCenter.id, id)
    const mine =
      ix &&
      ix.mediaType === media &&
      ix.location.kind === 'owner' &&
      ix.location.userId === caller.user.id &&
      (openmediaType === undefined || ix.openmediaType === openmediaType)
    if (!mine) throw errors.notFound(`Interaction ${id} not found`)
    return {
      statusCode: 0 as const,
      [MEDIA[media].single]: interactionResource(deps.publicUrl(), ix),
    }
  }

  const simple: [string, MediaType][] = [
    ['emails', 'email'],
    ['chats', 'chat'],
    ['workitems', 'workitem'],
    ['facebook', 'facebook'],
    ['tweets', 'tweet'],
    ['facebooksessions', 'facebooksession'],
  ]
  for (const [segment, media] of simple) {
    app.get<{ Querystring: Query }>(`/me/${segment}`, async (request) => {
      const caller = gate(request)
      return list(await owned(caller, media), media, request.query)
    })
    app.get<{ Params: { id: string } }>(`/me/${segment}/:id`, async (request) => {
      return ownItem(gate(request), media, request.params.id)
    })
  }

  // Open media: `/me/openmedia/{mediaType}` lists the caller's items of that open media type.
  app.get<{ Params: { mediaType: string }; Querystring: Query }>(
    '/me/openmedia/:mediaType',
    async (request) => {
      const caller = gate(request)
      return list(
        await owned(caller, 'openmedia', request.params.mediaType),
        'openmedia',
        request.query,
      )
    },
  )
  app.get<{ Params: { mediaType: string; id: string } }>(
    '/me/openmedia/:mediaType/:id',
    async (request) =>
      ownItem(gate(request), 'openmedia', request.params.id, request.params.mediaType),
  )

  // The `uri` targets of interaction resources (digest §6). The owner sees their own;
  // admin/apiuser see any interaction of their contact center.
  async function byUri(request: FastifyRequest, id: string, accept: (ix: Interaction) => boolean) {
    const caller = gate(request)
    const ix = await deps.store.getInteraction(caller.contactCenter.id, id)
    const visible =
      ix &&
      accept(ix) &&
      (isAdmin(caller.user) ||
        (ix.location.kind === 'owner' && ix.location.userId === caller.user.id))
    if (!visible) throw errors.notFound(`Interaction ${id} not found`)
    return {
      statusCode: 0 as const,
      [MEDIA[ix.mediaType].single]: interactionResource(deps.publicUrl(), ix),
    }
  }

  app.get<{ Params: { id: string } }>('/workitems/:id', async (request) =>
    byUri(request, request.params.id, (ix) => ix.mediaType === 'workitem'),
  )
  app.get<{ Params: { plural: string; id: string } }>('/openmedia/:plural/:id', async (request) =>
    byUri(
      request,
      request.params.id,
      (ix) => ix.mediaType === 'openmedia' && `${ix.openmediaType}s` === request.params.plural,
    ),
  )
  app.get<{ Params: { id: string } }>('/social-medias/:id', async (request) =>
    byUri(
      request,
      request.params.id,
      (ix) =>
        ix.mediaType === 'facebook' ||
        ix.mediaType === 'tweet' ||
        ix.mediaType === 'facebooksession',
    ),
  )
}
