// One benchmarked server in its own process: `node --import tsx --expose-gc bench/server.ts <kind>`.
// Each kind is a Bayeux server plus the same minimal endpoint, `POST /deliver {user, data}`,
// which delivers `data` to user `user`'s channel. The parent talks to it over IPC
// (see protocol.ts): it reports its port, and measures its own memory and CPU on request.

import http from 'node:http'
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import v8 from 'node:v8'
import cometdServer from 'cometd-nodejs-server'
import type { ParentToServer, ServerToParent, ServerKind } from './protocol.ts'
import { HOLD_TIMEOUT_MS, HOST, MAX_PROCESS_LIFETIME_MS, peerChannel } from './protocol.ts'

interface Running {
  port: number
  /** Store commits so far (`app`); undefined for the others. */
  commits?: () => number | undefined
  close(): Promise<void>
}

interface DeliverBody {
  user: string
  data: Record<string, unknown>
}

function send(msg: ServerToParent): void {
  process.send?.(msg)
}

/** Reads a JSON body and answers 204 once the message is handed to the Bayeux server. */
function deliverHandler(
  deliver: (user: string, data: Record<string, unknown>) => void,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as DeliverBody
        deliver(body.user, body.data)
        res.writeHead(204)
        res.end()
      } catch {
        res.writeHead(400)
        res.end()
      }
    })
  }
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const addr = server.address()
      resolve(typeof addr === 'object' && addr ? addr.port : 0)
    })
  })
}

function closeHttp(server: http.Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

// ---- faye 1.4 -------------------------------------------------------------------------------

interface FayeClient {
  publish(channel: string, data: unknown): unknown
}
interface FayeAdapter {
  attach(server: http.Server): void
  getClient(): FayeClient
  close(): void
}
interface FayeModule {
  NodeAdapter: new (opts: { mount: string; timeout: number }) => FayeAdapter
}

async function startFaye(): Promise<Running> {
  const require = createRequire(import.meta.url)
  const faye = require('faye') as FayeModule
  // faye units are seconds.
  const bayeux = new faye.NodeAdapter({ mount: '/cometd', timeout: HOLD_TIMEOUT_MS / 1000 })
  const client = bayeux.getClient()
  const onDeliver = deliverHandler((user, data) => {
    client.publish(peerChannel(user), data)
  })
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/deliver') return onDeliver(req, res)
    res.writeHead(404)
    res.end()
  })
  bayeux.attach(server)
  const port = await listen(server)
  return {
    port,
    close: async () => {
      bayeux.close()
      await closeHttp(server)
    },
  }
}

// ---- cometd-nodejs-server 1.2 ---------------------------------------------------------------

async function startCometd(): Promise<Running> {
  const cometd = cometdServer.createCometDServer({
    timeout: HOLD_TIMEOUT_MS,
    // Every generator session keeps its own BAYEUX_BROWSER cookie, so this limit is never
    // reached; it stays at the default.
  })
  const onDeliver = deliverHandler((user, data) => {
    cometd.createServerChannel(peerChannel(user)).publish(null, data)
  })
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/deliver') return onDeliver(req, res)
    if (req.url?.startsWith('/cometd')) return cometd.handle(req, res)
    res.writeHead(404)
    res.end()
  })
  const port = await listen(server)
  return {
    port,
    close: async () => {
      cometd.close()
      await closeHttp(server)
    },
  }
}

// ---- floor (diagnostic, not a peer) ----------------------------------------------------------
// The least a node:http long-polling server can do for this load: no Bayeux validation, no
// cookie, no expiry, one session per user, one held response per session. It shows how much of
// each server's cost is node:http and the kernel, i.e. the ceiling for any node:http server.

