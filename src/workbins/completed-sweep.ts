// The retention of completed interactions (docs/interactions.md "Completed interactions"): when
// WORKBINS_COMPLETED_RETENTION_SECONDS is set, every server deletes, once at start and then every
// WORKBINS_COMPLETED_SWEEP_SECONDS, the interactions completed longer ago than that. A completed
// interaction is in no workbin, queue or agent's hands, so nobody is told: only an integration
// reading it by id (then 404) sees it go. Several servers sweeping one database delete disjoint
// rows or nothing; each batch is one short transaction, with a turn between batches for requests.

import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Store } from '../store/store.ts'
import { startPeriodic, type Periodic } from './periodic.ts'

export interface CompletedSweepOptions {
  retentionSeconds: number
  sweepSeconds: number
  batch: number
}

export type CompletedSweep = Periodic

/** One pass: delete every interaction completed before `now - retention`. Returns how many. */
export async function sweepCompleted(
  store: Store,
  o: CompletedSweepOptions,
  now = Date.now(),
  stopped: () => boolean = () => false,
): Promise<number> {
  const before = now - o.retentionSeconds * 1000
  let deleted = 0
  while (!stopped()) {
    const n = await store.deleteCompletedInteractions(before, o.batch)
    deleted += n
    if (n < o.batch) break
    await nextTurn()
  }
  return deleted
}

/** undefined when the retention is 0 (completed interactions are kept). */
export function startCompletedSweep(
  store: Store,
  o: CompletedSweepOptions,
  log: Logger,
): CompletedSweep | undefined {
  if (o.retentionSeconds <= 0) return undefined
  return startPeriodic(
    o.sweepSeconds * 1000,
    (stopped) => sweepCompleted(store, o, Date.now(), stopped),
    (n, ms) => {
      if (n > 0) log.info({ deleted: n, ms }, 'completed interactions past their retention deleted')
    },
    log,
    'completed interaction sweep failed; next period retries',
  )
}
