// Store call durations: a Proxy in front of the Store port that times every method by its
// name (the port's method names are a fixed set) and outcome. It works the same for every
// adapter, and the adapters stay unaware of metrics.

import { Histogram } from 'prom-client'
import type { Store } from '../store/store.ts'
import type { Metrics } from './registry.ts'

export function timedStore(store: Store, metrics: Metrics): Store {
  const duration = new Histogram({
    name: 'workbins_store_operation_duration_seconds',
    help: 'Store operation duration (one transaction each), by Store method and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [metrics.registry],
  })
  // One wrapper per method, made on first use: a call allocates no new function.
  const wrapped = new Map<PropertyKey, unknown>()
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (typeof value !== 'function' || typeof prop !== 'string') return value
      let fn = wrapped.get(prop)
      if (!fn) {
        const method = value as (...args: unknown[]) => unknown
        fn = function timed(...args: unknown[]): unknown {
          const start = process.hrtime.bigint()
          const seconds = () => Number(process.hrtime.bigint() - start) / 1e9
          // The adapter's own `this`, so its private fields work.
          const result = method.apply(target, args)
          if (!(result instanceof Promise)) return result
          return result.then(
            (v: unknown) => {
              duration.observe({ operation: prop, outcome: 'ok' }, seconds())
              return v
            },
            (err: unknown) => {
              duration.observe({ operation: prop, outcome: 'error' }, seconds())
              throw err
            },
          )
        }
        wrapped.set(prop, fn)
      }
      return fn
    },
  })
}
