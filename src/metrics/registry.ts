// The metrics of one app: its own prom-client registry (tests run many apps in one process),
// plus the process-wide default metrics (event-loop lag, heap, CPU, GC), registered once per
// process because they describe the process, not an app. Label values are always taken from
// small fixed sets (route templates, method names, status codes, reasons): never a user id,
// a workbin id or a raw URL, so the number of series stays bounded.

import { Counter, Registry, collectDefaultMetrics } from 'prom-client'

let processRegistry: Registry | undefined

/** The default Node.js metrics, one set per process (prom-client's names, unprefixed). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

export class Metrics {
  readonly registry = new Registry()
  readonly #beforeScrape: (() => void)[] = []

  constructor() {
    processMetrics()
  }

  /** Run `fn` at the start of every scrape (e.g. to read one snapshot of counters). */
  beforeScrape(fn: () => void): void {
    this.#beforeScrape.push(fn)
  }

  get contentType(): string {
    return this.registry.contentType
  }

  /** Every series in the Prometheus text format. */
  async scrape(): Promise<string> {
    for (const fn of this.#beforeScrape) fn()
    const [own, proc] = await Promise.all([this.registry.metrics(), processMetrics().metrics()])
    return `${own}\n${proc}`
  }
}

/**
 * A counter showing a running total kept elsewhere (the store, the CometD server), read at
 * each scrape: the owner counts, the counter shows the total as it is.
 */
export function runningTotal(
  metrics: Metrics,
  name: string,
  help: string,
  read: () => number,
): void {
  new Counter({
    name,
    help,
    registers: [metrics.registry],
    collect() {
      this.reset()
      this.inc(read())
    },
  })
}
