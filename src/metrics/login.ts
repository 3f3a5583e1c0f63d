// Failed logins by reason. Auth calls the returned function and knows nothing of prom-client;
// no user name or address becomes a label (they are in the log line instead).

import { Counter } from 'prom-client'
import type { Metrics } from './registry.ts'

export type LoginFailure = 'invalid_credentials' | 'throttled'

export function loginFailureCounter(metrics: Metrics): (reason: LoginFailure) => void {
  const failures = new Counter({
    name: 'workbins_login_failures_total',
    help: 'Failed Basic logins (REST and CometD handshake), by reason',
    labelNames: ['reason'] as const,
    registers: [metrics.registry],
  })
  // Both series exist from the start, so rate() works before the first failure.
  failures.inc({ reason: 'invalid_credentials' }, 0)
  failures.inc({ reason: 'throttled' }, 0)
  return (reason) => failures.inc({ reason })
}
