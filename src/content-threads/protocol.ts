// Messages between the event loop and a content thread (pool.ts ↔ worker.ts).

import type { WholeContentRequest } from '../workbins/content-reader.ts'

/** What a content thread is started with (its workerData). */
export interface ThreadStart {
  /** The SQLite database file, opened read-only. */
  file: string
  /** The thread's nice value (Linux: per thread); 0 leaves it as the process's. */
  nice: number
  /** Items read per query. */
  pageItems: number
  /**
   * Memory shared with the event loop where replies are built (regions.ts): the event loop
   * writes from it without a new allocation of its own, so a stream of large replies does not
   * drive its garbage collector. A reply that does not fit is sent in a buffer of its own.
   */
  shared: SharedArrayBuffer
}

export type ToThread =
  | { type: 'read'; id: number; request: WholeContentRequest }
  /** The snapshot the thread pinned holds only changes already on disk: go on. */
  | { type: 'go'; id: number }
  /** Not to be read after all (the store cannot flush): end its transaction. */
  | { type: 'cancel'; id: number }
  /** The reply built at this offset of the shared memory is written: the range is free. */
  | { type: 'release'; offset: number }
  | { type: 'close' }

/**
 * A collection's elements as one piece of JSON text: `length` bytes at `offset` of the shared
 * memory, or in `text` (its ArrayBuffer transferred) when the reply did not fit there. An empty
 * one is neither (length 0).
 */
export interface CollectionBytes {
  key: string
  offset: number
  length: number
  text?: Uint8Array
}

export type FromThread =
  | { type: 'fatal'; message: string }
  /** The thread's read transaction now sees a fixed snapshot of the database. */
  | { type: 'pinned'; id: number }
  /** `region`: the offset of the reply's range of the shared memory, to release once written. */
  | { type: 'done'; id: number; collections: CollectionBytes[]; region?: number }
  | { type: 'failed'; id: number; message: string }
