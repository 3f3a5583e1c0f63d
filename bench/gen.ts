// Load generator process: `node --import tsx bench/gen.ts`, driven by bench/run.ts over IPC.
// It opens one lean raw Bayeux session per user (long-polling over bench/rawhttp.ts, or
// websocket over `ws`), each with its own cookie jar of one cookie, subscribes it to the
// user's channel and keeps its /meta/connect loop going. On `go`, its senders POST
// /deliver for random users in closed loops; every payload carries a sequence number and an
// absolute send time, and the receiving session records the send-to-receive latency.
// Scenario `roundtrip` (the `app` server): each session logs in first (GET /api/v2/me, Basic,
// then its JSESSIONID), and the senders POST Subscribe / Unsubscribe on a random user's own
// workbin with that user's cookie; the latency is from the POST to the message carrying the
// referenceId it was answered. Scenario `fanout` (bench/fanout.ts): no senders; every session
// records when it receives its k-th message, the parent's requester knows when op k was sent.

import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import type { GenGo, GenInit, GenResult, GenToParent, ParentToGen } from './protocol.ts'
import {
  HOST,
  isOurs,
  MAX_PROCESS_LIFETIME_MS,
  OUR_CHANNEL,
  OUR_PREFIX,
  USER_HEADER,
  nowAbs,
  peerChannel,
} from './protocol.ts'
import { RawConnection } from './rawhttp.ts'

interface BayeuxMessage {
  channel: string
  id?: string
  clientId?: string
  successful?: boolean
  error?: string
  advice?: { reconnect?: string; interval?: number; timeout?: number }
  data?: { seq?: unknown; t?: unknown; referenceId?: unknown; messageType?: unknown }
  [k: string]: unknown
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function send(msg: GenToParent): void {
  process.send?.(msg)
}

// ---- measurement state ----------------------------------------------------------------------

class Recorder {
  windowStart = Infinity
  windowEnd = -Infinity
  received = 0
  duplicates = 0
  receivedInWindow = 0
  lastReceiveAt = 0
  latencies: Float64Array
  nLat = 0
  private readonly seen: Uint8Array

  constructor(maxSeq: number) {
    this.seen = new Uint8Array(maxSeq)
    this.latencies = new Float64Array(maxSeq)
  }

  // Round trip: the send time of each answered op by `user:referenceId`, and arrivals whose
  // HTTP reply has not been read yet (the message can overtake it).
  private readonly answered = new Map<string, number>()
  private readonly early = new Map<string, number>()

  onAnswered(key: string, sentAt: number): void {
    const at = this.early.get(key)
    if (at === undefined) this.answered.set(key, sentAt)
    else {
      this.early.delete(key)
      this.matched(sentAt, at)
    }
  }

  onArrived(key: string, now: number): void {
    this.lastReceiveAt = now
    const sentAt = this.answered.get(key)
    if (sentAt === undefined) this.early.set(key, now)
    else {
      this.answered.delete(key)
      this.matched(sentAt, now)
    }
  }

  private matched(sentAt: number, at: number): void {
    this.received++
    if (at >= this.windowStart && at < this.windowEnd) this.receivedInWindow++
    if (sentAt >= this.windowStart && sentAt < this.windowEnd && this.nLat < this.latencies.length)
      this.latencies[this.nLat++] = at - sentAt
  }

  // Fan-out: per op index k, the latest arrival and the number of sessions that received it.
  fanoutLast: Float64Array | undefined
  fanoutCount: Uint32Array | undefined
  fanoutMax = 0
  private readonly nth = new Map<string, number>()

  onFanout(user: string, now: number): void {
    this.fanoutLast ??= new Float64Array(this.latencies.length)
    this.fanoutCount ??= new Uint32Array(this.latencies.length)
    const k = this.nth.get(user) ?? 0
    this.nth.set(user, k + 1)
    this.lastReceiveAt = now
    if (k >= this.fanoutLast.length) return
    if (now > (this.fanoutLast[k] as number)) this.fanoutLast[k] = now
    this.fanoutCount[k] = (this.fanoutCount[k] as number) + 1
    if (k + 1 > this.fanoutMax) this.fanoutMax = k + 1
  }

