// Bayeux 1.0 wire shapes. Incoming messages are untrusted JSON, so
// their fields are `unknown` until a handler checks them; replies are built by us and typed.

export const BAYEUX_VERSION = '1.0'

export const META_HANDSHAKE = '/meta/handshake'
export const META_CONNECT = '/meta/connect'
export const META_SUBSCRIBE = '/meta/subscribe'
export const META_UNSUBSCRIBE = '/meta/unsubscribe'
export const META_DISCONNECT = '/meta/disconnect'

export const LONG_POLLING = 'long-polling'
export const WEBSOCKET = 'websocket'
export type ConnectionType = typeof LONG_POLLING | typeof WEBSOCKET

/** One incoming message, as parsed. */
export interface InMessage {
  channel?: unknown
  id?: unknown
  clientId?: unknown
  data?: unknown
  ext?: unknown
  advice?: unknown
  subscription?: unknown
  version?: unknown
  supportedConnectionTypes?: unknown
  connectionType?: unknown
  [field: string]: unknown
}

export type Reconnect = 'retry' | 'handshake' | 'none'

export interface Advice {
  reconnect?: Reconnect
  interval?: number
  timeout?: number
  maxInterval?: number
  'multiple-clients'?: boolean
}

/** A reply we send. Publish replies never carry `data`. */
export interface Reply {
  channel: string
  id?: string | number
  successful?: boolean
  error?: string
  advice?: Advice
  ext?: Record<string, unknown>
  clientId?: string
  subscription?: unknown
  version?: string
  minimumVersion?: string
  supportedConnectionTypes?: string[]
  data?: unknown
}

/**
 * Bayeux 1.0: a request body is a JSON array of messages; a bare object is accepted too.
 * Returns null for anything else (not JSON, empty array, an element that is not an object).
 */
export function parseMessages(text: string): InMessage[] | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return null
    for (const m of value) if (!isObject(m)) return null
    return value as InMessage[]
  }
  return isObject(value) ? [value as InMessage] : null
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Checklist 21: an `id` is a short printable string (the official client sends "1", "2"...,
 * faye base-36 strings; UUIDs are fine) or a number. Anything else is refused (405).
 */
export function validId(id: unknown): boolean {
  if (typeof id === 'number') return Number.isFinite(id)
  return typeof id === 'string' && id.length > 0 && id.length <= 128 && /^[\x21-\x7e]+$/.test(id)
}

/** Bayeux 1.0: replies to meta messages echo the request `id` (string or number as sent). */
export function replyId(m: InMessage): string | number | undefined {
  const id = m.id
  return typeof id === 'string' || typeof id === 'number' ? id : undefined
}

/** A new reply on `channel` echoing the request id. */
export function replyTo(m: InMessage, channel: string): Reply {
  const r: Reply = { channel }
  const id = replyId(m)
  if (id !== undefined) r.id = id
  return r
}

/** Serialize replies and already-serialized events into one JSON array text. */
export function arrayText(parts: string[]): string {
  return parts.length === 1 ? `[${parts[0]}]` : `[${parts.join(',')}]`
}
