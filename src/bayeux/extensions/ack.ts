// The acknowledged-messages extension, server half, wire-compatible with the official
// client's AckExtension (same algorithm as CometD's AcknowledgedMessagesExtension and
// cometd-nodejs-server's ack-extension.js):
//  - handshake request `ext.ack:true` enables it; the reply carries `ext.ack:true`;
//  - every event is kept, tagged with the current batch number, until acknowledged;
//  - each /meta/connect reply closes the current batch: it carries every unacknowledged event
//    and `ext.ack:<batch>`; the batch number then increases;
//  - each /meta/connect request carries `ext.ack:<last batch received>`: events of batches
//    up to it are dropped, the rest are sent again with the next connect reply;
//  - events never travel outside a connect reply (total order), so a lost connect response
//    (dropped long poll, closed socket) loses nothing while the session lives.

import type { Outgoing } from '../protocol/outgoing.ts'

export class AckQueue {
  #events: Outgoing[] = []
  #batches: number[] = []
  #batch = 1
  #bytes = 0

  get size(): number {
    return this.#events.length
  }

  /** UTF-8 bytes of the unacknowledged events (maxQueueBytes). */
  get bytes(): number {
    return this.#bytes
  }

  get batch(): number {
    return this.#batch
  }

  offer(out: Outgoing): void {
    this.#events.push(out)
    this.#batches.push(this.#batch)
    this.#bytes += out.size
  }

  /** A connect request acknowledged every batch up to `batch`. */
  acknowledge(batch: number): void {
    const b = this.#batches
    let n = 0
    while (n < b.length && (b[n] as number) <= batch) n++
    if (n > 0) {
      for (const e of this.#events.splice(0, n)) this.#bytes -= e.size
      b.splice(0, n)
    }
  }

  /** A connect reply is being written: it carries every unacknowledged event. */
  closeBatch(): { events: Outgoing[]; batch: number } {
    return { events: this.#events.slice(), batch: this.#batch++ }
  }

  clear(): void {
    this.#events = []
    this.#batches = []
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
