// Workbin content GETs (docs/workbins-content.md "Reading workbin content"). Synchronous: the
// reply holds the content (the "CometD response" wording on a GWS docs page is a copy-paste slip).
//
//   GET .../workbins/{id}?subresources=*|email,chat,...   → {statusCode:0, workbin:{..., emails:[...], chats:[...]}}
//   GET .../workbins/{id}/{mediaType}[?fields=a,b]        → {statusCode:0, <collection>:[...]}
//     (a collection URL: the list at the top level, as GWS collection URLs answer and desktops read)
//   GET .../workbins?workbinIds=a,b[&subresources=...]     → {statusCode:0, workbins:[{...}, ...]}
//
// The route resolves and authorizes the instance(s) with access.ts and calls content-view.ts,
// which calls these functions.
// Every requested media gets an array, empty when the instance holds none of it. Items are
// oldest receivedDate first (store order).

import { errors } from '../errors.ts'
import { workbinResource, type WorkbinResource } from './definitions.ts'
import type { OperationReply, ResolvedInstance, WorkbinDeps } from './operation.ts'
import { parseFields } from '../fields.ts'
import { collections, mediaTypeOf, parseSubresources } from './resources.ts'

export interface ContentQuery {
  /** `subresources=` as received (string or undefined). */
  subresources?: unknown
  /** The `{mediaType}` path segment of `.../workbins/{id}/{mediaType}`. */
  mediaSegment?: string
  /** `fields=` as received: applies to the items of a `/{mediaType}` request. */
  fields?: unknown
}

/** One workbin instance with its content. */
export async function contentReply(
  deps: WorkbinDeps,
  target: ResolvedInstance,
  query: ContentQuery,
): Promise<OperationReply> {
  const { header, content } = await instanceContent(deps, target, query)
  if (query.mediaSegment !== undefined) return { statusCode: 0, ...content }
  return { statusCode: 0, workbin: { ...header, ...content } }
}

/** Several instances (`workbinIds=`), each with its content, in the order given. */
export async function contentReplyMany(
  deps: WorkbinDeps,
  targets: readonly ResolvedInstance[],
  query: Omit<ContentQuery, 'mediaSegment'>,
): Promise<OperationReply> {
  const workbins: Record<string, unknown>[] = []
  for (const t of targets) {
    const { header, content } = await instanceContent(deps, t, query)
    workbins.push({ ...header, ...content })
  }
  return { statusCode: 0, workbins }
}

/** The instance's resource and the collections asked for (none without subresources). */
async function instanceContent(
  deps: WorkbinDeps,
  target: ResolvedInstance,
  query: ContentQuery,
): Promise<{ header: WorkbinResource; content: Record<string, unknown> }> {
  const base = deps.publicUrl()
  const header = workbinResource(base, target.workbin)
  let itemFields: string[] | undefined
  let media
  if (query.mediaSegment !== undefined) {
    const m = mediaTypeOf(query.mediaSegment)
    // An unknown sub-resource of a workbin is a resource that does not exist.
    if (m === undefined)
      throw errors.notFound(`Unknown workbin sub-resource: ${query.mediaSegment}`)
    media = [m]
    const f = parseFields(query.fields)
    itemFields = f === '*' ? undefined : f
  } else {
    media = parseSubresources(query.subresources)
    if (media === undefined) return { header, content: {} }
  }
  const items = await deps.store.listWorkbinContent(
    target.workbin.contactCenterId,
    target.instance,
    media,
  )
  return { header, content: collections(base, media, items, itemFields) }
}
