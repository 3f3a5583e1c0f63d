// A real Bayeux server on port 0 for the tests, a test-only authenticate, and raw probes.

import assert from 'node:assert/strict'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import net from 'node:net'
import type { Socket } from 'node:net'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import type { Logger } from 'pino'
import { WebSocket } from 'ws'
import { loadConfig } from '../../src/config.ts'
import type { CometdConfig } from '../../src/config.ts'
import { BayeuxServer } from '../../src/bayeux/index.ts'
import type {
  BayeuxHttpRequest,
  BayeuxPrincipal,
  BayeuxServerOptions,
} from '../../src/bayeux/index.ts'

export const PATH = '/api/v2/notifications'

/** Test users: Basic `name:pw` or cookie `TEST_USER=name`. carol is in another contact center. */
export const USERS: Record<string, BayeuxPrincipal> = {
  alice: { userId: 'u-alice', contactCenterId: 'cc-1' },
  bob: { userId: 'u-bob', contactCenterId: 'cc-1' },
  carol: { userId: 'u-carol', contactCenterId: 'cc-2' },
}

/** Our own authenticate for tests (not a mock of anything): Basic `<name>:pw` or a cookie. */
export async function testAuthenticate(req: BayeuxHttpRequest): Promise<BayeuxPrincipal | null> {
  const auth = req.headers.authorization
  if (auth?.startsWith('Basic ')) {
    const [name, pw] = Buffer.from(auth.slice(6), 'base64').toString().split(':')
    return name && pw === 'pw' ? (USERS[name] ?? null) : null
  }
  const m = /(?:^|;\s*)TEST_USER=([a-z]+)/.exec(req.headers.cookie ?? '')
  return m?.[1] ? (USERS[m[1]] ?? null) : null
}

export function basicOf(name: string): string {
  return `Basic ${Buffer.from(`${name}:pw`).toString('base64')}`
}

export interface TestServer {
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>
  bayeux: BayeuxServer
  config: CometdConfig
  port: number
  /** http://127.0.0.1:port/api/v2/notifications */
  url: string
  /** Paths of the Bayeux POSTs whose body was read, in order. */
  requests: string[]
  /** HTTP status of every response written (Bayeux POSTs, upgrades, 404s). */
  statuses: number[]
  /** Number of authenticate() calls (handshakes and upgrades). */
  authCalls: number
  /**
   * Lose the next long-polling response whose body matches `pred`: the server writes it
   * (its events are taken from the queue) but the connection is cut before the client
   * reads it — a dropped long poll.
   */
  dropNextResponse(pred: (body: string) => boolean): Promise<void>
  close(): Promise<void>
}

/**
 * Short timeouts for tests; override per test. maxInterval stays at a few seconds so that a
 * loaded CI machine does not expire sessions between two requests of a client; the expiry
 * tests use their own short value.
 */
export const TEST_COMETD: Partial<CometdConfig> = {
  timeout: 1000,
  interval: 0,
  maxInterval: 3000,
  sweepPeriod: 100,
}

export async function startServer(
  overrides: Partial<CometdConfig> = {},
  options: Partial<Pick<BayeuxServerOptions, 'cookie' | 'logger'>> = {},
): Promise<TestServer> {
  const config = loadConfig({}, { cometd: { ...TEST_COMETD, ...overrides } }).cometd
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG ?? 'silent' })
  // Router options as in src/http/server.ts, so both trailing-slash behaviours are exercised.
  const app = Fastify({
    loggerInstance: logger,
    requestTimeout: 0,
    routerOptions: { ignoreTrailingSlash: true },
  })
  const requests: string[] = []
  const statuses: number[] = []
  let drop: { pred: (body: string) => boolean; done: () => void } | null = null
  // Observed on the wire: long-polling requests are read either by the direct transport or
  // through node:http (src/bayeux/transports/), so statuses and dropped responses are seen
  // where both write, on the socket, and requests on the Bayeux server's 'request' event.
  const observe = (sock: Socket): void => {
    const write = sock.write
    sock.write = function (this: Socket, ...args: unknown[]): boolean {
      const chunk = args[0]
      const text =
        typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : ''
      if (text.startsWith('HTTP/1.1 ')) statuses.push(Number(text.slice(9, 12)))
      if (drop && drop.pred(text)) {
        // Written by the server (its events left the queue), never read by the client.
        const d = drop
        drop = null
        this.destroy()
        d.done()
        return true
      }
      return (write as (...a: unknown[]) => boolean).apply(this, args)
    } as Socket['write']
  }
  const counters = { authCalls: 0 }
  const bayeux = new BayeuxServer({
    ...options,
    config,
    logger,
    authenticate: (req) => {
      counters.authCalls++
      return testAuthenticate(req)
    },
  })
  bayeux.attach(app, [PATH])
  app.server.prependListener('connection', observe)
  bayeux.events.on('request', (r: { url: string }) => requests.push(r.url))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    app,
    bayeux,
    config,
    port,
    url: `http://127.0.0.1:${port}${PATH}`,
    requests,
    statuses,
    get authCalls() {
      return counters.authCalls
    },
    dropNextResponse(pred) {
      return new Promise<void>((done) => {
        drop = { pred, done }
      })
    },
    async close() {
      await bayeux.close()
      app.server.closeAllConnections()
      await app.close()
    },
  }
}

