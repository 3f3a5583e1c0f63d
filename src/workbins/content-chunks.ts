// Reading workbin content without holding the event loop (docs/workbins-content.md "Paging"):
// a 10,000-item workbin is 3 MB of JSON, which built in one go would stall every other request
// for hundreds of milliseconds. The whole-content GET (the GWS form) therefore reads the
// content in keyset pages of WORKBINS_CONTENT_CHUNK_ITEMS, turns each page into JSON text at
// once, and lets the event loop run between pages. The reply keeps its usual shape: each
// collection is a RawJson whose text is spliced in when the reply is serialized
// (serializeReply), so the envelope around it is built as for any other reply.

import { randomBytes } from 'node:crypto'
import type { Fields } from '../fields.ts'
import type { MediaType } from '../model.ts'
import { MEDIA_TYPES } from '../model.ts'
import type { ContentOrder, ContentPage, ContentPosition } from '../store/store.ts'
import type { ResolvedInstance, WorkbinDeps } from './operation.ts'
import { collections } from './resources.ts'

/** JSON text that serializeReply splices into a reply in place of this object. */
export class RawJson {
  /** What JSON.stringify writes in its place: a string no other value of the reply can hold. */
  readonly marker: string
  constructor(readonly text: string) {
    this.marker = `${MARK}${++counter}`
  }
  toJSON(): string {
    return this.marker
  }
}

// a per-process random prefix: provisioned names in the envelope cannot forge a marker
const MARK = `\u0001raw-json:${randomBytes(8).toString('hex')}:`
let counter = 0
const MARKER_RE = new RegExp(`"\\\\u0001raw-json:${MARK.slice(10)}(\\d+)"`, 'g')

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Only these media, or undefined when all are asked (no filter in the query). */
export function mediaFilter(media: readonly MediaType[]): MediaType[] | undefined {
  return MEDIA_TYPES.every((m) => media.includes(m)) ? undefined : [...media]
}

/**
 * The instance's whole content as collections of JSON text (the same collections and items
 * `collections()` builds), read in chunks with the event loop free between them.
 */
export async function chunkedCollections(
  deps: WorkbinDeps,
  target: ResolvedInstance,
  media: readonly MediaType[],
  fields: Fields,
  order: ContentOrder,
): Promise<Record<string, RawJson>> {
  const base = deps.publicUrl()
  const parts: Record<string, string[]> = {}
  for (const key of Object.keys(collections(base, media, []))) parts[key] = []
  const mediaTypes = mediaFilter(media)
  const limit = deps.config.contentChunkItems
  let after: ContentPosition | undefined
  for (;;) {
    const page: ContentPage = await deps.store.pageWorkbinContent(
      target.workbin.contactCenterId,
      target.instance,
      { mediaTypes, order, limit, after },
    )
    const chunk = collections(base, media, page.items, fields)
    for (const [key, items] of Object.entries(chunk)) {
      if (items.length > 0) parts[key]?.push(JSON.stringify(items).slice(1, -1))
    }
    if (page.next === null) break
    after = page.next
    await yieldToLoop()
  }
  const out: Record<string, RawJson> = {}
  for (const [key, list] of Object.entries(parts)) out[key] = new RawJson(`[${list.join(',')}]`)
  return out
}

/** The reply as JSON text when it holds RawJson parts, else the reply itself (fastify serializes it). */
export function serializeReply<T extends object>(reply: T): T | string {
  let raw: Map<string, string> | undefined
  // the replacer sees toJSON's marker; the holder still has the RawJson itself
  const json = JSON.stringify(reply, function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key]
    if (original instanceof RawJson) {
      raw ??= new Map()
      raw.set(original.marker.slice(MARK.length), original.text)
    }
    return value
  })
  if (raw === undefined) return reply
  const texts = raw
  return json.replace(MARKER_RE, (_m, n: string) => texts.get(n) ?? 'null')
}