  onEvent(data: BayeuxMessage['data'], now: number): void {
    if (!data || typeof data.seq !== 'number' || typeof data.t !== 'number') return
    const seq = data.seq
    if (seq < 0 || seq >= this.seen.length) return
    if (this.seen[seq]) {
      this.duplicates++
      return
    }
    this.seen[seq] = 1
    this.received++
    this.lastReceiveAt = now
    if (now >= this.windowStart && now < this.windowEnd) this.receivedInWindow++
    if (
      data.t >= this.windowStart &&
      data.t < this.windowEnd &&
      this.nLat < this.latencies.length
    ) {
      this.latencies[this.nLat++] = now - data.t
    }
  }
}

interface Counters {
  rehandshakes: number
  connectErrors: number
  wsClosed: number
}

// ---- sessions -------------------------------------------------------------------------------

interface Session {
  readonly user: string
  /** Handshake and subscribe; resolves once the subscription is confirmed. */
  start(): Promise<void>
  /** Ms the current /meta/connect has been outstanding (0 if none). */
  heldFor(now: number): number
  /** /meta/disconnect, then close (used after the warm-up, so that no session remains). */
  disconnect(): Promise<void>
  stop(): void
}

interface SessionEnv {
  init: GenInit
  base: string
  channel: (user: string) => string
  /** A non-meta message's data arrived at `user`'s session, read at `at` (nowAbs()). */
  onEvent: (user: string, data: BayeuxMessage['data'], at: number) => void
  counters: Counters
  deadline: number
  /** Cookies of each user's session (logins), shared with the round-trip senders. */
  jars: Map<string, CookieJar>
}

/** name=value cookies of one user; a later Set-Cookie of the same name replaces the value. */
class CookieJar {
  private readonly values = new Map<string, string>()
  header = ''

