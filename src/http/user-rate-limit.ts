// Requests per authenticated user: a token bucket per user (docs/security.md "Requests per
// user"). A bucket holds up to `burst` requests and refills at `perSecond`. A request finding it
// empty waits for its turn (its token is reserved) when that turn comes within `maxDelayMs`, as
// nginx's limit_req delays excess requests; beyond, it is refused. A client that ignores
// Retry-After and resends at once gets its refusal after the same wait, so a flood costs the
// server a timer per connection instead of a request per millisecond.
// Per node: in a cluster each node counts the requests it serves. At most maxTracked buckets
// are kept; when a new one needs room, the buckets that have refilled (the same as none) go first.

import type { Logger } from 'pino'

export interface UserRateLimitOptions {
  /** Tokens added per second; 0 = no limit. */
  perSecond: number
  /** Most tokens a bucket holds (the burst a quiet user may send at once). */
  burst: number
  /** Longest wait for a turn; a request whose turn is further away is refused. */
  maxDelayMs: number
  /** Most buckets kept; beyond, full ones are dropped first, then the oldest. */
  maxTracked: number
}

/** What to do with a request: go now, go after a wait (its turn is reserved), or refuse. */
export type RateDecision =
  | { readonly go: true; readonly delayMs: number }
  | { readonly go: false; readonly retryAfterMs: number; readonly delayMs: number }

const NOW: RateDecision = { go: true, delayMs: 0 }

interface Bucket {
  /** Below zero: turns reserved by waiting requests. */
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

  take(userId: string, now = Date.now()): RateDecision {
    if (!this.enabled) return NOW
    const { perSecond, burst, maxDelayMs } = this.opts
    let b = this.#buckets.get(userId)
    if (b === undefined) {
      this.#makeRoom(now)
      b = { tokens: burst, at: now, refused: 0 }
      this.#buckets.set(userId, b)
    } else {
      b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) * perSecond) / 1000)
      b.at = now
    }
    // The wait until this request's token is there (0 when one is there now); the epsilon
    // keeps a float's last bit (240.00000000003) from adding a whole ms.
    const waitMs =
      b.tokens >= 1 ? 0 : Math.max(0, Math.ceil(((1 - b.tokens) * 1000) / perSecond - 1e-6))
    if (waitMs <= maxDelayMs) {
      b.tokens -= 1
      if (b.refused > 0) {
        this.log.info({ userId, refused: b.refused }, 'user request rate: accepting again')
        b.refused = 0
      }
      return waitMs === 0 ? NOW : { go: true, delayMs: waitMs }
    }
    if (b.refused === 0) {
      this.log.warn(
        { userId, perSecond, burst },
        'user request rate: refusing requests (WORKBINS_USER_REQUESTS_PER_SECOND)',
      )
    }
    b.refused++
    return { go: false, retryAfterMs: waitMs, delayMs: maxDelayMs }
  }

  /** Called before a new bucket is added: keeps the map within maxTracked. */
  #makeRoom(now: number): void {
    if (this.#buckets.size < this.opts.maxTracked) return
    const { burst, perSecond, maxDelayMs } = this.opts
    // From the lowest a bucket can be (-perSecond × maxDelay), full again after this long.
    const fullAfterMs = ((burst + (perSecond * maxDelayMs) / 1000) * 1000) / perSecond
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
