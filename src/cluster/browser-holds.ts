// COMETD_MAX_SESSIONS_PER_BROWSER over the cluster (docs/cluster.md, "Session limits"). The
// multiple-clients rule exists because a browser opens few connections per host, and behind a
// proxy every node is the same host: so a node counts the long polls of the same browser on the
// other nodes too. A node announces, over the bus, that a session of a browser polls there
// (at its first hold unless another node announced it lately, then once per `ttl / 3` while it
// keeps polling) and that it ended; an announcement lapses after `ttl`, so the polls of a node
// that died stop counting. Nothing else is sent: long polling, even moving between nodes at
// every request, costs about one message per session per `ttl / 3`.
// Approximate by design: a session that just moved between nodes may count twice for `ttl`,
// which only matters when the limit is above 1.

import type { BrowserHolds } from '../bayeux/index.ts'
import type { BusMessage } from './messages.ts'

interface Remote {
  node: string
  at: number
  until: number
}

export class ClusterBrowserHolds implements BrowserHolds {
  /** This node's sessions announced: clientId → browser key and when. */
  readonly #announced = new Map<string, { key: string; at: number }>()
  /** Other nodes' announcements: browser key → clientId → where and until when. */
  readonly #remote = new Map<string, Map<string, Remote>>()
  readonly #timer: NodeJS.Timeout

  constructor(
    private readonly send: (m: BusMessage) => void,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#timer = setInterval(() => this.prune(), ttlMs)
    this.#timer.unref()
  }

  held(browserKey: string, clientId: string): void {
    const t = this.now()
    const a = this.#announced.get(clientId)
    if (a && a.key === browserKey && t - a.at < this.ttlMs / 3) return
    // Announced lately by the node it came from (no stickiness: a poll moves every request):
    // the others count it already.
    const r = this.#remote.get(browserKey)?.get(clientId)
    if (r && t - r.at < this.ttlMs / 3) return
    this.#announced.set(clientId, { key: browserKey, at: t })
    this.send({ t: 'held', key: browserKey, clientId, ttl: this.ttlMs })
  }

  ended(browserKey: string, clientId: string): void {
    if (this.#announced.delete(clientId)) this.send({ t: 'unheld', key: browserKey, clientId })
  }

  elsewhere(browserKey: string, clientId: string): number {
    const polls = this.#remote.get(browserKey)
    if (!polls) return 0
    const t = this.now()
    let n = 0
    for (const [id, r] of polls) {
      if (r.until <= t) {
        polls.delete(id)
        continue
      }
      if (id === clientId) continue
      // Moved here since: this node's own count has it while it is held here.
      const local = this.#announced.get(id)
      if (local && local.at >= r.at) continue
      n++
    }
    if (polls.size === 0) this.#remote.delete(browserKey)
    return n
  }

  /** A bus message about another node's polls. */
  heard(m: BusMessage, from: string): void {
    if (m.t === 'held') {
      let polls = this.#remote.get(m.key)
      if (!polls) this.#remote.set(m.key, (polls = new Map()))
      const t = this.now()
      // The sender's ttl, bounded by ours: a wrong peer cannot pin a browser for long.
      polls.set(m.clientId, { node: from, at: t, until: t + Math.min(m.ttl, this.ttlMs) })
    } else if (m.t === 'unheld') {
      const polls = this.#remote.get(m.key)
      // Only the node that announced it withdraws it (the session may have moved on since).
      if (polls?.get(m.clientId)?.node === from) polls.delete(m.clientId)
      if (polls?.size === 0) this.#remote.delete(m.key)
    }
  }

  /** Drop lapsed announcements (also done as they are counted). */
  prune(): void {
    const t = this.now()
    for (const [key, polls] of this.#remote) {
      for (const [id, r] of polls) if (r.until <= t) polls.delete(id)
      if (polls.size === 0) this.#remote.delete(key)
    }
    for (const [id, a] of this.#announced) if (t - a.at > this.ttlMs) this.#announced.delete(id)
  }

  close(): void {
    clearInterval(this.#timer)
  }
}