  add(cookies: string[]): void {
    if (cookies.length === 0) return
    for (const c of cookies) {
      const eq = c.indexOf('=')
      this.values.set(c.slice(0, eq), c.slice(eq + 1))
    }
    this.header = [...this.values].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

const basicHeader = (user: string, password: string): string =>
  `Authorization: Basic ${Buffer.from(`${user}:${password}`).toString('base64')}\r\n`

/**
 * A real login (`app`): GET /api/v2/me with Basic, keeping the JSESSIONID the server sets, as
 * a desktop does before it opens CometD. Without init.password: nothing.
 */
async function logIn(env: SessionEnv, user: string, jar: CookieJar): Promise<void> {
  const password = env.init.password
  if (password === undefined) return
  const conn = new RawConnection(HOST, env.init.port)
  try {
    const res = await conn.send('GET', '/api/v2/me', '', basicHeader(user, password))
    if (res.status !== 200) throw new Error(`login of ${user}: HTTP ${res.status} ${res.body}`)
    jar.add(res.cookies)
  } finally {
    conn.close()
  }
}

/** POST Subscribe on init.restSubscribe as `user` (fan-out subscribers), if set. */
async function restSubscribe(env: SessionEnv, user: string, jar: CookieJar): Promise<void> {
  const path = env.init.restSubscribe
  if (path === undefined) return
  const conn = new RawConnection(HOST, env.init.port)
  try {
    const res = await conn.post(
      `/api/v2${path}`,
      '{"operationName":"Subscribe"}',
      `Cookie: ${jar.header}\r\n`,
    )
    if (res.status !== 200) throw new Error(`Subscribe of ${user}: HTTP ${res.status} ${res.body}`)
  } finally {
    conn.close()
  }
}

function jarOf(env: SessionEnv, user: string): CookieJar {
  let jar = env.jars.get(user)
  if (!jar) {
    jar = new CookieJar()
    env.jars.set(user, jar)
  }
  return jar
}

function checkOk(reply: BayeuxMessage | undefined, what: string): BayeuxMessage {
  if (!reply || reply.successful !== true) {
    throw new Error(`${what} failed: ${JSON.stringify(reply)}`)
  }
  return reply
}

class LongPollingSession implements Session {
  private readonly conn: RawConnection
  private clientId = ''
  private readonly jar: CookieJar
  private nextId = 0
  private connectSince = 0
  private stopped = false

  constructor(
    private readonly env: SessionEnv,
    readonly user: string,
  ) {
    this.conn = new RawConnection(HOST, env.init.port)
    this.jar = jarOf(env, user)
  }

  private headers(): string {
    return (
      `${USER_HEADER}: ${this.user}\r\n` + (this.jar.header ? `Cookie: ${this.jar.header}\r\n` : '')
    )
  }

  /** The reply's messages, and when its last byte was read. */
  private async request(
    path: string,
    msgs: BayeuxMessage[],
  ): Promise<{ msgs: BayeuxMessage[]; at: number }> {
    const res = await this.conn.post(this.env.base + path, JSON.stringify(msgs), this.headers())
    this.jar.add(res.cookies)
    if (res.status !== 200)
      throw new Error(`HTTP ${res.status} on ${path}: ${res.body.slice(0, 200)}`)
    const out = JSON.parse(res.body) as BayeuxMessage[]
    return { msgs: Array.isArray(out) ? out : [out], at: res.at }
  }

  private deliverEvents({ msgs, at }: { msgs: BayeuxMessage[]; at: number }): void {
    for (const m of msgs) {
      if (!m.channel.startsWith('/meta/') && m.data !== undefined)
        this.env.onEvent(this.user, m.data, at)
    }
  }

  private async handshakeAndSubscribe(): Promise<void> {
    const hs = await this.request('/handshake', [
      {
        channel: '/meta/handshake',
        version: '1.0',
        minimumVersion: '1.0',
        supportedConnectionTypes: ['long-polling'],
        id: String(++this.nextId),
      },
    ])
    this.clientId = checkOk(
      hs.msgs.find((m) => m.channel === '/meta/handshake'),
      'handshake',
    ).clientId as string
    const sub = await this.request('/', [
      {
        channel: '/meta/subscribe',
        clientId: this.clientId,
        subscription: this.env.channel(this.user),
        id: String(++this.nextId),
      },
    ])
    this.deliverEvents(sub)
    checkOk(
      sub.msgs.find((m) => m.channel === '/meta/subscribe'),
      'subscribe',
    )
  }

  async start(): Promise<void> {
    await logIn(this.env, this.user, this.jar)
    await this.handshakeAndSubscribe()
    await restSubscribe(this.env, this.user, this.jar)
    void this.loop()
  }

  heldFor(now: number): number {
    return this.connectSince === 0 ? 0 : now - this.connectSince
  }

  async disconnect(): Promise<void> {
    this.stopped = true
    const conn = new RawConnection(HOST, this.env.init.port)
    try {
      const res = await conn.post(
        this.env.base + '/disconnect',
        JSON.stringify([
          { channel: '/meta/disconnect', clientId: this.clientId, id: String(++this.nextId) },
        ]),
        this.headers(),
      )
      if (res.status !== 200) throw new Error(`disconnect: HTTP ${res.status}`)
    } finally {
      conn.close()
      this.conn.close()
    }
  }

  stop(): void {
    this.stopped = true
    this.conn.close()
  }

  /** The /meta/connect loop; bounded by the process deadline and by consecutive failures. */
  private async loop(): Promise<void> {
    let first = true
    let failures = 0
    while (!this.stopped && performance.now() < this.env.deadline && failures < 10) {
      const connect: BayeuxMessage = {
        channel: '/meta/connect',
        clientId: this.clientId,
        connectionType: 'long-polling',
        id: String(++this.nextId),
      }
      if (first) connect.advice = { timeout: 0 }
      this.connectSince = performance.now()
      let reply: BayeuxMessage | undefined
      try {
        const res = await this.request('/connect', [connect])
        this.connectSince = 0
        this.deliverEvents(res)
        reply = res.msgs.find((m) => m.channel === '/meta/connect')
      } catch {
        this.connectSince = 0
        if (this.stopped) return
        this.env.counters.connectErrors++
        failures++
        await sleep(500)
        continue
      }
      if (reply?.successful) {
        first = false
        failures = 0
        const interval = reply.advice?.interval ?? 0
        if (interval > 0) await sleep(Math.min(interval, 5000))
        // A later turn, as the official client sends its next /meta/connect from a timer: the
        // replies already read by the other sessions are timestamped first.
        else await new Promise((resolve) => setImmediate(resolve))
        continue
      }
      this.env.counters.connectErrors++
      failures++
      const reconnect = reply?.advice?.reconnect
      if (reconnect === 'none') return
      if (reconnect === 'handshake') {
        this.env.counters.rehandshakes++
        try {
          await this.handshakeAndSubscribe()
          first = true
        } catch {
          await sleep(500)
        }
      } else {
        await sleep(Math.min(reply?.advice?.interval ?? 500, 5000))
      }
    }
  }
}

class WebSocketSession implements Session {
  private ws: WebSocket | null = null
  private clientId = ''
  private nextId = 0
  private connectSince = 0
  private stopped = false
  private readonly waiting = new Map<string, (m: BayeuxMessage) => void>()

  constructor(
    private readonly env: SessionEnv,
    readonly user: string,
  ) {}

  private call(msg: BayeuxMessage): Promise<BayeuxMessage> {
    const id = String(++this.nextId)
    msg.id = id
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(id)
        reject(new Error(`${msg.channel}: no reply within 10 s`))
      }, 10_000)
      this.waiting.set(id, (m) => {
        clearTimeout(t)
        resolve(m)
      })
      this.ws?.send(JSON.stringify([msg]))
    })
  }

  private onFrame(raw: WebSocket.RawData): void {
    const at = nowAbs()
    let msgs: BayeuxMessage[]
    try {
      const parsed = JSON.parse(raw.toString()) as BayeuxMessage | BayeuxMessage[]
      msgs = Array.isArray(parsed) ? parsed : [parsed]
    } catch {
      return
    }
    for (const m of msgs) {
      if (m.channel === '/meta/connect') this.onConnectReply(m)
      else if (m.channel.startsWith('/meta/')) {
        const w = m.id !== undefined ? this.waiting.get(m.id) : undefined
        if (w) {
          this.waiting.delete(m.id as string)
          w(m)
        }
      } else if (m.data !== undefined) this.env.onEvent(this.user, m.data, at)
    }
  }

  private sendConnect(first: boolean): void {
    if (this.stopped || !this.ws || performance.now() >= this.env.deadline) return
    const connect: BayeuxMessage = {
      channel: '/meta/connect',
      clientId: this.clientId,
      connectionType: 'websocket',
      id: String(++this.nextId),
    }
    if (first) connect.advice = { timeout: 0 }
    this.connectSince = performance.now()
    this.ws.send(JSON.stringify([connect]))
  }

  private onConnectReply(m: BayeuxMessage): void {
    this.connectSince = 0
    if (m.successful) {
      const interval = m.advice?.interval ?? 0
      if (interval > 0) setTimeout(() => this.sendConnect(false), Math.min(interval, 5000))
      else this.sendConnect(false)
      return
    }
    // No re-handshake over websocket in the bench: count it and stop this session.
    this.env.counters.connectErrors++
  }

  async start(): Promise<void> {
    const url = `ws://${HOST}:${this.env.init.port}${this.env.base}`
    const jar = jarOf(this.env, this.user)
    await logIn(this.env, this.user, jar)
    const headers: Record<string, string> = { [USER_HEADER]: this.user }
    if (jar.header) headers.cookie = jar.header
    const ws = new WebSocket(url, {
      headers,
      perMessageDeflate: false,
    })
    this.ws = ws
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`websocket upgrade refused: HTTP ${res.statusCode}`)),
      )
    })
    ws.on('message', (data) => this.onFrame(data))
    ws.on('error', () => {})
    ws.on('close', () => {
      if (!this.stopped) this.env.counters.wsClosed++
      this.ws = null
      for (const w of this.waiting.values()) w({ channel: '/meta/error', successful: false })
      this.waiting.clear()
    })
    const hs = await this.call({
      channel: '/meta/handshake',
      version: '1.0',
      minimumVersion: '1.0',
      supportedConnectionTypes: ['websocket'],
    })
    this.clientId = checkOk(hs, 'handshake').clientId as string
    checkOk(
      await this.call({
        channel: '/meta/subscribe',
        clientId: this.clientId,
        subscription: this.env.channel(this.user),
      }),
      'subscribe',
    )
    await restSubscribe(this.env, this.user, jar)
    this.sendConnect(true)
  }

  heldFor(now: number): number {
    return this.connectSince === 0 ? 0 : now - this.connectSince
  }

  async disconnect(): Promise<void> {
    const reply = this.call({ channel: '/meta/disconnect', clientId: this.clientId })
    this.stopped = true
    try {
      await reply
    } finally {
      this.ws?.close()
      this.ws = null
    }
  }

  stop(): void {
    this.stopped = true
    this.ws?.terminate()
    this.ws = null
  }
}

