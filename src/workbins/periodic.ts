// A periodic store task of every server (the offer sweep, the completed-interaction sweep): run
// once at start and then every period, never two runs at once, and a stop that waits for the
// run under way (before the store closes).

import type { Logger } from 'pino'

export interface Periodic {
  /** Stop the period; resolves when a run under way has finished. */
  stop(): Promise<void>
}

/**
 * `run` is told whether the task was stopped (to end between batches); what it resolves with
 * goes to `done`. A failed run is logged as `failed`, and the next period tries again.
 */
export function startPeriodic<T>(
  periodMs: number,
  run: (stopped: () => boolean) => Promise<T>,
  done: (result: T, ms: number) => void,
  log: Logger,
  failed: string,
): Periodic {
  let running: Promise<void> | null = null
  let stopped = false
  const tick = () => {
    if (running || stopped) return
    const started = Date.now()
    running = run(() => stopped)
      .then((result) => done(result, Date.now() - started))
      .catch((err: unknown) => log.warn({ err }, failed))
      .finally(() => {
        running = null
      })
  }
  const timer = setInterval(tick, periodMs)
  timer.unref()
  tick()
  return {
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