async function startFloor(): Promise<Running> {
  interface S {
    user: string
    res: http.ServerResponse | null
    timer: NodeJS.Timeout | null
    queue: string[]
    connectId: string
  }
  const byId = new Map<string, S>()
  const byUser = new Map<string, S>()
  let n = 0
  const reply = (res: http.ServerResponse, body: string): void => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(body)
  }
  const connectReply = (s: S): string =>
    `{"channel":"/meta/connect","id":"${s.connectId}","successful":true}`
  const flush = (s: S): void => {
    const res = s.res
    if (!res) return
    s.res = null
    if (s.timer) clearTimeout(s.timer)
    s.timer = null
    const body = '[' + [...s.queue, connectReply(s)].join(',') + ']'
    s.queue = []
    reply(res, body)
  }
  const onDeliver = deliverHandler((user, data) => {
    const s = byUser.get(user)
    if (!s) return
    s.queue.push(JSON.stringify({ channel: peerChannel(user), data }))
    if (s.res) queueMicrotask(() => flush(s))
  })
  const server = http.createServer((req, res) => {
    if (req.url === '/deliver') return onDeliver(req, res)
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const m = (
        JSON.parse(Buffer.concat(chunks).toString()) as Record<string, string>[]
      )[0] as Record<string, unknown>
      if (m.channel === '/meta/handshake') {
        const id = String(++n)
        const user = req.headers['x-bench-user'] as string
        const s: S = { user, res: null, timer: null, queue: [], connectId: '' }
        byId.set(id, s)
        byUser.set(user, s)
        return reply(
          res,
          `[{"channel":"/meta/handshake","successful":true,"clientId":"${id}","version":"1.0","supportedConnectionTypes":["long-polling"]}]`,
        )
      }
      const s = byId.get(m.clientId as string) as S
      if (m.channel === '/meta/subscribe')
        return reply(
          res,
          `[{"channel":"/meta/subscribe","successful":true,"subscription":"${m.subscription as string}"}]`,
        )
      if (m.channel === '/meta/connect') {
        s.connectId = m.id as string
        const adv = m.advice as { timeout?: number } | undefined
        if (s.queue.length || adv?.timeout === 0) {
          s.res = res
          return flush(s)
        }
        s.res = res
        s.timer = setTimeout(() => flush(s), HOLD_TIMEOUT_MS)
        return
      }
      reply(res, `[{"channel":"${m.channel as string}","successful":true}]`)
    })
  })
  const port = await listen(server)
  return { port, close: () => closeHttp(server) }
}

// ---- this project ---------------------------------------------------------------------------

async function startOurs(): Promise<Running> {
  const { startOurs: start } = await import('./ours.ts')
  return start(deliverHandler)
}

// ---- process plumbing -----------------------------------------------------------------------

async function measureMemory(): Promise<NodeJS.MemoryUsage> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with --expose-gc')
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 50))
  }
  return process.memoryUsage()
}

async function main(): Promise<void> {
  const kind = process.argv[2] as ServerKind
  const lifetime = setTimeout(() => {
    console.error(`bench server ${kind}: lifetime exceeded, exiting`)
    process.exit(3)
  }, MAX_PROCESS_LIFETIME_MS)
  lifetime.unref()
  process.on('disconnect', () => process.exit(0))

  const running =
    kind === 'faye'
      ? await startFaye()
      : kind === 'cometd'
        ? await startCometd()
        : kind === 'floor'
          ? await startFloor()
          : kind === 'app'
            ? await (await import('./app.ts')).startApp()
            : await startOurs()

  process.on('message', (raw) => {
    const msg = raw as ParentToServer
    switch (msg.type) {
      case 'mem':
        void measureMemory().then((m) => send({ type: 'mem', id: msg.id, mem: m }))
        break
      case 'cpu': {
        // Sample CPU at two absolute times (ms since the epoch, sub-ms precision).
        const sample = (): { cpu: NodeJS.CpuUsage; at: number } => ({
          cpu: process.cpuUsage(),
          at: performance.timeOrigin + performance.now(),
        })
        const wait = (t: number): Promise<void> =>
          new Promise((r) =>
            setTimeout(r, Math.max(0, t - (performance.timeOrigin + performance.now()))),
          )
        void (async () => {
          await wait(msg.start)
          const a = sample()
          const c0 = running.commits?.()
          await wait(msg.end)
          const b = sample()
          const c1 = running.commits?.()
          const usedMs = (b.cpu.user - a.cpu.user + b.cpu.system - a.cpu.system) / 1000
          const commits = c0 !== undefined && c1 !== undefined ? c1 - c0 : undefined
          send({ type: 'cpu', id: msg.id, busy: usedMs / (b.at - a.at), commits })
        })()
        break
      }
      case 'snapshot':
        void measureMemory().then(() => {
          v8.writeHeapSnapshot(msg.file)
          send({ type: 'snapshot', id: msg.id })
        })
        break
      case 'stop':
        void running.close().finally(() => process.exit(0))
        setTimeout(() => process.exit(0), 3000).unref()
        break
    }
  })
  send({ type: 'ready', port: running.port })
}

void main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
