// Group commit for SQLite (docs/operations.md, "Durability and group commit"). Every write the
// store is asked for within one turn of the event loop runs in ONE immediate transaction, each
// inside its own savepoint, and is answered only after that transaction is on disk. The fsync
// (and the WAL frames of pages several writes share) is paid once per batch instead of once per
// request; with a WalSync it also runs off the event loop (wal-sync.ts), else inside COMMIT
// (`synchronous = FULL`). A write that fails rolls back to its savepoint alone; the others
// commit. `maxBatch` bounds how long one batch holds the event loop.

import type Database from 'better-sqlite3'
import { transactions, type Transactions } from './transactions.ts'
import type { WalSync } from './wal-sync.ts'

interface Job {
  what: string
  fn: () => unknown
  resolve(value: unknown): void
  reject(err: unknown): void
}

export interface GroupCommitStats {
  /** Transactions committed, and writes they held. */
  commits: number
  writes: number
}

/** Told of each transaction's start, of any write in it being undone, and of its commit. */
export interface TransactionHooks {
  begin(): void
  rolledBack(): void
  committed?(): void
}

export class GroupCommit {
  #queue: Job[] = []
  #scheduled = false
  readonly stats: GroupCommitStats = { commits: 0, writes: 0 }
  readonly #tx: Transactions

  constructor(
    db: Database.Database,
    private readonly maxBatch: number,
    private readonly mapError: (err: unknown, what: string) => unknown,
    private readonly hooks?: TransactionHooks,
    private readonly wal?: WalSync,
    tx?: Transactions,
  ) {
    this.#tx = tx ?? transactions(db)
  }

  /** Run `fn` in the next batch; resolves with its result once the batch committed. */
  run<T>(what: string, fn: () => T): Promise<T> {
    // A failed flush leaves what is on disk unknown: nothing more is written.
    const broken = this.wal?.broken
    if (broken) return Promise.reject(broken)
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ what, fn, resolve: resolve as (v: unknown) => void, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#turn())
      }
    })
  }

  /**
   * The end of the turn: commit the queue, unless the last batch's fsync still runs. Then the
   * queue grows until it is done, and goes in one transaction: while one batch waits for the
   * disk, the next gathers (the writes wait for that fsync either way, their own comes after).
   */
  #turn(): void {
    if (this.wal?.flushing) {
      this.wal.onFlushed(() => this.#turn())
      return
    }
    this.flush()
  }

  /** Commit everything queued now (also called before the database closes). */
  flush(): void {
    this.#scheduled = false
    while (this.#queue.length > 0) {
      const jobs = this.#queue.splice(0, this.maxBatch)
      this.#commit(jobs)
    }
  }

  #commit(jobs: Job[]): void {
    const broken = this.wal?.broken
    if (broken) {
      for (const job of jobs) job.reject(broken)
      return
    }
    const outcomes: { ok: boolean; value: unknown }[] = []
    try {
      this.#tx.immediate(() => {
        this.hooks?.begin()
        for (const job of jobs) {
          try {
            // Nested: a savepoint, rolled back alone if it throws.
            outcomes.push({ ok: true, value: this.#tx.run(job.fn) })
          } catch (err) {
            this.hooks?.rolledBack()
            outcomes.push({ ok: false, value: err })
          }
        }
      })
    } catch (err) {
      // BEGIN or COMMIT failed (busy, disk full, I/O): nothing of the batch is stored.
      this.hooks?.rolledBack()
      for (const job of jobs) job.reject(this.mapError(err, job.what))
      return
    }
    this.stats.commits++
    this.stats.writes += jobs.length
    this.hooks?.committed?.()
    const settle = () =>
      jobs.forEach((job, i) => {
        const o = outcomes[i] as { ok: boolean; value: unknown }
        if (o.ok) job.resolve(o.value)
        else job.reject(this.mapError(o.value, job.what))
      })
    if (!this.wal) {
      settle()
      return
    }
    // Answered once the WAL holding this commit is flushed.
    this.wal.committed()
    this.wal.whenDurable().then(settle, (err: unknown) => {
      for (const job of jobs) job.reject(err)
    })
  }
}
