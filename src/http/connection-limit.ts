// Bounds on open TCP connections, so that one client cannot take every file descriptor of the
// process and leave the server unable to accept anyone else (docs/security.md "Connections").
//
// - In all: node's own `server.maxConnections`; beyond it node closes a new connection at once
//   and emits 'drop'. The default leaves room under the process's open-file limit for the
//   database, the cluster bus, the metrics port and the logs.
// - Per client address: counted here, in the first 'connection' listener, so a refused
//   connection reaches neither the direct long-polling reader nor node:http. Trusted proxies
//   (WORKBINS_TRUST_PROXY) are not counted: every client behind them shares their address, and
//   the proxy is the place to limit them (docs/scaling.md).

import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import proxyAddr from '@fastify/proxy-addr'
import type { Logger } from 'pino'

/** Descriptors kept for the process itself when the limit is derived from the open-file limit. */
export const RESERVED_DESCRIPTORS = 256
/** Used when the open-file limit cannot be read (not Linux) or is unlimited. */
export const FALLBACK_MAX_CONNECTIONS = 10_000
/** At most one warning per this many ms for each kind of refusal. */
const WARN_EVERY_MS = 10_000

export interface ConnectionLimits {
  /** Connections in all; 0 = derived from the open-file limit. */
  readonly maxConnections: number
  /** Connections from one address; 0 = no per-address bound. */
  readonly maxPerAddress: number
  /** WORKBINS_TRUST_PROXY's list: addresses not counted per address. */
  readonly trustedProxies: readonly string[]
}

export interface ConnectionCounts {
  refusedTotal: number
  refusedPerAddress: number
}

/** The soft "Max open files" of this process, from /proc (Linux); undefined when unknown. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8')
    } catch {
      return undefined
    }
  }
  const m = /^Max open files\s+(\S+)/m.exec(text)
  if (!m) return undefined
  const soft = Number(m[1])
  return Number.isSafeInteger(soft) && soft > 0 ? soft : undefined
}

/** The connection bound in all: the setting, or the open-file limit less a reserve. */
export function effectiveMaxConnections(setting: number, limit: number | undefined): number {
  if (setting > 0) return setting
  if (limit === undefined) return FALLBACK_MAX_CONNECTIONS
  return Math.max(RESERVED_DESCRIPTORS, limit - RESERVED_DESCRIPTORS)
}

/**
 * Installs both bounds on `server`. Call it after every other 'connection' listener is in place
 * (the direct long-polling reader's): the per-address gate wraps them all.
 */
export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  log: Logger,
): ConnectionCounts {
  const counts: ConnectionCounts = { refusedTotal: 0, refusedPerAddress: 0 }
  const max = effectiveMaxConnections(limits.maxConnections, openFileLimit())
  server.maxConnections = max
  let warnedTotal = 0
  server.on('drop', () => {
    counts.refusedTotal++
    const now = Date.now()
    if (now - warnedTotal < WARN_EVERY_MS) return
    warnedTotal = now
    log.warn(
      { maxConnections: max, refused: counts.refusedTotal },
      'connection refused: the server holds WORKBINS_MAX_CONNECTIONS connections',
    )
  })

  if (limits.maxPerAddress <= 0) return counts
  const perAddress = limits.maxPerAddress
  const trust = limits.trustedProxies.length ? proxyAddr.compile([...limits.trustedProxies]) : null
  const open = new Map<string, number>()
  const listeners = server.listeners('connection') as ((this: Server, s: Socket) => void)[]
  for (const l of listeners) server.off('connection', l)
  let warnedAddress = 0
  server.on('connection', (sock: Socket) => {
    const address = sock.remoteAddress
    if (address !== undefined && !(trust !== null && trust(address, 0))) {
      const n = open.get(address) ?? 0
      if (n >= perAddress) {
        counts.refusedPerAddress++
        sock.destroy()
        const now = Date.now()
        if (now - warnedAddress >= WARN_EVERY_MS) {
          warnedAddress = now
          log.warn(
            { address, maxPerAddress: perAddress, refused: counts.refusedPerAddress },
            'connection refused: this address holds WORKBINS_MAX_CONNECTIONS_PER_ADDRESS connections',
          )
        }
        return
      }
      open.set(address, n + 1)
      sock.once('close', () => {
        const left = (open.get(address) ?? 1) - 1
        if (left <= 0) open.delete(address)
        else open.set(address, left)
      })
    }
    for (const l of listeners) l.call(server, sock)
  })
  return counts
}
