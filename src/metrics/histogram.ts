// A histogram cheap enough for every request and every store call: a series is looked up
// once (or by one Map lookup) and an observation is a few additions, where prom-client's own
// Histogram validates and hashes its labels on every observe. It is registered as a custom
// metric and written out by prom-client's registry like any other.

import type { Registry } from 'prom-client'

/** One line of the exposition, as prom-client's registry reads it from a metric's get(). */
interface Value {
  metricName: string
  labels: Record<string, string | number>
  value: number
}

/** One label combination: cumulative bucket counts are derived at scrape time. */
export class Series {
  readonly counts: Float64Array
  sum = 0
  count = 0

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length)
  }

  observe(value: number): void {
    this.sum += value
    this.count++
    const b = this.bounds
    for (let i = 0; i < b.length; i++) {
      if (value <= (b[i] as number)) {
        ;(this.counts[i] as number)++
        return
      }
    }
  }
}

export class FastHistogram {
  readonly type = 'histogram'
  readonly #series = new Map<string, Series>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    // A custom metric: the registry only calls get() (and reset()) on it.
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0])
  }

  /** The series of these label values (in labelNames order), made on first use. */
  series(...values: string[]): Series {
    const key = values.join('\u0000')
    let s = this.#series.get(key)
    if (!s) {
      const labels = Object.fromEntries(this.labelNames.map((n, i) => [n, values[i] ?? '']))
      s = new Series(labels, this.bounds)
      this.#series.set(key, s)
    }
    return s
  }

  /** What prom-client's registry writes out: buckets (cumulative, `le`), sum and count. */
  get(): { name: string; help: string; type: string; values: Value[]; aggregator: string } {
    const values: Value[] = []
    for (const s of this.#series.values()) {
      let cumulative = 0
      this.bounds.forEach((bound, i) => {
        cumulative += s.counts[i] as number
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...s.labels, le: bound },
          value: cumulative,
        })
      })
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { ...s.labels, le: '+Inf' },
        value: s.count,
      })
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum })
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count })
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' }
  }

  reset(): void {
    this.#series.clear()
  }
}
