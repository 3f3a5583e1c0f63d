// Store call durations: a Proxy in front of the Store port that times every method by its
// name (the port's method names are a fixed set) and outcome. It works the same for every
// adapter, and the adapters stay unaware of metrics.

import type { Store } from '../store/store.ts'
import { wrapMethods } from '../store/wrap-methods.ts'
import { FastHistogram, type Series } from './histogram.ts'
import { runningTotal, type Metrics } from './registry.ts'

export function timedStore(store: Store, metrics: Metrics): Store {
  const duration = new FastHistogram(
    'workbins_store_operation_duration_seconds',
    'Store operation duration (one transaction each), by Store method and outcome, seconds',
    ['operation', 'outcome'],
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    metrics.registry,
  )
  // Every Store method returns a promise (store.ts).
  return wrapMethods(store, [], (operation, method) => {
    const ok = duration.series(operation, 'ok')
    let failed: Series | undefined
    return async function timed(...args: unknown[]): Promise<unknown> {
      const start = performance.now()
      try {
        // The adapter's own `this`, so its private fields work.
        const value = await method.apply(store, args)
        ok.observe((performance.now() - start) / 1000)
        return value
      } catch (err) {
        failed ??= duration.series(operation, 'error')
        failed.observe((performance.now() - start) / 1000)
        throw err
      }
    }
  })
}

/** What SQLite's group commit counts (src/store/sqlite/group-commit.ts). */
interface CommitCounts {
  commits: number
  writes: number
}

/**
 * SQLite only: commits and the writes they held (docs/operations.md, "Durability and group
 * commit"): writes ÷ commits is how many requests share an fsync.
 */
export function commitMetrics(metrics: Metrics, counts: () => CommitCounts): void {
  const c = 'SQLite transactions committed (group commit)'
  runningTotal(metrics, 'workbins_store_commits_total', c, () => counts().commits)
  const w = 'Store writes those transactions held'
  runningTotal(metrics, 'workbins_store_committed_writes_total', w, () => counts().writes)
}

/** What the SQLite checkpoint thread counts (src/store/sqlite/checkpointer.ts). */
interface CheckpointCounts {
  runs: number
  framesCopied: number
}

/**
 * SQLite only: checkpoints run off the event loop and the log frames they copied into the
 * database file (docs/operations.md, "Durability and group commit").
 */
export function checkpointMetrics(metrics: Metrics, counts: () => CheckpointCounts): void {
  const r = 'SQLite checkpoints run by the checkpoint thread'
  runningTotal(metrics, 'workbins_store_checkpoints_total', r, () => counts().runs)
  const f = 'Write-ahead log frames those checkpoints copied into the database file'
  runningTotal(metrics, 'workbins_store_checkpoint_frames_total', f, () => counts().framesCopied)
}
