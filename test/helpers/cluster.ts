// A cluster for tests (docs/cluster.md): server processes sharing one PostgreSQL database and
// the local Redis on a channel of their own, and a round-robin forwarder in front of them that
// sends each HTTP request to the next node (no stickiness at all) and each websocket to the
// next node, where it stays.

import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { Redis } from 'ioredis'
import { ServerProcess, freePort } from './crash-load.ts'

export const REDIS_URL = process.env.WORKBINS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** undefined when Redis answers; otherwise why the cluster tests skip (CI=true: throws). */
export async function redisSkipReason(): Promise<string | undefined> {
  const r = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  try {
    await r.connect()
    await r.ping()
    return undefined
  } catch (err) {
    const why = `Redis at ${REDIS_URL} is not reachable (${(err as Error).message})`
    if (process.env.CI === 'true') throw new Error(`${why}; CI needs it`, { cause: err })
    return why
  } finally {
    r.disconnect()
  }
}

export class Cluster {
  readonly nodes: ServerProcess[] = []
  readonly nodeIds: string[] = []
  readonly channel = `workbins:test:${randomBytes(6).toString('hex')}`

  constructor(
    readonly size: number,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    const tag = randomBytes(4).toString('hex')
    for (let i = 0; i < this.size; i++) {
      const nodeId = `t${tag}-${i}`
      this.nodeIds.push(nodeId)
      const node = new ServerProcess(await freePort(), {
        WORKBINS_BUS: REDIS_URL,
        WORKBINS_BUS_CHANNEL: this.channel,
        WORKBINS_NODE_ID: nodeId,
        ...this.env,
      })
      this.nodes.push(node)
      // One at a time: the first provisions, the others find it done.
      await node.start()
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()))
  }

  /** Drop this cluster's bus subscriptions on the Redis server (CLIENT KILL), as an outage would. */
  async killSubscriptions(): Promise<number> {
    const r = new Redis(REDIS_URL)
    try {
      const list = (await r.call('CLIENT', 'LIST')) as string
      let n = 0
      for (const line of list.split('\n')) {
        const id = /(?:^| )id=(\d+)/.exec(line)?.[1]
        const name = /(?:^| )name=(\S+)/.exec(line)?.[1]
        if (!id || !name || !this.nodeIds.some((nid) => name === `workbins:${nid}:sub`)) continue
        n += Number(await r.call('CLIENT', 'KILL', 'ID', id))
      }
      return n
    } finally {
      r.disconnect()
    }
  }
}

/** Each request to the next node in turn; each websocket to the next node, for good. */
export class RoundRobin {
  #server: Server
  #next = 0
  base = ''
  /** Requests sent to each node. */
  readonly counts: number[]

  constructor(private readonly ports: number[]) {
    this.counts = ports.map(() => 0)
    this.#server = createServer((req, res) => {
      const port = this.#pick()
      const out = request(
        { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers)
          up.pipe(res)
        },
      )
      out.on('error', () => {
        if (!res.headersSent) res.writeHead(502)
        res.end()
      })
      req.pipe(out)
    })
    this.#server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const port = this.#pick()
      const up = connect(port, '127.0.0.1', () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`]
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
        }
        up.write(lines.join('\r\n') + '\r\n\r\n')
        if (head.length > 0) up.write(head)
        up.pipe(socket)
        socket.pipe(up)
      })
      const close = () => {
        up.destroy()
        socket.destroy()
      }
      up.on('error', close)
      socket.on('error', close)
      up.on('close', close)
      socket.on('close', close)
    })
  }

  #pick(): number {
    const i = this.#next++ % this.ports.length
    this.counts[i] = (this.counts[i] ?? 0) + 1
    return this.ports[i] as number
  }

  async listen(): Promise<string> {
    this.#server.listen(0, '127.0.0.1')
    await once(this.#server, 'listening')
    this.base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this.base
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    this.#server.close()
    await once(this.#server, 'close').catch(() => undefined)
  }
}