// ------------------------------------------------------------------ raw HTTP probes

export type Msg = Record<string, unknown> & { channel: string }

export interface PostResult {
  status: number
  body: Msg[]
  text: string
  setCookie: string | null
  ms: number
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<PostResult> {
  const t0 = Date.now()
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: signal ?? null,
  })
  const text = await res.text()
  let parsed: Msg[]
  try {
    parsed = JSON.parse(text) as Msg[]
  } catch {
    parsed = []
  }
  return {
    status: res.status,
    body: parsed,
    text,
    setCookie: res.headers.get('set-cookie'),
    ms: Date.now() - t0,
  }
}

export const HANDSHAKE = {
  channel: '/meta/handshake',
  version: '1.0',
  supportedConnectionTypes: ['long-polling'],
  id: '1',
}

export interface RawSession {
  clientId: string
  /** `BAYEUX_BROWSER=...` to send back as Cookie. */
  cookie: string
  headers: Record<string, string>
}

/** Raw long-polling handshake as `user`; returns the clientId and browser cookie. */
export async function rawHandshake(
  url: string,
  user = 'alice',
  extra: Record<string, unknown> = {},
  cookie?: string,
): Promise<RawSession> {
  const h: Record<string, string> = { authorization: basicOf(user) }
  if (cookie) h.cookie = cookie
  const r = await post(`${url}/handshake`, [{ ...HANDSHAKE, ...extra }], h)
  const reply = r.body[0]
  if (!reply?.successful) throw new Error(`handshake failed: ${r.text}`)
  const browser = cookie ?? (r.setCookie ?? '').split(';')[0] ?? ''
  return { clientId: reply.clientId as string, cookie: browser, headers: { cookie: browser } }
}

export function connectMsg(clientId: string, extra: Record<string, unknown> = {}): Msg {
  return { channel: '/meta/connect', clientId, connectionType: 'long-polling', ...extra }
}

/** First connect (answered at once) so that later connects are held. */
export async function firstConnect(url: string, s: RawSession): Promise<PostResult> {
  return post(
    `${url}/connect`,
    [connectMsg(s.clientId, { id: 'c0', advice: { timeout: 0 } })],
    s.headers,
  )
}

/** Handshake, subscribe to `subscription`, first connect: a session whose next connect is held. */
export async function subscribedSession(url: string, subscription: string): Promise<RawSession> {
  const s = await rawHandshake(url)
  const r = await post(
    url,
    [{ channel: '/meta/subscribe', clientId: s.clientId, subscription }],
    s.headers,
  )
  if (!r.body[0]?.successful) throw new Error(`subscribe failed: ${r.text}`)
  await firstConnect(url, s)
  return s
}

/** One HTTP response read by `Wire`. */
export interface WireResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** A raw client connection: write request bytes, read responses in order. */
export class Wire {
  #buf = Buffer.alloc(0)
  #wake: (() => void) | null = null
  closed = false

