// Retention of the notification log and of stored CometD sessions (docs/durable-delivery.md):
// entries older than WORKBINS_LOG_RETENTION go, a few thousand per transaction so that a large
// backlog never holds the store (or the event loop, on SQLite) for long; stored sessions whose
// client has been silent longer than any live session can be are deleted (their node died).

import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Store } from '../store/store.ts'

/** Entries deleted per transaction. */
const SWEEP_CHUNK = 2000

export interface LogSweeper {
  stop(): void
}

export function sweepNotificationLog(
  store: Store,
  log: Logger,
  opts: { retentionMs: number; sessionStaleMs: number; periodMs: number },
): LogSweeper {
  let running = false
  const sweep = async () => {
    if (running) return
    running = true
    try {
      const now = Date.now()
      let deleted = 0
      for (;;) {
        const n = await store.sweepNotifications(now - opts.retentionMs, SWEEP_CHUNK)
        deleted += n
        if (n < SWEEP_CHUNK) break
        await nextTurn() // let requests in between chunks
      }
      const sessions = await store.deleteCometdSessionsIdleSince(now - opts.sessionStaleMs)
      if (deleted > 0 || sessions > 0) {
        log.info({ entries: deleted, sessions }, 'notification log swept')
      }
    } catch (err) {
      log.warn({ err }, 'notification log sweep failed; next period retries')
    } finally {
      running = false
    }
  }
  const timer = setInterval(() => void sweep(), opts.periodMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
