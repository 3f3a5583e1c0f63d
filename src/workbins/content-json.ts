// The JSON text of a workbin's whole content, built a run of items at a time, the same on the
// event loop (content-chunks.ts) and on a content thread (src/content-threads/worker.ts): each
// collection (`emails`, `chats`, ...) is a list of UTF-8 pieces holding the array's elements
// without the brackets, which serializeReply splices into the reply. Pieces are Buffers as soon
// as they are built: 3 MB kept as strings would be copied by every young-generation garbage
// collection until the reply is written.

import type { Fields } from '../fields.ts'
import type { Interaction, MediaType } from '../model.ts'
import { collections } from './resources.ts'

/** One collection's elements as JSON text: pieces none empty, each but the first starting with `,`. */
export interface CollectionText {
  pieces: Buffer[]
  bytes: number
}

export class ContentJsonBuilder {
  readonly #parts: Record<string, CollectionText> = {}

  constructor(
    private readonly base: string,
    private readonly media: readonly MediaType[],
    private readonly fields: Fields,
  ) {
    // The collections asked for, in their usual order, even when they stay empty.
    for (const key of Object.keys(collections(base, media, []))) {
      this.#parts[key] = { pieces: [], bytes: 0 }
    }
  }

  /** Items in reply order (a page of the store's keyset walk). */
  add(items: readonly Interaction[]): void {
    const chunk = collections(this.base, this.media, items, this.fields)
    for (const [key, list] of Object.entries(chunk)) {
      const part = this.#parts[key]
      if (list.length === 0 || !part) continue
      // `[a,b]` → `a,b` for the first piece, `,a,b` (its `[` overwritten) for the others
      const text = Buffer.from(JSON.stringify(list))
      if (part.pieces.length > 0) text[0] = 0x2c
      const piece = text.subarray(part.pieces.length === 0 ? 1 : 0, text.length - 1)
      part.pieces.push(piece)
      part.bytes += piece.length
    }
  }

  /** The collections built so far (the builder is done with them). */
  finish(): Record<string, CollectionText> {
    return this.#parts
  }
}