  constructor(readonly sock: net.Socket) {
    sock.on('data', (c: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, c])
      this.#wake?.()
    })
    sock.on('close', () => {
      this.closed = true
      this.#wake?.()
    })
    sock.on('error', () => undefined)
  }

  static open(port: number): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port, noDelay: true }, () =>
        resolve(new Wire(sock)),
      )
      sock.once('error', reject)
    })
  }

  send(text: string): void {
    this.sock.write(text)
  }

  /** The next response (framed by Content-Length; none = empty body). */
  async response(timeoutMs = 3000): Promise<WireResponse> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const end = this.#buf.indexOf('\r\n\r\n')
      if (end >= 0) {
        const lines = this.#buf.toString('latin1', 0, end).split('\r\n')
        const headers: Record<string, string> = {}
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':')
          headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim()
        }
        const len = Number(headers['content-length'] ?? 0)
        if (this.#buf.length >= end + 4 + len) {
          const body = this.#buf.toString('utf8', end + 4, end + 4 + len)
          this.#buf = this.#buf.subarray(end + 4 + len)
          return { status: Number((lines[0] ?? '').split(' ')[1]), headers, body }
        }
      }
      if (this.closed) throw new Error('connection closed before a whole response')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('no response in time')
      await new Promise<void>((r) => {
        const t = setTimeout(r, left)
        this.#wake = () => {
          clearTimeout(t)
          r()
        }
      })
      this.#wake = null
    }
  }

  /** Resolves true once the server closed the connection, false after `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    return this.closed
  }

  destroy(): void {
    this.sock.destroy()
  }
}

// ------------------------------------------------------------------ raw WebSocket probes

export class RawWs {
  readonly frames: Msg[][] = []
  #waiters: (() => void)[] = []
  closeCode: number | null = null
  readonly closed: Promise<number>

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.frames.push(JSON.parse(d.toString()) as Msg[])
      for (const w of this.#waiters.splice(0)) w()
    })
    this.closed = new Promise((resolve) => {
      ws.on('close', (code) => {
        this.closeCode = code
        for (const w of this.#waiters.splice(0)) w()
        resolve(code)
      })
    })
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers })
      const raw = new RawWs(ws)
      ws.once('open', () => resolve(raw))
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      )
      ws.once('error', reject)
    })
  }

  send(messages: unknown): void {
    this.ws.send(JSON.stringify(messages))
  }

  /** All messages received so far, flattened. */
  get messages(): Msg[] {
    return this.frames.flat()
  }

  /** Wait for a received message matching `pred` (searching from the start). */
  async waitFor(pred: (m: Msg) => boolean, timeoutMs = 3000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.messages.find(pred)
      if (found) return found
      const left = deadline - Date.now()
      if (left <= 0 || this.closeCode !== null) throw new Error('no matching websocket message')
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  close(): Promise<number> {
    if (this.closeCode === null) this.ws.close()
    return this.closed
  }
}

/** Resolves when the server emits 'removed' for `clientId`. */
export function removed(
  bayeux: BayeuxServer,
  clientId: string,
  timeoutMs = 3000,
): Promise<{ reason: string }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      bayeux.events.off('removed', on)
      reject(new Error(`session ${clientId} not removed within ${timeoutMs} ms`))
    }, timeoutMs)
    const on = (e: { clientId: string; reason: string }) => {
      if (e.clientId !== clientId) return
      clearTimeout(t)
      bayeux.events.off('removed', on)
      resolve(e)
    }
    bayeux.events.on('removed', on)
  })
}

/** Resolves once `check()` is true, polling every 10 ms (for server-side counters). */
export async function until(
  check: () => boolean,
  timeoutMs = 3000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Resolves when the server holds a /meta/connect of `clientId` (or of anyone if omitted). */
export function held(bayeux: BayeuxServer, clientId?: string, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      bayeux.events.off('held', on)
      reject(new Error(`no connect held within ${timeoutMs} ms`))
    }, timeoutMs)
    const on = (e: { clientId: string }) => {
      if (clientId !== undefined && e.clientId !== clientId) return
      clearTimeout(t)
      bayeux.events.off('held', on)
      resolve()
    }
    bayeux.events.on('held', on)
  })
}

/** A websocket handshake message (its `id` set per call by wsHandshake). */
export const WS_HANDSHAKE = {
  channel: '/meta/handshake',
  version: '1.0',
  supportedConnectionTypes: ['websocket'],
}

/** A websocket /meta/connect message. */
export const wsConnect = (
  clientId: string,
  id: string,
  extra: Record<string, unknown> = {},
): Msg => ({
  channel: '/meta/connect',
  clientId,
  connectionType: 'websocket',
  id,
  ...extra,
})

let handshakes = 0

/** Handshake on `ws` (a fresh message id each time) and return the clientId. */
export async function wsHandshake(ws: RawWs): Promise<string> {
  const id = `h${handshakes++}`
  ws.send([{ ...WS_HANDSHAKE, id }])
  const h = await ws.waitFor((m) => m.id === id)
  assert.equal(h.successful, true)
  return h.clientId as string
}

/**
 * Raw websockets opened as a user (Basic) to the server `url()` names, kept so that closeAll()
 * (in afterEach) closes every one a test opened.
 */
export function rawSockets(url: () => string) {
  const sockets: RawWs[] = []
  return {
    sockets,
    open: async (user = 'alice'): Promise<RawWs> => {
      const ws = await RawWs.open(url(), { authorization: basicOf(user) })
      sockets.push(ws)
      return ws
    },
    closeAll: async (): Promise<void> => {
      await Promise.all(sockets.splice(0).map((s) => s.close()))
    },
  }
}
