// The fsync of SQLite's write-ahead log, done off the event loop (docs/operations.md,
// "Durability and group commit"). With `synchronous = FULL`, SQLite fsyncs the WAL inside
// COMMIT, on the thread that runs it: the whole server waits about a millisecond per commit for
// the disk. Here the connection runs with `synchronous = NORMAL` (COMMIT writes the WAL frames
// and returns) and this class fsyncs the WAL file in libuv's thread pool, while the event loop
// goes on. The promise stays what FULL gives: a change is answered only after an fsync that
// began after its commit. The WAL is one file written in order, so that fsync also covers every
// commit before it.
//
// A commit is visible to the connection's readers before it is on disk. So that no reply can
// show what a power loss would undo, every store call resolves only once all commits made before
// it ran are on disk (`after`, `awaitingDurability`).

import { close, fdatasync, openSync } from 'node:fs'
import { GwsError, StatusCode } from '../../errors.ts'
import { wrapMethods } from '../wrap-methods.ts'

/** Flushes a file descriptor's data to disk (fs.fdatasync's signature). */
export type SyncFn = (fd: number, done: (err: Error | null) => void) => void

/** A flush of the log failed: what is on disk is unknown until the server restarts. */
export class DurabilityError extends GwsError {
  constructor(readonly reason: Error) {
    super(
      StatusCode.INTERNAL,
      `The database could not be flushed to disk (${reason.message}); the outcome of recent ` +
        'changes is unknown and the server must be restarted',
      500,
    )
    this.name = 'DurabilityError'
  }
}

/** Waiters settled in one turn of the event loop (see #release). */
const WAITERS_PER_TURN = 64

interface Waiter {
  /** Resolved once commits up to this count are on disk. */
  upTo: number
  resolve(): void
  reject(err: unknown): void
}

export class WalSync {
  /** Commits made, and how many of them are known to be on disk. */
  #committed = 0
  #durable = 0
  #syncing = false
  #fd = -1
  #waiters: Waiter[] = []
  #onFlushed: (() => void)[] = []
  #broken: DurabilityError | null = null
  #releaseScheduled = false
  readonly #resolved = Promise.resolve()

  /** `walPath`: the database file's name plus `-wal`; opened at the first commit. */
  constructor(
    private readonly walPath: string,
    private readonly sync: SyncFn = fdatasync,
  ) {}

  /** Set once a flush failed; every later write and read fails with it. */
  get broken(): DurabilityError | null {
    return this.#broken
  }

  /** An fsync is under way. */
  get flushing(): boolean {
    return this.#syncing
  }

  /** Call `fn` once the fsync under way has finished (at once if none). */
  onFlushed(fn: () => void): void {
    if (this.#syncing) this.#onFlushed.push(fn)
    else fn()
  }

  /** A transaction committed (its WAL frames are written): flush them soon. */
  committed(): void {
    this.#committed++
    this.#flush()
  }

  /** Resolves when every commit made so far is on disk. */
  whenDurable(): Promise<void> {
    return this.#until(this.#committed)
  }

  /** `result`, settled only once every commit made before this call is on disk. */
  after<T>(result: Promise<T>): Promise<T> {
    const upTo = this.#committed
    if (this.#durable >= upTo && !this.#broken) return result
    return result.then(
      (value) => this.#until(upTo).then(() => value),
      (err: unknown) =>
        this.#until(upTo).then(() => {
          throw err
        }),
    )
  }

  #until(upTo: number): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken)
    if (this.#durable >= upTo) return this.#resolved
    return new Promise((resolve, reject) => this.#waiters.push({ upTo, resolve, reject }))
  }

  /** Wait for the last flush, then let go of the file (the database is about to close). */
  async close(): Promise<void> {
    try {
      await this.whenDurable()
    } finally {
      if (this.#fd >= 0) close(this.#fd, () => {})
      this.#fd = -1
    }
  }

  #flush(): void {
    if (this.#syncing || this.#durable >= this.#committed || this.#broken) return
    try {
      // Opened read-only: on Linux an fsync on any descriptor flushes the file's data.
      if (this.#fd < 0) this.#fd = openSync(this.walPath, 'r')
    } catch (err) {
      this.#fail(err as Error)
      return
    }
    const upTo = this.#committed
    this.#syncing = true
    this.sync(this.#fd, (err) => {
      this.#syncing = false
      if (err) {
        this.#fail(err)
      } else {
        this.#durable = upTo
        this.#release()
      }
      for (const fn of this.#onFlushed.splice(0)) fn()
      // Commits made while this flush ran need one more.
      this.#flush()
    })
  }

  /**
   * Settle the waiters whose commits are on disk, at most WAITERS_PER_TURN in one turn of the
   * event loop: what each does next (often at once, its read being done) runs before the turn
   * ends, and thousands of them (every client reconnecting after a restart) would hold the loop
   * for as many times that work.
   */
  #release(): void {
    this.#releaseScheduled = false
    // Waiters are in the order of their counts: settle the front of the queue.
    let i = 0
    const max = Math.min(this.#waiters.length, WAITERS_PER_TURN)
    while (i < max && (this.#waiters[i] as Waiter).upTo <= this.#durable) i++
    for (const w of this.#waiters.splice(0, i)) w.resolve()
    const next = this.#waiters[0]
    if (next && next.upTo <= this.#durable && !this.#releaseScheduled) {
      this.#releaseScheduled = true
      setImmediate(() => this.#release())
    }
  }

  #fail(cause: Error): void {
    this.#broken = new DurabilityError(cause)
    for (const w of this.#waiters.splice(0)) w.reject(this.#broken)
  }
}

/**
 * The store with every method's promise held back until the commits made before the call are
 * on disk (see the file comment). The store's own start and end are not held; plain properties
 * pass through.
 */
export function awaitingDurability<S extends object>(store: S, wal: WalSync): S {
  return wrapMethods(store, ['migrate', 'close'], (_name, method) => {
    return function held(...args: unknown[]): unknown {
      // The adapter's own `this`, so its private fields work.
      const result = method.apply(store, args)
      return result instanceof Promise ? wal.after(result) : result
    }
  })
}
