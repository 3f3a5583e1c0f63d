// The GWS media resources of the interactions an agent handles (docs/workbins-content.md "The
// agent's own interactions"): the lists `/me/emails`, `/me/openmedia/{mediaType}`, ..., one item
// `/me/workitems/{id}`, and the `uri` targets of interaction resources (`/me/emails/{id}`,
// `/me/chats/{id}`, `/workitems/{id}`, `/openmedia/{mediaType}s/{id}`, `/social-medias/{id}`).
//
// Lists: no `fields` → `{statusCode:0, uris:[...]}`; `fields=*` → the objects under the
// collection key (`emails`, ...); `fields=a,b` → only those fields. A query parameter named like
// a scalar field (id, state, mediaType, receivedDate, the type fields) filters
// (`?state=Processing`); other parameters are ignored. Someone else's interaction, or one in a
// workbin, is not found (404 / 6), except on the `uri` targets, which also answer admin /
// apiuser (access.ts canSeeInteraction) and whoever sees the item in its workbin
// (item-visibility.ts; docs/interactions.md "Reading an interaction").

import { errors } from '../errors.ts'
import { listReply, parseFields } from '../fields.ts'
import type { Interaction, MediaType, User } from '../model.ts'
import { ownsInteraction } from './access.ts'
import { mayReadAtUri } from './item-visibility.ts'
import type { OperationReply, WorkbinDeps } from './operation.ts'
import { MEDIA, interactionResource } from './resources.ts'

type Deps = Pick<WorkbinDeps, 'store' | 'publicUrl'>
type Query = Record<string, unknown>

/** The scalar fields a query parameter may filter on; other parameters are ignored. */
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

/** The list of `user`'s interactions of that media (and open media type), as GWS answers it. */
export async function ownMediaList(
  deps: Deps,
  user: User,
  media: MediaType,
  query: Query,
  openmediaType?: string,
) {
  const owned = await deps.store.listOwnedInteractions(user.contactCenterId, user.id, [media])
  const items =
    openmediaType === undefined ? owned : owned.filter((i) => i.openmediaType === openmediaType)
  const base = deps.publicUrl()
  const resources = filtered(
    items.map((i) => interactionResource(base, i)),
    query,
  ) as (Record<string, unknown> & { uri: string })[]
  return listReply(MEDIA[media].collection, resources, parseFields(query.fields))
}

/** One of `user`'s own interactions of that media, else 404 / 6. */
export async function ownMediaItem(
  deps: Deps,
  user: User,
  media: MediaType,
  id: string,
  openmediaType?: string,
): Promise<OperationReply> {
  const ix = await deps.store.getInteraction(user.contactCenterId, id)
  const mine =
    ix &&
    ix.mediaType === media &&
    ownsInteraction(user, ix) &&
    (openmediaType === undefined || ix.openmediaType === openmediaType)
  if (!mine) throw errors.notFound(`Interaction ${id} not found`)
  return { statusCode: 0, [MEDIA[media].single]: interactionResource(deps.publicUrl(), ix) }
}

/** The interaction at a `uri` target when `accept` matches its kind and `user` may see it. */
export async function interactionAtUri(
  deps: Deps,
  user: User,
  id: string,
  accept: (ix: Interaction) => boolean,
): Promise<OperationReply> {
  const ix = await deps.store.getInteraction(user.contactCenterId, id)
  const visible = ix && accept(ix) && (await mayReadAtUri(deps.store, user, ix))
  if (!ix || !visible) throw errors.notFound(`Interaction ${id} not found`)
  return {
    statusCode: 0,
    [MEDIA[ix.mediaType].single]: interactionResource(deps.publicUrl(), ix),
  }
}
