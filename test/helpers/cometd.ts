// The official CometD client (npm `cometd` + `cometd-nodejs-client`) for tests, with promise
// wrappers and a "next message" waiter.
//
// Authentication (docs/cometd.md) with the official client in Node:
//  - long-polling: `headers` go on every request (`requestHeaders`), e.g.
//    `{ Authorization: 'Basic ...' }` or `{ Cookie: 'JSESSIONID=...' }` (the adapter merges a
//    `Cookie` header with its own jar, so BAYEUX_BROWSER still travels).
//  - websocket: the adapter opens `new WebSocket(url)` with no headers and no cookies, and
//    `requestHeaders` do not apply. This helper installs a `window.WebSocket` subclass that
//    adds this client's `headers` to the upgrade request (keyed by a per-client URL query
//    parameter, which the server ignores). Outside this helper, a Node app can put Basic
//    credentials in the URL (`http://user:pass@host/...`: the `ws` library turns them into
//    an Authorization header) or install the same kind of subclass.
//  - the cookie jar of cometd-nodejs-client is one per process and per host name, so every
//    client of a test process shares one BAYEUX_BROWSER cookie; the server counts held polls
//    per (browser, user), so clients of different users do not slow each other down.
//  - because the jar is shared, concurrent *first* long-polling handshakes to a host would
//    each get a different BAYEUX_BROWSER cookie and overwrite each other in the jar (the
//    earlier sessions then get 402 and re-handshake). `handshake()` below therefore lets the
//    first long-polling handshake per host finish before the others start.

import { adapt } from 'cometd-nodejs-client'
import { AckExtension, CometD, TimeSyncExtension } from 'cometd'
import type { Message } from 'cometd'
import { WebSocket as WsWebSocket } from 'ws'

export type { Message } from 'cometd'

// adapt() stores its per-host cookie jar on the options object we pass: keep a handle on it.
const adaptOptions: { logLevel?: 'info'; globalCookies?: Record<string, Record<string, string>> } =
  {}
adapt(adaptOptions)

// ---- per-client WebSocket upgrade headers
const upgradeHeaders = new Map<string, Record<string, string>>()
const win = (globalThis as unknown as { window: { WebSocket: unknown } }).window

class HeaderWebSocket extends WsWebSocket {
  constructor(url: string, protocols?: string | string[]) {
    const headers = upgradeHeaders.get(url.replace(/^ws/, 'http'))
    super(url, protocols ?? [], headers ? { headers } : {})
  }
}
win.WebSocket = HeaderWebSocket

let clientSeq = 0

export interface ClientOptions {
  /** Default 'long-polling'. 'auto': websocket first, long-polling as fallback (client default). */
  transport?: 'long-polling' | 'websocket' | 'auto'
  /** Register the official AckExtension. */
  ack?: boolean
  /** Register the official TimeSyncExtension. */
  timesync?: boolean
  /** Sent with every long-polling request and with the WebSocket upgrade. */
  headers?: Record<string, string>
  /** Extra `configure()` options (maxNetworkDelay, maxSendBayeuxMessageSize, ...). */
  config?: Record<string, unknown>
}

/** A configured (not yet handshaken) official client. */
export function newClient(url: string, opts: ClientOptions = {}): CometD {
  const c = new CometD()
  const transport = opts.transport ?? 'long-polling'
  if (transport === 'long-polling') {
    c.unregisterTransport('websocket')
  } else if (transport === 'websocket') {
    c.unregisterTransport('long-polling')
    c.unregisterTransport('callback-polling')
  } else {
    c.unregisterTransport('callback-polling') // needs a DOM
  }
  if (opts.ack) c.registerExtension('ack', new AckExtension())
  if (opts.timesync) c.registerExtension('timesync', new TimeSyncExtension())
  const config: Record<string, unknown> = {
    url,
    logLevel: 'warn',
    maxNetworkDelay: 3000,
    ...opts.config,
  }
  if (opts.headers) {
    config.requestHeaders = opts.headers
    const wsUrl = `${url}${url.includes('?') ? '&' : '?'}cometd-client=${++clientSeq}`
    upgradeHeaders.set(wsUrl, opts.headers)
    config.urls = { websocket: wsUrl }
  }
  c.configure(config as unknown as Parameters<CometD['configure']>[0])
  return c
}

const priming = new Map<string, Promise<void>>()

function hasBrowserCookie(host: string): boolean {
  return adaptOptions.globalCookies?.[host]?.['BAYEUX_BROWSER'] !== undefined
}

/**
 * Handshake; resolves with the successful reply, rejects with the failed one. The first
 * long-polling handshake to a host runs alone (see the note at the top of this file).
 */
