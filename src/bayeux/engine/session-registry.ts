// Where sessions are found: by clientId (O(1) lookup), by user (per-user deliveries, session
// limit), by contact center and subscription pattern (client broadcasts), and the count of
// held long polls per browser (multiple-clients rule).

import type { Session } from './session.ts'

export class SessionRegistry {
  readonly #byId = new Map<string, Session>()
  readonly #byUser = new Map<string, Set<Session>>()
  /** contactCenterId → subscription pattern → sessions. */
  readonly #byPattern = new Map<string, Map<string, Set<Session>>>()
  readonly #heldPerBrowser = new Map<string, number>()
  #subscriptions = 0

  /** `presence(userId, true)` when a user's first session is added, `false` when the last goes. */
  constructor(private readonly presence?: (userId: string, present: boolean) => void) {}

  get size(): number {
    return this.#byId.size
  }

  /** Subscriptions of the registered sessions, counted as they change. */
  get subscriptionCount(): number {
    return this.#subscriptions
  }

  get(clientId: string): Session | undefined {
    return this.#byId.get(clientId)
  }

  values(): IterableIterator<Session> {
    return this.#byId.values()
  }

  add(s: Session): void {
    this.#byId.set(s.id, s)
    s.registered = true
    let set = this.#byUser.get(s.principal.userId)
    if (!set) {
      this.#byUser.set(s.principal.userId, (set = new Set()))
      this.presence?.(s.principal.userId, true)
    }
    set.add(s)
  }

  users(): IterableIterator<string> {
    return this.#byUser.keys()
  }

  /** Live (not terminated) sessions of a user. */
  ofUser(userId: string): ReadonlySet<Session> | undefined {
    return this.#byUser.get(userId)
  }

  /** Take a session out of every delivery index (it stays findable by id until `delete`). */
  detach(s: Session): void {
    const set = this.#byUser.get(s.principal.userId)
    if (set?.delete(s) && set.size === 0) {
      this.#byUser.delete(s.principal.userId)
      this.presence?.(s.principal.userId, false)
    }
    for (const p of s.subscriptions) this.#unindex(s, p)
    this.#subscriptions -= s.subscriptions.size
    s.subscriptions.clear()
  }

  delete(s: Session): void {
    this.detach(s)
    if (this.#byId.get(s.id) === s) {
      this.#byId.delete(s.id)
      s.registered = false
    }
  }

  subscribe(s: Session, pattern: string): void {
    if (s.subscriptions.has(pattern)) return
    s.subscriptions.add(pattern)
    this.#subscriptions++
    const cc = s.principal.contactCenterId
    let byPattern = this.#byPattern.get(cc)
    if (!byPattern) this.#byPattern.set(cc, (byPattern = new Map()))
    let set = byPattern.get(pattern)
    if (!set) byPattern.set(pattern, (set = new Set()))
    set.add(s)
  }

  unsubscribe(s: Session, pattern: string): void {
    if (s.subscriptions.delete(pattern)) {
      this.#subscriptions--
      this.#unindex(s, pattern)
    }
  }

  #unindex(s: Session, pattern: string): void {
    const cc = s.principal.contactCenterId
    const byPattern = this.#byPattern.get(cc)
    const set = byPattern?.get(pattern)
    if (!byPattern || !set) return
    set.delete(s)
    if (set.size === 0) {
      byPattern.delete(pattern)
      if (byPattern.size === 0) this.#byPattern.delete(cc)
    }
  }

  /** Sessions of a contact center subscribed to exactly `pattern`. */
  subscribers(contactCenterId: string, pattern: string): ReadonlySet<Session> | undefined {
    return this.#byPattern.get(contactCenterId)?.get(pattern)
  }

  /** Number of sessions subscribed to `pattern` in a contact center (tests, stats). */
  subscriberCount(contactCenterId: string, pattern: string): number {
    return this.subscribers(contactCenterId, pattern)?.size ?? 0
  }

  heldFor(browserKey: string): number {
    return this.#heldPerBrowser.get(browserKey) ?? 0
  }

  addHeld(browserKey: string, delta: 1 | -1): void {
    // A count back to 0 stays in the map (no delete/insert per held connect); `pruneHeld`
    // removes those from the sweeper.
    const n = (this.#heldPerBrowser.get(browserKey) ?? 0) + delta
    this.#heldPerBrowser.set(browserKey, n > 0 ? n : 0)
  }

  /** Forget browsers with no held poll (sweeper). */
  pruneHeld(): void {
    for (const [key, n] of this.#heldPerBrowser) if (n === 0) this.#heldPerBrowser.delete(key)
  }
}
