// Preloaded into the servers of the scale suite (`node --import tsx --import this-file`): the
// event loop's delay, sampled every millisecond. On SIGUSR2 it prints one line
// `loop-delay {"p50":ms,"p99":ms,"max":ms}` for the time since the last signal and starts over,
// so bench/scale.ts can read how long the loop was held during each phase.

import { monitorEventLoopDelay } from 'node:perf_hooks'

const histogram = monitorEventLoopDelay({ resolution: 1 })
histogram.enable()
process.on('SIGUSR2', () => {
  const ms = (ns: number) => Math.round(ns / 1e4) / 100
  const line = {
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
  }
  process.stdout.write(`loop-delay ${JSON.stringify(line)}\n`)
  histogram.reset()
})
