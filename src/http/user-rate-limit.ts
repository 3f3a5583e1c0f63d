// Requests per authenticated user: a token bucket per user (docs/security.md "Requests per
// user"). A bucket holds up to `burst` requests and refills at `perSecond`; a request finding it
// empty is refused with the time until the next token. Per node: in a cluster each node counts
// the requests it serves. At most maxTracked buckets are kept; when a new one needs room, the
// buckets that have refilled (the same as none) go first.

import type { Logger } from 'pino'

export interface UserRateLimitOptions {
  /** Tokens added per second; 0 = no limit. */
  perSecond: number
  /** Most tokens a bucket holds (the burst a quiet user may send at once). */
  burst: number
  /** Most buckets kept; beyond, full ones are dropped first, then the oldest. */
  maxTracked: number
}

interface Bucket {
  tokens: number
  at: number
  /** Requests refused since the bucket last let one through (logged when it does again). */
  refused: number
}

export class UserRateLimit {
  readonly #buckets = new Map<string, Bucket>()

  constructor(
    private readonly opts: UserRateLimitOptions,
    private readonly log: Logger,
  ) {}

  get enabled(): boolean {
    return this.opts.perSecond > 0
  }

  /** Buckets held now (for tests and metrics). */
  get tracked(): number {
    return this.#buckets.size
  }

  /** undefined when the request may go on, else the ms until this user's next request may. */
  take(userId: string, now = Date.now()): number | undefined {
    if (!this.enabled) return undefined
    const { perSecond, burst } = this.opts
    let b = this.#buckets.get(userId)
    if (b === undefined) {
      this.#makeRoom(now)
      b = { tokens: burst, at: now, refused: 0 }
      this.#buckets.set(userId, b)
    } else {
      b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) * perSecond) / 1000)
      b.at = now
    }
    if (b.tokens >= 1) {
      b.tokens -= 1
      if (b.refused > 0) {
        this.log.info({ userId, refused: b.refused }, 'user request rate: accepting again')
        b.refused = 0
      }
      return undefined
    }
    if (b.refused === 0) {
      this.log.warn(
        { userId, perSecond, burst },
        'user request rate: refusing requests (WORKBINS_USER_REQUESTS_PER_SECOND)',
      )
    }
    b.refused++
    return Math.ceil(((1 - b.tokens) * 1000) / perSecond)
  }

  /** Called before a new bucket is added: keeps the map within maxTracked. */
  #makeRoom(now: number): void {
    if (this.#buckets.size < this.opts.maxTracked) return
    const fullAfterMs = (this.opts.burst * 1000) / this.opts.perSecond
    for (const [id, b] of this.#buckets) {
      // A full bucket is the same as none: forgetting it changes nothing.
      if (now - b.at >= fullAfterMs) this.#buckets.delete(id)
    }
    if (this.#buckets.size < this.opts.maxTracked) return
    // Every bucket in use: drop the oldest inserted (that user starts again with a full one).
    const first = this.#buckets.keys().next()
    if (!first.done) this.#buckets.delete(first.value)
  }
}
