// The scale suite's "one client loops the whole big workbin" process: GETs the 10,000-item
// content back to back until told to stop, then reports the count and the latencies.
// Forked by bench/scale.ts with {port, user, password, path}.

import { ScaleClient } from './client.ts'

interface Start {
  port: number
  user: string
  password: string
  path: string
}

process.once('message', (start: Start) => {
  const client = new ScaleClient(start.port, start.user, start.password)
  const ms: number[] = []
  let bytes = 0
  let stop = false
  process.once('message', () => (stop = true))
  void (async () => {
    while (!stop) {
      const r = await client.get(start.path)
      if (r.status !== 200) throw new Error(`looper: HTTP ${r.status}`)
      ms.push(r.ms)
      bytes = r.bytes
    }
    client.close()
    process.send?.({ ms, bytes }, () => process.exit(0))
  })()
})
