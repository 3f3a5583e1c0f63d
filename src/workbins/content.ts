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
// oldest receivedDate first unless `sort` / `order` say otherwise; `limit` / `cursor` answer one
// page and a `nextCursor` (the paging extension, content-paging.ts). Without them the whole
// content is read in chunks (content-chunks.ts).

import { errors } from '../errors.ts'
import { workbinResource, type WorkbinResource } from './definitions.ts'
import type { OperationReply, ResolvedInstance, WorkbinDeps } from './operation.ts'
import { parseFields } from '../fields.ts'
import { collections, mediaTypeOf, parseSubresources } from './resources.ts'
import { wholeCollections, mediaFilter, releaseContent } from './content-chunks.ts'
import { encodeCursor, type ContentPaging } from './content-paging.ts'

export interface ContentQuery {
  /** `subresources=` as received (string or undefined). */
  subresources?: unknown
  /** The `{mediaType}` path segment of `.../workbins/{id}/{mediaType}`. */
  mediaSegment?: string
  /** `fields=` as received: applies to the items of a `/{mediaType}` request. */
  fields?: unknown
  /** Order and page (content-paging.ts); default: the whole content by receivedDate. */
  paging?: ContentPaging
}

const BY_RECEIVED_DATE: ContentPaging = { order: { descending: false }, sort: 'receivedDate' }

/** One workbin instance with its content. */
export async function contentReply(
  deps: WorkbinDeps,
  target: ResolvedInstance,
  query: ContentQuery,
): Promise<OperationReply> {
  const next: { cursor?: string } = {}
  const { header, content } = await instanceContent(deps, target, query, next)
  const more = next.cursor === undefined ? {} : { nextCursor: next.cursor }
  if (query.mediaSegment !== undefined) return { statusCode: 0, ...content, ...more }
  return { statusCode: 0, workbin: { ...header, ...content }, ...more }
}

/** Several instances (`workbinIds=`), each with its content, in the order given. */
export async function contentReplyMany(
  deps: WorkbinDeps,
  targets: readonly ResolvedInstance[],
  query: Omit<ContentQuery, 'mediaSegment'>,
): Promise<OperationReply> {
  const workbins: Record<string, unknown>[] = []
  try {
    for (const t of targets) {
      const { header, content } = await instanceContent(deps, t, query)
      workbins.push({ ...header, ...content })
    }
  } catch (err) {
    // The contents already read will not be sent.
    for (const w of workbins) releaseContent(Object.values(w))
    throw err
  }
  return { statusCode: 0, workbins }
}

/** The instance's resource and the collections asked for (none without subresources). */
async function instanceContent(
  deps: WorkbinDeps,
  target: ResolvedInstance,
  query: ContentQuery,
  next: { cursor?: string } = {},
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
  const paging = query.paging ?? BY_RECEIVED_DATE
  if (paging.page === undefined) {
    const whole = await wholeCollections(deps, target, media, itemFields, paging.order)
    return { header, content: whole }
  }
  const page = await deps.store.pageWorkbinContent(
    target.workbin.contactCenterId,
    target.instance,
    {
      mediaTypes: mediaFilter(media),
      order: paging.order,
      limit: paging.page.limit,
      after: paging.page.after,
    },
  )
  if (page.next !== null) next.cursor = encodeCursor(paging, page.next)
  return { header, content: collections(base, media, page.items, itemFields) }
}
