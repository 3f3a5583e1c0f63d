// The acknowledged-messages extension, server half, wire-compatible with the official
// client's AckExtension (same algorithm as CometD's AcknowledgedMessagesExtension and
// cometd-nodejs-server's ack-extension.js):
//  - handshake request `ext.ack:true` enables it; the reply carries `ext.ack:true`;
//  - every event is kept, tagged with the current batch, until acknowledged;
//  - each /meta/connect reply closes the current batch: it carries every unacknowledged event
//    and `ext.ack:<batch number>`; batch numbers increase;
//  - each /meta/connect request carries `ext.ack:<last batch number received>`: events of
//    batches up to it are dropped, the rest are sent again with the next connect reply;
//  - events never travel outside a connect reply (total order), so a lost connect response
//    (dropped long poll, closed socket) loses nothing while the session lives.
//
// Batch numbers also carry the session's feed position (docs/durable-delivery.md): a batch
// closed at position P is numbered at least P * ACK_SEQ_SCALE, so the number a client
// acknowledges tells a restarted server (that never saw the batch) what the client has.

import type { Outgoing } from '../protocol/outgoing.ts'

/** Batch numbers per feed position: 2^20 batches without a new message before they overlap. */
export const ACK_SEQ_SCALE = 2 ** 20

/** The feed position an acknowledged batch number stands for. */
export function positionOfBatch(batch: number): number {
  return Math.floor(batch / ACK_SEQ_SCALE)
}

export class AckQueue {
  #events: Outgoing[] = []
  /** Per event, the ordinal of the batch it belongs to. */
  #ordinals: number[] = []
  /** Ordinal of the batch being filled. */
  #ordinal = 1
  /** Closed batches not yet acknowledged: [ordinal, number]. */
  #closed: [number, number][] = []
  /** The last batch number given out (numbers strictly increase). */
  #last: number
  #bytes = 0

  /** `last`: a batch number already known to the client (a resumed session), else 0. */
  constructor(last = 0) {
    this.#last = last
  }

  get size(): number {
    return this.#events.length
  }

  /** The last batch number given out. */
  get last(): number {
    return this.#last
  }

  /** UTF-8 bytes of the unacknowledged events (maxQueueBytes). */
  get bytes(): number {
    return this.#bytes
  }

  offer(out: Outgoing): void {
    this.#events.push(out)
    this.#ordinals.push(this.#ordinal)
    this.#bytes += out.size
  }

  /** A connect request acknowledged every batch numbered up to `batch`. */
  acknowledge(batch: number): void {
    let upTo = 0
    let k = 0
    const closed = this.#closed
    while (k < closed.length && (closed[k] as [number, number])[1] <= batch) {
      upTo = (closed[k] as [number, number])[0]
      k++
    }
    if (k === 0) return
    closed.splice(0, k)
    const o = this.#ordinals
    let n = 0
    while (n < o.length && (o[n] as number) <= upTo) n++
    if (n > 0) {
      for (const e of this.#events.splice(0, n)) this.#bytes -= e.size
      o.splice(0, n)
    }
  }

  /** A connect reply is being written at feed `position`: it carries every unacknowledged event. */
  closeBatch(position: number): { events: Outgoing[]; batch: number } {
    const batch = Math.max(this.#last + 1, position * ACK_SEQ_SCALE)
    this.#last = batch
    this.#closed.push([this.#ordinal++, batch])
    return { events: this.#events.slice(), batch }
  }

  /** Drop the events of the batch being filled (not sent yet); returns how many. */
  dropOpen(): number {
    let n = 0
    while (
      this.#ordinals.length > 0 &&
      this.#ordinals[this.#ordinals.length - 1] === this.#ordinal
    ) {
      this.#ordinals.pop()
      this.#bytes -= (this.#events.pop() as Outgoing).size
      n++
    }
    return n
  }

  clear(): void {
    this.#events = []
    this.#ordinals = []
    this.#closed = []
    this.#bytes = 0
  }
}

/** Handshake request asks for acks (`ext.ack === true`). */
export function wantsAck(ext: unknown): boolean {
  return typeof ext === 'object' && ext !== null && (ext as Record<string, unknown>).ack === true
}

/** The `ext.ack` number of a connect request, if any. */
export function ackOf(ext: unknown): number | undefined {
  if (typeof ext !== 'object' || ext === null) return undefined
  const v = (ext as Record<string, unknown>).ack
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}