// ---- senders --------------------------------------------------------------------------------

interface SendStats {
  sent: number
  sentInWindow: number
  sendErrors: number
}

async function senderLoop(
  init: GenInit,
  go: GenGo,
  rec: Recorder,
  nextSeq: () => number,
  stats: SendStats,
): Promise<void> {
  const conn = new RawConnection(HOST, init.port)
  const end = go.t0 + go.warmupMs + go.durationMs
  const wait = go.t0 - nowAbs()
  if (wait > 0) await sleep(wait)
  try {
    for (;;) {
      const t = nowAbs()
      if (t >= end) break
      const seq = nextSeq()
      if (seq < 0) break
      const user = `${init.userPrefix}${Math.floor(Math.random() * init.allUsers)}`
      const body = `{"user":"${user}","data":{"seq":${seq},"t":${t}}}`
      try {
        const res = await conn.post('/deliver', body)
        if (res.status >= 200 && res.status < 300) {
          stats.sent++
          if (t >= rec.windowStart && t < rec.windowEnd) stats.sentInWindow++
        } else {
          stats.sendErrors++
        }
      } catch {
        stats.sendErrors++
        await sleep(10)
      }
    }
  } finally {
    conn.close()
  }
}

/**
 * The seed's operation (`roundtrip`): Subscribe / Unsubscribe alternately on a random user's own
 * workbin, with that user's JSESSIONID; the answered referenceId is matched with the message.
 */
