// Reference ids handed out from blocks reserved in the store (the "hi/lo" pattern): one write
// reserves `block` ids of a user, the next calls take from memory. So an operation is one commit
// (its change), not two (a counter, then the change). Ids stay unique (the counter is
// persisted before any id of a block is used) and increase per user within a process; the
// unused rest of a block is skipped after a restart, or across the nodes of a cluster, where
// each node takes its own blocks. GWS clients only match a reply to its request by referenceId
// (Web Services API, "Asynchronous requests"), so gaps are harmless.

/** Reserves `count` ids of the user in the store; resolves to the last one. */
export type ReserveIds = (userId: string, count: number) => Promise<number>

interface Block {
  next: number
  last: number
}

export class ReferenceIdBlocks {
  readonly #blocks = new Map<string, Block>()

  constructor(
    private readonly reserve: ReserveIds,
    private readonly block: number,
    /** Users whose blocks are remembered; beyond it the oldest is dropped (its rest skipped). */
    private readonly maxUsers = 100_000,
  ) {}

  async take(userId: string, count: number): Promise<number[]> {
    const b = this.#blocks.get(userId)
    if (b && b.last - b.next + 1 >= count) return this.#from(b, count)
    const size = Math.max(count, this.block)
    const last = await this.reserve(userId, size)
    const fresh = { next: last - size + 1, last }
    const ids = this.#from(fresh, count)
    // Concurrent callers each reserve a block: the highest is kept, so later ids only go up.
    const now = this.#blocks.get(userId)
    if (!now || now.last < fresh.last) this.#remember(userId, fresh)
    return ids
  }

  /** Forget every block (tests; a store that was reset). */
  clear(): void {
    this.#blocks.clear()
  }

  #from(b: Block, count: number): number[] {
    const ids = Array.from({ length: count }, (_, i) => b.next + i)
    b.next += count
    return ids
  }

  #remember(userId: string, b: Block): void {
    this.#blocks.delete(userId)
    this.#blocks.set(userId, b)
    if (this.#blocks.size > this.maxUsers) {
      const oldest = this.#blocks.keys().next().value
      if (oldest !== undefined) this.#blocks.delete(oldest)
    }
  }
}
