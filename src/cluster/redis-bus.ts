// The cluster bus over Redis pub/sub (docs/cluster.md): one channel, JSON envelopes. Messages
// sent in one tick leave in one PUBLISH (wake hints of several commits are merged). ioredis
// reconnects by itself; an outage is logged once when it starts and once when it ends, and
// every (re)subscription calls `onSubscribed` so the node catches up from the log.

import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { WorkbinInstance } from '../model.ts'
import { instanceKey } from '../notifications/subscriber-index.ts'
import type { BusEnvelope, BusMessage } from './messages.ts'
import { parseEnvelope } from './messages.ts'

export interface BusHandlers {
  message(m: BusMessage, from: string): void
  /** Subscribed, first or again after an outage: hints may have been missed meanwhile. */
  subscribed(): void
}

export class RedisBus {
  readonly #pub: Redis
  readonly #sub: Redis
  #queue: BusMessage[] = []
  #wakeUsers = new Set<string>()
  #wakeInstances = new Map<string, WorkbinInstance>()
  #scheduled = false
  /** The connections that are away (publisher, subscriber): an outage is logged once, both back. */
  readonly #down = new Set<string>()
  #closed = false
  /** A publish failed: once Redis answers again, everyone is told to catch up. */
  #resync = false

  constructor(
    url: string,
    private readonly channel: string,
    readonly nodeId: string,
    private readonly log: Logger,
    private readonly handlers: BusHandlers,
  ) {
    const opts = {
      // Never queue commands while disconnected: a hint that cannot leave now is useless later
      // (the receivers catch up from the log when their subscription comes back).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (n: number) => Math.min(n * 200, 2000),
      lazyConnect: true,
    }
    // Named, so an operator (or a test) can tell the connections apart in CLIENT LIST.
    this.#pub = new Redis(url, { ...opts, connectionName: `workbins:${nodeId}:pub` })
    this.#sub = new Redis(url, {
      ...opts,
      enableOfflineQueue: true,
      connectionName: `workbins:${nodeId}:sub`,
    })
    for (const [name, r] of [
      ['publisher', this.#pub],
      ['subscriber', this.#sub],
    ] as const) {
      r.on('error', (err: Error) => this.#outage(name, err))
      r.on('close', () => this.#outage(name, new Error('connection closed')))
    }
    this.#sub.on('ready', () => {
      // ioredis subscribes again by itself on reconnect (autoResubscribe).
      this.#back('subscriber')
      handlers.subscribed()
    })
    this.#pub.on('ready', () => {
      this.#back('publisher')
      if (this.#resync) this.send({ t: 'resync' })
    })
    this.#sub.on('message', (_channel: string, text: string) => this.#receive(text))
  }

  async start(): Promise<void> {
    await this.#pub.connect()
    await this.#sub.connect()
    await this.#sub.subscribe(this.channel)
  }

  #back(name: string): void {
    if (!this.#down.delete(name) || this.#down.size > 0) return
    this.log.warn('cluster bus: Redis is back; catching up from the log')
  }

  #outage(name: string, err: Error): void {
    if (this.#closed || this.#down.has(name)) return
    this.#down.add(name)
    if (this.#down.size > 1) return // already told
    this.log.warn(
      { err: err.message, connection: name },
      'cluster bus: Redis unreachable; nodes catch up from the log when it is back',
    )
  }

  #receive(text: string): void {
    const env = parseEnvelope(text)
    if (!env) {
      this.log.warn({ bytes: text.length }, 'cluster bus: message not understood, ignored')
      return
    }
    if (env.from === this.nodeId) return
    for (const m of env.m) {
      try {
        this.handlers.message(m, env.from)
      } catch (err) {
        this.log.warn({ err, type: m.t }, 'cluster bus: message not handled')
      }
    }
  }

  /** Entries committed here: the users and instances they concern (merged within a tick). */
  wake(users: Iterable<string>, instances: Iterable<WorkbinInstance>): void {
    for (const u of users) this.#wakeUsers.add(u)
    for (const i of instances) this.#wakeInstances.set(instanceKey(i), i)
    this.#schedule()
  }

  send(m: BusMessage): void {
    this.#queue.push(m)
    this.#schedule()
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return
    this.#scheduled = true
    setImmediate(() => this.#flush())
  }

  #flush(): void {
    this.#scheduled = false
    const m = this.#queue
    this.#queue = []
    if (this.#wakeUsers.size > 0 || this.#wakeInstances.size > 0) {
      m.unshift({
        t: 'wake',
        users: [...this.#wakeUsers],
        instances: [...this.#wakeInstances.values()],
      })
      this.#wakeUsers = new Set()
      this.#wakeInstances = new Map()
    }
    // Nodes older than `released` ignore a whole envelope holding a type they do not know:
    // sent apart, it cannot take a `subs` or `end` down with it during a rolling upgrade.
    const apart = m.filter((x) => x.t === 'released')
    if (apart.length > 0) {
      this.#publish(apart)
      this.#publish(m.filter((x) => x.t !== 'released'))
    } else this.#publish(m)
  }

  #publish(m: BusMessage[]): void {
    if (m.length === 0) return
    const env: BusEnvelope = { from: this.nodeId, m }
    // Lost while Redis is away: the receivers catch up when they subscribe again.
    this.#pub.publish(this.channel, JSON.stringify(env)).then(
      () => {
        if (m.some((x) => x.t === 'resync')) this.#resync = false
      },
      () => {
        this.#resync = true
      },
    )
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#flush()
    this.#closed = true
    await Promise.allSettled([this.#pub.quit(), this.#sub.quit()])
  }
}