async function roundtripSender(
  init: GenInit,
  go: GenGo,
  rec: Recorder,
  users: string[],
  jars: Map<string, CookieJar>,
  stats: SendStats,
): Promise<void> {
  const conn = new RawConnection(HOST, init.port)
  const end = go.t0 + go.warmupMs + go.durationMs
  const wait = go.t0 - nowAbs()
  if (wait > 0) await sleep(wait)
  const path = `/api/v2${init.roundtripPath ?? ''}`
  let subscribe = true
  try {
    for (let n = 0; n < init.maxSends && users.length > 0; n++) {
      const t = nowAbs()
      if (t >= end) break
      const user = users[Math.floor(Math.random() * users.length)] as string
      const body = `{"operationName":"${subscribe ? 'Subscribe' : 'Unsubscribe'}"}`
      subscribe = !subscribe
      try {
        const res = await conn.post(path, body, `Cookie: ${jars.get(user)?.header ?? ''}\r\n`)
        const ref =
          res.status === 200
            ? (JSON.parse(res.body) as { referenceId?: unknown }).referenceId
            : undefined
        if (typeof ref === 'number') {
          stats.sent++
          if (t >= rec.windowStart && t < rec.windowEnd) stats.sentInWindow++
          rec.onAnswered(`${user}:${ref}`, t)
        } else stats.sendErrors++
      } catch {
        stats.sendErrors++
        await sleep(10)
      }
    }
  } finally {
    conn.close()
  }
}

// ---- the process ----------------------------------------------------------------------------

async function setup(init: GenInit, env: SessionEnv): Promise<Session[]> {
  const sessions: Session[] = []
  let failed = 0
  let firstError: string | undefined
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < init.users.length && performance.now() < env.deadline) {
      const user = init.users[next++] as string
      const s: Session =
        init.transport === 'websocket'
          ? new WebSocketSession(env, user)
          : new LongPollingSession(env, user)
      try {
        await s.start()
        sessions.push(s)
      } catch (err) {
        failed++
        firstError ??= String(err)
        s.stop()
      }
    }
  }
  await Promise.all(Array.from({ length: init.setupConcurrency }, worker))
  // Idle = every session has a /meta/connect held for at least a second (bounded wait).
  const until = performance.now() + 15_000
  for (;;) {
    const now = performance.now()
    const notHeld = sessions.filter((s) => s.heldFor(now) < 1000).length
    if (notHeld === 0 || now > until) break
    await sleep(200)
  }
  send({ type: 'ready', sessions: sessions.length, failed, firstError })
  return sessions
}

