// First-fit allocation of byte ranges in a content thread's shared buffer (pool.ts): the thread
// takes a range for each reply it builds, the event loop hands it back once the reply is
// written. Free ranges are kept sorted and merged with their neighbours.

export class Regions {
  /** Free ranges, sorted by offset, none adjacent to another. */
  readonly #free: { offset: number; length: number }[]
  /** Taken ranges: offset → length. */
  readonly #taken = new Map<number, number>()

  constructor(readonly size: number) {
    this.#free = size > 0 ? [{ offset: 0, length: size }] : []
  }

  /** Bytes not taken. */
  get available(): number {
    return this.#free.reduce((n, r) => n + r.length, 0)
  }

  /** The offset of `length` bytes now taken, or undefined when no free range is that long. */
  take(length: number): number | undefined {
    if (length <= 0) return undefined
    const i = this.#free.findIndex((r) => r.length >= length)
    const range = this.#free[i]
    if (!range) return undefined
    const offset = range.offset
    if (range.length === length) this.#free.splice(i, 1)
    else {
      range.offset += length
      range.length -= length
    }
    this.#taken.set(offset, length)
    return offset
  }

  /** Give back the range taken at `offset` (an unknown offset is ignored). */
  give(offset: number): void {
    const length = this.#taken.get(offset)
    if (length === undefined) return
    this.#taken.delete(offset)
    let i = this.#free.findIndex((r) => r.offset > offset)
    if (i < 0) i = this.#free.length
    const before = this.#free[i - 1]
    const after = this.#free[i]
    if (before && before.offset + before.length === offset) {
      before.length += length
      if (after && before.offset + before.length === after.offset) {
        before.length += after.length
        this.#free.splice(i, 1)
      }
    } else if (after && offset + length === after.offset) {
      after.offset = offset
      after.length += length
    } else {
      this.#free.splice(i, 0, { offset, length })
    }
  }
}
