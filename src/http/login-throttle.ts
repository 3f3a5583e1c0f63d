// Failed-login throttling, per user name and per client address, in fixed windows. The reasons
// for this shape are in docs/security.md ("Login throttling"): an address that keeps failing
// is refused outright; a name under attack is refused only to addresses that have failed, so
// its owner can still log in from a clean address and a held session cookie is never checked
// here at all. A refused attempt costs no password hash. Attempts being verified count too: one
// that could reach a limit if they failed waits for them, so that guesses sent at once get no
// more passwords verified than guesses sent one after another, and correct logins sent at once
// (many users behind one address) are delayed, never refused.

import type { Logger } from 'pino'

export interface LoginThrottleOptions {
  windowMs: number
  maxPerName: number
  maxPerAddress: number
  /** Most keys kept per map; the oldest windows are dropped first. */
  maxTracked: number
}

/** Attempts under one key that begin() let go on and end() has not yet ended. */
interface InFlight {
  count: number
  /** Attempts waiting for one of these to end, to ask again. */
  waiters: Array<() => void>
}

interface Window {
  failures: number
  /** Attempts refused in this window (reported in the log line of the next window). */
  refused: number
  resetAt: number
}

export class LoginThrottle {
  readonly #names = new Map<string, Window>()
  readonly #addresses = new Map<string, Window>()
  /** Apart from the windows: an attempt counts until it ends, also past its window's end. */
  readonly #namesInFlight = new Map<string, InFlight>()
  readonly #addressesInFlight = new Map<string, InFlight>()

  constructor(
    private readonly opts: LoginThrottleOptions,
    private readonly log: Logger,
  ) {}

  /**
   * Before a password is verified: undefined when the attempt may go on (it is then in flight
   * until end()), a number when it is refused (the ms until it may be tried again), a promise
   * when the attempts in flight could reach a limit (it settles when one of them ends: ask
   * again then).
   */
  begin(userName: string, address: string, now = Date.now()): number | Promise<void> | undefined {
    const addr = addressKey(address)
    const a = live(this.#addresses, addr, now)
    const aFailed = a?.failures ?? 0
    if (a && aFailed >= this.opts.maxPerAddress) {
      a.refused++
      return a.resetAt - now
    }
    const n = live(this.#names, userName, now)
    const nFailed = n?.failures ?? 0
    if (n && nFailed >= this.opts.maxPerName && aFailed > 0) {
      n.refused++
      return n.resetAt - now
    }
    // The same rules, counting every attempt in flight as a failure. When they hold, one of the
    // counts below is of attempts in flight, whose end() wakes the waiter.
    const aFlight = this.#addressesInFlight.get(addr)
    const nFlight = this.#namesInFlight.get(userName)
    const aPending = aFailed + (aFlight?.count ?? 0)
    const nPending = nFailed + (nFlight?.count ?? 0)
    if (aPending >= this.opts.maxPerAddress || (nPending >= this.opts.maxPerName && aPending > 0)) {
      return new Promise((resolve) => {
        aFlight?.waiters.push(resolve)
        nFlight?.waiters.push(resolve)
      })
    }
    enter(this.#addressesInFlight, addr)
    enter(this.#namesInFlight, userName)
    return undefined
  }

  /** An attempt begin() let go on has ended (after failed() when it failed). */
  end(userName: string, address: string): void {
    leave(this.#addressesInFlight, addressKey(address))
    leave(this.#namesInFlight, userName)
  }

  /** A password did not verify: count it for the name and the address (logged on `log`). */
  failed(userName: string, address: string, now = Date.now(), log: Logger = this.log): void {
    address = addressKey(address)
    const a = this.#bump(this.#addresses, address, now, log)
    if (a.failures === this.opts.maxPerAddress) {
      log.warn(
        { address, failures: a.failures, windowSeconds: this.opts.windowMs / 1000 },
        'login throttled: too many failed logins from this address',
      )
    }
    const n = this.#bump(this.#names, userName, now, log)
    if (n.failures === this.opts.maxPerName) {
      log.warn(
        { userName, failures: n.failures, windowSeconds: this.opts.windowMs / 1000 },
        'login throttled: too many failed logins for this user name',
      )
    }
  }

  /**
   * A failure another node of the cluster counted (docs/cluster.md): counted here too, so that
   * the limits hold for the cluster; the node that saw it logged it.
   */
  counted(userName: string, address: string, now = Date.now()): void {
    this.#bump(this.#addresses, addressKey(address), now, this.log)
    this.#bump(this.#names, userName, now, this.log)
  }

  #bump(map: Map<string, Window>, key: string, now: number, log: Logger): Window {
    let w = live(map, key, now)
    if (!w) {
      const old = map.get(key)
      if (old && old.refused > 0) {
        log.info({ key, refused: old.refused }, 'login throttle window ended')
      }
      map.delete(key)
      // Oldest windows first (insertion order): expired ones, then live ones beyond the bound.
      for (const [k, v] of map) {
        if (v.resetAt > now && map.size < this.opts.maxTracked) break
        map.delete(k)
      }
      w = { failures: 0, refused: 0, resetAt: now + this.opts.windowMs }
      map.set(key, w)
    }
    w.failures++
    return w
  }
}

function enter(map: Map<string, InFlight>, key: string): void {
  const f = map.get(key)
  if (f) f.count++
  else map.set(key, { count: 1, waiters: [] })
}

/** One attempt fewer; every waiter asks again (a waiter on two keys is woken twice: harmless). */
function leave(map: Map<string, InFlight>, key: string): void {
  const f = map.get(key)
  if (!f) return
  if (--f.count === 0) map.delete(key)
  for (const wake of f.waiters.splice(0)) wake()
}

function live(map: Map<string, Window>, key: string, now: number): Window | undefined {
  const w = map.get(key)
  return w && w.resetAt > now ? w : undefined
}

/**
 * The key an address is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64,
 * the smallest block one client usually holds (one host may use any address in it).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return mapped[1] as string
  if (!address.includes(':')) return address
  const bare = address.split('%')[0] as string // no zone id
  const [head = '', tail] = bare.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = [
    ...left,
    ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'),
    ...right,
  ]
  const prefix = groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16))
  return `${prefix.join(':')}::/64`
}