async function run(
  init: GenInit,
  go: GenGo,
  rec: Recorder,
  counters: Counters,
  sessions: Session[],
  jars: Map<string, CookieJar>,
): Promise<void> {
  rec.windowStart = go.t0 + go.warmupMs
  rec.windowEnd = rec.windowStart + go.durationMs
  const stats: SendStats = { sent: 0, sentInWindow: 0, sendErrors: 0 }
  let n = 0
  const nextSeq = (): number => {
    if (n >= init.maxSends) return -1
    return n++ * init.genCount + init.genIndex
  }
  // Generator CPU over the measurement window.
  let cpuBusy = 0
  const cpuTimer = setTimeout(() => {
    const a = process.cpuUsage()
    const at = nowAbs()
    setTimeout(() => {
      const b = process.cpuUsage()
      cpuBusy = (b.user - a.user + b.system - a.system) / 1000 / (nowAbs() - at)
    }, go.durationMs)
  }, rec.windowStart - nowAbs())
  const scenario = init.scenario ?? 'deliver'
  const users = sessions.map((s) => s.user)
  await Promise.all(
    Array.from({ length: scenario === 'fanout' ? 0 : init.senders }, () =>
      scenario === 'roundtrip'
        ? roundtripSender(init, go, rec, users, jars, stats)
        : senderLoop(init, go, rec, nextSeq, stats),
    ),
  )
  if (scenario === 'fanout') await sleep(Math.max(0, rec.windowEnd - nowAbs()))
  // Drain: wait until the window's CPU sample is taken and no delivery arrived for 1 s.
  const drainUntil = nowAbs() + go.drainMs
  for (;;) {
    const now = nowAbs()
    if (now > drainUntil) break
    if (now > rec.windowEnd + 100 && now - rec.lastReceiveAt > 1000) break
    await sleep(100)
  }
  clearTimeout(cpuTimer)
  const result: GenResult = {
    ...stats,
    received: rec.received,
    duplicates: rec.duplicates,
    receivedInWindow: rec.receivedInWindow,
    latencies: rec.latencies.slice(0, rec.nLat),
    cpuBusy,
    ...counters,
  }
  if (rec.fanoutLast && rec.fanoutCount) {
    result.fanoutLast = rec.fanoutLast.slice(0, rec.fanoutMax)
    result.fanoutCount = rec.fanoutCount.slice(0, rec.fanoutMax)
  }
  send({ type: 'result', result })
}

function main(): void {
  const deadlineTimer = setTimeout(() => {
    console.error('bench generator: lifetime exceeded, exiting')
    process.exit(3)
  }, MAX_PROCESS_LIFETIME_MS)
  deadlineTimer.unref()
  process.on('disconnect', () => process.exit(0))

  let init: GenInit | undefined
  let rec: Recorder | undefined
  let sessions: Session[] = []
  const jars = new Map<string, CookieJar>()
  const counters: Counters = { rehandshakes: 0, connectErrors: 0, wsClosed: 0 }
  process.on('message', (raw) => {
    const msg = raw as ParentToGen
    if (msg.type === 'init') {
      init = msg
      const r = new Recorder(msg.maxSends * msg.genCount)
      rec = r
      const scenario = msg.scenario ?? 'deliver'
      const fixed = msg.channel
      const onEvent: SessionEnv['onEvent'] =
        scenario === 'roundtrip'
          ? (user, data, at) => {
              if (typeof data?.referenceId === 'number')
                r.onArrived(`${user}:${data.referenceId}`, at)
            }
          : scenario === 'fanout'
            ? (user, data, at) => {
                // Our subscribers also get their own Subscribe's state change: not an op.
                if (data?.messageType !== 'WorkbinSubscriptionStateChangeMessage')
                  r.onFanout(user, at)
              }
            : (_user, data, at) => r.onEvent(data, at)
      const env: SessionEnv = {
        init: msg,
        base: isOurs(msg.kind) ? OUR_PREFIX : '/cometd',
        channel:
          fixed !== undefined ? () => fixed : isOurs(msg.kind) ? () => OUR_CHANNEL : peerChannel,
        onEvent,
        jars,
        counters,
        deadline: performance.now() + MAX_PROCESS_LIFETIME_MS - 30_000,
      }
      void setup(msg, env).then((s) => {
        sessions = s
      })
    } else if (msg.type === 'go' && init && rec) {
      void run(init, msg, rec, counters, sessions, jars)
    } else if (msg.type === 'disconnect') {
      void Promise.allSettled(sessions.map((s) => s.disconnect())).then((r) =>
        send({ type: 'disconnected', failed: r.filter((x) => x.status === 'rejected').length }),
      )
    } else if (msg.type === 'stop') {
      for (const s of sessions) s.stop()
      setTimeout(() => process.exit(0), 200)
    }
  })
}

main()
