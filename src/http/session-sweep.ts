// Removes HTTP sessions (JSESSIONID) idle past WORKBINS_SESSION_IDLE_SECONDS from the store, at
// most once a minute. Authentication already refuses an idle session; the sweep frees the rows
// and, through the store, the place of a user left without a session
// (docs/workbins-subscriptions.md "Places").

import type { Logger } from 'pino'
import type { Store } from '../store/store.ts'

export function sweepIdleSessions(
  store: Pick<Store, 'deleteSessionsIdleSince'>,
  log: Logger,
  idleSeconds: number,
): { stop(): void } {
  const timer = setInterval(
    () => {
      store
        .deleteSessionsIdleSince(Date.now() - idleSeconds * 1000)
        .then((n) => n > 0 && log.debug({ removed: n }, 'idle sessions removed'))
        .catch((err: unknown) => log.warn({ err }, 'session sweep failed'))
    },
    Math.min(60_000, idleSeconds * 1000),
  )
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