export async function handshake(c: CometD, props?: object): Promise<Message> {
  const url = c.getURL()
  if (!url || !c.getTransportTypes().includes('long-polling')) return rawHandshakeCall(c, props)
  const host = new URL(url).hostname
  while (!hasBrowserCookie(host)) {
    const pending = priming.get(host)
    if (pending) {
      await pending
      continue
    }
    let done = () => {}
    priming.set(host, new Promise<void>((resolve) => (done = resolve)))
    try {
      return await rawHandshakeCall(c, props)
    } finally {
      priming.delete(host)
      done()
    }
  }
  return rawHandshakeCall(c, props)
}

function rawHandshakeCall(c: CometD, props?: object): Promise<Message> {
  return new Promise((resolve, reject) => {
    const cb = (r: Message) => (r.successful ? resolve(r) : reject(replyError(r)))
    if (props) c.handshake(props, cb)
    else c.handshake(cb)
  })
}

/** Subscribe; resolves with the successful /meta/subscribe reply. */
export function subscribe(
  c: CometD,
  channel: string,
  listener: (m: Message) => void = () => {},
): Promise<Message> {
  return new Promise((resolve, reject) => {
    c.subscribe(channel, listener, (r: Message) =>
      r.successful ? resolve(r) : reject(replyError(r)),
    )
  })
}

/** Publish; resolves with the publish reply (which carries no data). */
export function publish(c: CometD, channel: string, data: unknown): Promise<Message> {
  return new Promise((resolve, reject) => {
    c.publish(channel, data, (r: Message) => (r.successful ? resolve(r) : reject(replyError(r))))
  })
}

/** Remote call to /service/<target>; resolves with the result message. */
export function remoteCall(
  c: CometD,
  target: string,
  data: unknown,
  timeout = 3000,
): Promise<Message> {
  return new Promise((resolve, reject) => {
    c.remoteCall(target, data, timeout, (r: Message) =>
      r.successful ? resolve(r) : reject(replyError(r)),
    )
  })
}

/** Disconnect (no-op if already disconnected); resolves when the client is done. */
export function disconnect(c: CometD): Promise<void> {
  if (c.isDisconnected()) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 2000) // server gone: the callback may never come
    c.disconnect(() => {
      clearTimeout(t)
      resolve()
    })
  })
}

/** An Error carrying the failed Bayeux reply (`err.reply`). */
export class ReplyError extends Error {
  constructor(readonly reply: Message) {
    super(`Bayeux ${reply.channel} failed: ${reply.error ?? JSON.stringify(reply)}`)
  }
}

function replyError(r: Message): ReplyError {
  return new ReplyError(r)
}

/**
 * Collects messages (use `inbox.push` as a listener) and hands them out in order:
 * `await inbox.next(timeoutMs)` waits for the next one, rejecting after the timeout.
 */
export class Inbox {
  readonly all: Message[] = []
  #read = 0
  #waiters: ((m: Message) => void)[] = []

  readonly push = (m: Message): void => {
    this.all.push(m)
    const w = this.#waiters.shift()
    if (w) {
      this.#read++
      w(m)
    }
  }

  get unread(): number {
    return this.all.length - this.#read
  }

  next(timeoutMs = 2000): Promise<Message> {
    if (this.#read < this.all.length) return Promise.resolve(this.all[this.#read++] as Message)
    return new Promise((resolve, reject) => {
      const w = (m: Message) => {
        clearTimeout(t)
        resolve(m)
      }
      const t = setTimeout(() => {
        this.#waiters = this.#waiters.filter((x) => x !== w)
        reject(new Error(`no message within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiters.push(w)
    })
  }

  /** Wait until `n` messages arrived in total. */
  async count(n: number, timeoutMs = 3000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs
    while (this.all.length < n) {
      const left = deadline - Date.now()
      if (left <= 0)
        throw new Error(`got ${this.all.length} of ${n} messages within ${timeoutMs} ms`)
      await this.next(left).catch(() => undefined)
    }
    this.#read = Math.max(this.#read, n)
    return this.all.slice(0, n)
  }
}

/** Subscribe and return an Inbox receiving that subscription's messages. */
export async function inbox(c: CometD, channel: string): Promise<Inbox> {
  const box = new Inbox()
  await subscribe(c, channel, box.push)
  return box
}

/** Resolves with the next message a listener on `channel` (e.g. '/meta/handshake') sees. */
export function nextOn(
  c: CometD,
  channel: string,
  predicate: (m: Message) => boolean = () => true,
  timeoutMs = 3000,
): Promise<Message> {
  return new Promise((resolve, reject) => {
    const handle = c.addListener(channel, (m: Message) => {
      if (!predicate(m)) return
      clearTimeout(t)
      c.removeListener(handle)
      resolve(m)
    })
    const t = setTimeout(() => {
      c.removeListener(handle)
      reject(new Error(`nothing on ${channel} within ${timeoutMs} ms`))
    }, timeoutMs)
  })
}

/** Basic authorization header value. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
}
