// How many whole-content GETs may be in progress at once (docs/workbins-content.md "Whole
// content on a thread"): each holds its reply in memory from the first read until its client has
// taken the last byte, so a crowd of slow clients asking for large workbins would otherwise hold
// any amount of memory. Beyond WORKBINS_CONTENT_WHOLE_MAX the GET is answered 503 with
// Retry-After (RFC 9110 §15.6.4); paged GETs hold one page and are not counted.

import { GwsError, StatusCode } from '../errors.ts'

export class WholeContentSlots {
  #taken = 0

  constructor(readonly max: number) {}

  /** A slot, or a 503 GwsError when all are taken; the slot is freed by the returned function (once). */
  take(): () => void {
    if (this.#taken >= this.max) {
      throw new GwsError(
        StatusCode.INTERNAL,
        `Too many whole-content reads in progress (${this.max}); retry shortly, or read the ` +
          'content in pages (limit=, cursor=)',
        503,
      )
    }
    this.#taken++
    let free = () => {
      free = () => {}
      this.#taken--
    }
    return () => free()
  }
}
