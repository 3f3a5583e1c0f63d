// Reading workbin content without holding the event loop (docs/workbins-content.md "Paging"):
// a 10,000-item workbin is 3 MB of JSON, which built in one go would stall every other request
// for hundreds of milliseconds. The whole-content GET (the GWS form) is therefore built on a
// content thread when the store is a SQLite file (content-reader.ts), or else read here in
// keyset pages of WORKBINS_CONTENT_CHUNK_ITEMS, each turned into JSON text at once
// (content-json.ts), with the event loop free between pages. The reply keeps its usual shape:
// each collection is a RawJson whose pieces are spliced in when the reply is serialized
// (serializeReply), so the envelope around it is built as for any other reply; the pieces are
// then written one after the other as a stream (3 MB written in one piece would again hold
// the loop).

import { setImmediate as nextTurn } from 'node:timers/promises'
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Fields } from '../fields.ts'
import type { MediaType } from '../model.ts'
import { MEDIA_TYPES } from '../model.ts'
import type { ContentOrder, ContentPage, ContentPosition } from '../store/store.ts'
import type { ResolvedInstance, WorkbinDeps } from './operation.ts'
import { ContentJsonBuilder, type CollectionText } from './content-json.ts'

/**
 * The RawJson arrays met by the JSON.stringify of serializeReply, which is running (it is
 * synchronous, so no other reply can be serialized meanwhile); undefined otherwise.
 */
let serializing: Map<string, RawJson> | undefined

/** A JSON array, as pieces of text, that serializeReply splices into a reply in its place. */
export class RawJson {
  /** What JSON.stringify writes in its place: a string no other value of the reply can hold. */
  readonly marker: string
  /**
   * `pieces` are runs of array elements (UTF-8 JSON text without the brackets), none empty,
   * each but the first starting with the comma that separates it from the one before;
   * `bytes` their total length; `release`: the pieces' memory may be reused once they are
   * written or dropped (a content thread's shared memory), at most once.
   */
  constructor(
    readonly pieces: readonly Buffer[],
    readonly bytes: number,
    readonly release: () => void = () => {},
  ) {
    this.marker = `${MARK}${++counter}`
  }
  toJSON(): string {
    serializing?.set(this.marker.slice(MARK.length), this)
    return this.marker
  }
}

// a per-process random prefix: provisioned names in the envelope cannot forge a marker
const MARK = `\u0001raw-json:${randomBytes(8).toString('hex')}:`
let counter = 0
const MARKER_RE = new RegExp(`"\\\\u0001raw-json:${MARK.slice(10)}(\\d+)"`, 'g')

/** Only these media, or undefined when all are asked (no filter in the query). */
export function mediaFilter(media: readonly MediaType[]): MediaType[] | undefined {
  return MEDIA_TYPES.every((m) => media.includes(m)) ? undefined : [...media]
}

/**
 * The instance's whole content as collections of JSON text (the same collections and items
 * `collections()` builds): from a content thread when there is one (content-reader.ts),
 * else read in chunks with the event loop free between them.
 */
export async function wholeCollections(
  deps: WorkbinDeps,
  target: ResolvedInstance,
  media: readonly MediaType[],
  fields: Fields,
  order: ContentOrder,
): Promise<Record<string, RawJson>> {
  const base = deps.publicUrl()
  const mediaTypes = mediaFilter(media)
  const fromThread = await deps.contentReader?.read({
    contactCenterId: target.workbin.contactCenterId,
    instance: target.instance,
    mediaTypes,
    media: [...media],
    order,
    fields,
    base,
  })
  const parts =
    fromThread?.parts ?? (await onTheLoop(deps, target, media, mediaTypes, fields, order, base))
  const release = fromThread?.release
  const out: Record<string, RawJson> = {}
  for (const [key, part] of Object.entries(parts)) {
    out[key] = new RawJson(part.pieces, part.bytes, release)
  }
  return out
}

/** Release the memory of every RawJson among `values` (a reply that will not be sent). */
export function releaseContent(values: Iterable<unknown>): void {
  for (const v of values) if (v instanceof RawJson) v.release()
}

async function onTheLoop(
  deps: WorkbinDeps,
  target: ResolvedInstance,
  media: readonly MediaType[],
  mediaTypes: MediaType[] | undefined,
  fields: Fields,
  order: ContentOrder,
  base: string,
): Promise<Record<string, CollectionText>> {
  const builder = new ContentJsonBuilder(base, media, fields)
  const limit = deps.config.contentChunkItems
  let after: ContentPosition | undefined
  for (;;) {
    const page: ContentPage = await deps.store.pageWorkbinContent(
      target.workbin.contactCenterId,
      target.instance,
      { mediaTypes, order, limit, after },
    )
    builder.add(page.items)
    if (page.next === null) break
    after = page.next
    await nextTurn()
  }
  return builder.finish()
}

/**
 * A reply written as a stream of pieces, with its length known in advance; `release` once the
 * response is over (written, or its connection gone): its pieces' memory may then be reused.
 */
export class StreamedJson {
  constructor(
    readonly body: Readable,
    readonly bytes: number,
    readonly release: () => void = () => {},
  ) {}

  /** The same reply, whose release also calls `more`. */
  alsoReleasing(more: () => void): StreamedJson {
    return new StreamedJson(this.body, this.bytes, () => {
      this.release()
      more()
    })
  }
}

/**
 * The reply as a stream of JSON text when it holds RawJson arrays, else the reply itself
 * (fastify serializes it).
 */
export function serializeReply<T extends object>(reply: T): T | StreamedJson {
  // Each RawJson records itself from its toJSON. No replacer function: JSON.stringify calls a
  // replacer for every value, and those frames overflow the stack on an item whose `extra`
  // nests ~3,000 deep (stored before WORKBINS_JSON_MAX_DEPTH, or under a higher one), making
  // every page of its workbin a 500; without one it takes what the store could write.
  const raw = new Map<string, RawJson>()
  let json: string
  serializing = raw
  try {
    json = JSON.stringify(reply)
  } finally {
    serializing = undefined
  }
  if (raw.size === 0) return reply
  const out: Buffer[] = []
  let bytes = 0
  let from = 0
  const text = (t: string) => {
    const b = Buffer.from(t)
    out.push(b)
    bytes += b.length
  }
  for (const m of json.matchAll(MARKER_RE)) {
    text(`${json.slice(from, m.index)}[`)
    const array = raw.get(m[1] ?? '')
    if (array) {
      // a loop, not push(...pieces): a huge workbin in small chunks has more pieces than a
      // call takes arguments
      for (const piece of array.pieces) out.push(piece)
      bytes += array.bytes
    }
    text(']')
    from = m.index + m[0].length
  }
  text(json.slice(from))
  const arrays = [...raw.values()]
  return new StreamedJson(Readable.from(out, { objectMode: false }), bytes, () =>
    releaseContent(arrays),
  )
}
