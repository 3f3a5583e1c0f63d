// How many whole-content GETs may be in progress at once (docs/workbins-content.md "Whole
// content on a thread"): each holds its reply in memory from the first read until its client has
// taken the last byte, so a crowd of slow clients asking for large workbins would otherwise hold
// any amount of memory. Beyond WORKBINS_CONTENT_WHOLE_MAX the GET is answered 503 with
// Retry-After (RFC 9110 §15.6.4); paged GETs hold one page and are not counted. The count alone
// does not bound the bytes (one workbin's reply can be tens of MB), so the replies built and
// not yet read are also counted in bytes: while they hold WORKBINS_CONTENT_WHOLE_MAX_MB, a new
// whole-content GET gets the same 503. A reply is counted once built (its size is known only
// then), so the held total can pass the budget by the replies being built at that moment.

import { GwsError, StatusCode } from '../errors.ts'

/** A taken slot: `hold` counts its built reply's bytes until `free` (which may run once). */
export interface WholeContentSlot {
  hold(bytes: number): void
  free(): void
}

export class WholeContentSlots {
  #taken = 0
  #bytes = 0

  constructor(
    readonly max: number,
    /** Bytes of built replies not yet read, beyond which no new slot is given. */
    readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** Bytes of the replies built and not yet read by their clients. */
  get heldBytes(): number {
    return this.#bytes
  }

  /** A slot, or a 503 GwsError when all are taken or the replies held reach the byte budget. */
  take(): WholeContentSlot {
    if (this.#taken >= this.max || this.#bytes >= this.maxBytes) {
      const what =
        this.#taken >= this.max
          ? `Too many whole-content reads in progress (${this.max})`
          : `Whole-content replies waiting to be read hold ${Math.round(this.maxBytes / 2 ** 20)} MB`
      throw new GwsError(
        StatusCode.INTERNAL,
        `${what}; retry shortly, or read the content in pages (limit=, cursor=)`,
        503,
      )
    }
    this.#taken++
    let held = 0
    let open = true
    return {
      hold: (bytes) => {
        if (!open) return
        this.#bytes += bytes
        held += bytes
      },
      free: () => {
        if (!open) return
        open = false
        this.#taken--
        this.#bytes -= held
      },
    }
  }
}
