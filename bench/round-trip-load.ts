// The seed's round trip as load (bench:durable, bench:cluster): sender loops pick a random agent
// and POST Subscribe or Unsubscribe on its Later workbin; the time until that agent's CometD
// session has the message with the reply's referenceId is the latency. A message may overtake
// its HTTP reply, so it is looked up among those already received first.

import type { Agent } from '../test/helpers/crash-load.ts'

/** One operation for agent `i`; resolves with the reply's referenceId, or undefined. */
export type SendOp = (i: number, operationName: 'Subscribe' | 'Unsubscribe') => Promise<unknown>

export class RoundTripLoad {
  /** `agent:referenceId` → send time, for messages not arrived yet. */
  readonly pending = new Map<string, number>()
  readonly latencies: number[] = []
  /** Operations answered with a referenceId since start() or the last reset(). */
  sent = 0
  #stop = false
  #loops: Promise<void>[] = []

  constructor(
    private readonly agents: readonly Agent[],
    private readonly send: SendOp,
  ) {
    for (const a of agents) {
      a.onMessage = (r) => {
        const key = `${a.index}:${r.referenceId}`
        const t0 = this.pending.get(key)
        if (t0 !== undefined) {
          this.pending.delete(key)
          this.latencies.push(r.at - t0)
        }
      }
    }
  }

  /**
   * `senders` loops; with `ratePerS` > 0 they are paced to that many operations per second in
   * all (each loop waits for its slot; a loop that falls behind goes at once), otherwise each
   * sends its next operation as soon as the last is answered (closed loop).
   */
  start(senders: number, ratePerS = 0): void {
    const interval = ratePerS > 0 ? (senders * 1000) / ratePerS : 0
    this.#loops = Array.from({ length: senders }, (_, k) =>
      this.#sender(interval, (k * interval) / senders),
    )
  }

  /** Forget what was measured so far (the end of a warm-up). */
  reset(): void {
    this.latencies.length = 0
    this.pending.clear()
    this.sent = 0
  }

  /** Stop the senders and wait for the operations in flight. */
  async stop(): Promise<void> {
    this.#stop = true
    await Promise.all(this.#loops)
  }

  detach(): void {
    for (const a of this.agents) a.onMessage = undefined
  }

  async #sender(interval: number, offset: number): Promise<void> {
    let subscribe = true
    let slot = performance.now() + offset
    while (!this.#stop) {
      if (interval > 0) {
        const wait = slot - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        slot = Math.max(slot + interval, performance.now())
        if (this.#stop) break
      }
      const i = Math.floor(Math.random() * this.agents.length)
      const a = this.agents[i] as Agent
      const t0 = performance.now()
      const ref = await this.send(i, subscribe ? 'Subscribe' : 'Unsubscribe')
      subscribe = !subscribe
      if (typeof ref !== 'number') continue
      const arrived = a.received.findLast((r) => r.referenceId === ref)
      if (arrived) this.latencies.push(arrived.at - t0)
      else this.pending.set(`${a.index}:${ref}`, t0)
      this.sent++
    }
  }
}
