// Transactions without a new wrapper per call. better-sqlite3's db.transaction(fn) builds four
// wrapped functions and their properties each time it is called (about 17 µs); a wrapper made
// once that runs the function it is given costs nothing more. Nested calls are savepoints, as
// with db.transaction, and a throw rolls back to where the call began.

import type Database from 'better-sqlite3'

export interface Transactions {
  /** A savepoint when a transaction is open, else BEGIN (deferred). */
  run<T>(fn: () => T): T
  deferred<T>(fn: () => T): T
  immediate<T>(fn: () => T): T
}

export function transactions(db: Database.Database): Transactions {
  const tx = db.transaction((fn: () => unknown) => fn())
  return {
    run: <T>(fn: () => T) => tx(fn) as T,
    deferred: <T>(fn: () => T) => tx.deferred(fn) as T,
    immediate: <T>(fn: () => T) => tx.immediate(fn) as T,
  }
}
