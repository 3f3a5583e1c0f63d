// The port through which the domain reads a whole workbin content off the event loop
// (docs/workbins-content.md "Whole content on a thread"); src/content-threads/ implements it
// for SQLite files, and without it content-chunks.ts reads on the event loop.

import type { Fields } from '../fields.ts'
import type { MediaType, WorkbinInstance } from '../model.ts'
import type { ContentOrder } from '../store/store.ts'
import type { CollectionText } from './content-json.ts'

/** The whole content of one instance, as the reply shows it. */
export interface WholeContentRequest {
  contactCenterId: string
  instance: WorkbinInstance
  /** Only these media (undefined: all); `media` names the collections of the reply. */
  mediaTypes: MediaType[] | undefined
  media: MediaType[]
  order: ContentOrder
  fields: Fields
  /** The public base URL of `uri` fields. */
  base: string
}

/** The collections' JSON text; `release` once written or dropped (its memory is reused). */
export interface WholeContent {
  parts: Record<string, CollectionText>
  /** Built in memory shared with the event loop (else in memory of its own). */
  shared: boolean
  release(): void
}

export interface WholeContentReader {
  /** The content, or undefined when it cannot be read this way (the caller reads it itself). */
  read(request: WholeContentRequest): Promise<WholeContent | undefined>
}
