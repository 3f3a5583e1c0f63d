// Failed-login throttling, per user name and per client address, in fixed windows. The reasons
// for this shape are in docs/security.md ("Login throttling"): an address that keeps failing
// is refused outright; a name under attack is refused only to addresses that have failed, so
// its owner can still log in from a clean address and a held session cookie is never checked
// here at all. A refused attempt costs no password hash.

import type { Logger } from 'pino'

export interface LoginThrottleOptions {
  windowMs: number
  maxPerName: number
  maxPerAddress: number
  /** Most keys kept per map; the oldest windows are dropped first. */
  maxTracked: number
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

  constructor(
    private readonly opts: LoginThrottleOptions,
    private readonly log: Logger,
  ) {}

  /**
   * Before a password is verified: undefined when the attempt may go on, else the ms until it
   * may be tried again.
   */
  check(userName: string, address: string, now = Date.now()): number | undefined {
    const a = live(this.#addresses, addressKey(address), now)
    if (a && a.failures >= this.opts.maxPerAddress) {
      a.refused++
      return a.resetAt - now
    }
    const n = live(this.#names, userName, now)
    if (n && n.failures >= this.opts.maxPerName && a && a.failures > 0) {
      n.refused++
      return n.resetAt - now
    }
    return undefined
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
