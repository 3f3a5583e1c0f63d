// Channel names, wildcards and who may use which channel (src/bayeux/README.md, "Channels").

/**
 * Segment characters: the spec's alpha | digit | mark ("-_!~()$@"), plus "." which real
 * deployments use (`/topic/a.b`). Wildcards `*` / `**` only as the whole last segment.
 */
const SEGMENT = /^[A-Za-z0-9\-_!~()$@.]+$/

export type ChannelKind = 'meta' | 'service' | 'broadcast'

export interface ParsedChannel {
  kind: ChannelKind
  /** Last segment is `*` or `**`. */
  wild: boolean
}

/**
 * A name longer than `max` characters (COMETD_MAX_CHANNEL_LENGTH), refused before it is parsed:
 * each subscription is kept in memory and in the stored session record, so without a bound one
 * user's sessions could hold 64 × 64 KiB names each.
 */
export function channelTooLong(name: unknown, max: number): boolean {
  return typeof name === 'string' && name.length > max
}

/** Bayeux 1.0 channel grammar check. Returns null for an invalid name (`405::channel_invalid`). */
export function parseChannel(name: unknown): ParsedChannel | null {
  if (typeof name !== 'string' || name.length < 2 || name.charCodeAt(0) !== 47 /* / */) {
    return null
  }
  const segs = name.split('/')
  let wild = false
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i] as string
    if (s === '*' || s === '**') {
      if (i !== segs.length - 1) return null // wildcards only as the last segment
      wild = true
    } else if (!SEGMENT.test(s)) {
      return null
    }
  }
  const first = segs[1]
  const kind: ChannelKind =
    first === 'meta' ? 'meta' : first === 'service' ? 'service' : 'broadcast'
  return { kind, wild }
}

// Bayeux 1.0 wildcards: the subscriptions that match a publish on /a/b/c are
// /a/b/c, /a/b/*, /a/b/**, /a/**, /** — computed once per channel name and cached.
const MAX_CACHED = 4096
const cache = new Map<string, readonly string[]>()

export function matchingPatterns(channel: string): readonly string[] {
  let list = cache.get(channel)
  if (list !== undefined) return list
  const out = [channel]
  let end = channel.lastIndexOf('/')
  out.push(channel.slice(0, end + 1) + '*')
  for (;;) {
    out.push(channel.slice(0, end + 1) + '**')
    if (end <= 0) break
    end = channel.lastIndexOf('/', end - 1)
  }
  list = out
  if (cache.size >= MAX_CACHED) cache.clear()
  cache.set(channel, list)
  return list
}

/** True when any of `patterns` (from matchingPatterns) is in `subscriptions`. */
export function matchesAny(
  subscriptions: ReadonlySet<string>,
  patterns: readonly string[],
): boolean {
  for (let i = 0; i < patterns.length; i++) {
    if (subscriptions.has(patterns[i] as string)) return true
  }
  return false
}

/** The per-user API space (docs/cometd.md, "Channels"). Clients never publish there. */
export function isUserSpace(channel: string): boolean {
  return channel === '/v2' || channel.startsWith('/v2/')
}

/**
 * A client may subscribe under /v2 only to patterns that cannot name another
 * user's space: `/v2/me/...`, `/v2/*`, `/v2/**` (deliveries there are per user anyway).
 * `/v2/users/...` and any other second segment are refused.
 */
export function mayClientSubscribe(channel: string): boolean {
  if (!isUserSpace(channel)) return true
  if (channel === '/v2') return false
  const rest = channel.slice(4)
  const slash = rest.indexOf('/')
  const second = slash < 0 ? rest : rest.slice(0, slash)
  return second === 'me' || second === '*' || second === '**'
}
