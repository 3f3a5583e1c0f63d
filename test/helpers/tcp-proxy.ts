// A dependency that goes away and comes back (a Redis outage, for the cluster tests), or a
// network that stops carrying anything for a while (a client's Wi-Fi or VPN): a TCP forwarder
// on a fixed local port. `down()` stops listening and cuts every connection through it; `up()`
// listens again on the same port. `hold()` stops forwarding in both directions without closing
// anything (bytes wait in the sockets' buffers, new connections are accepted and wait too), and
// `release()` delivers what waited and forwards again. The service behind it is never touched.

import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'

interface Pair {
  client: Socket
  target: Socket
}

export class TcpProxy {
  #server: Server | null = null
  readonly #pairs = new Set<Pair>()
  #port = 0
  #held = false

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  /** The local port (known after the first `up()`; the same after each later one). */
  get port(): number {
    return this.#port
  }

  async up(): Promise<void> {
    if (this.#server) return
    const server = createServer((client) => {
      const target = connect(this.targetPort, this.targetHost)
      const pair = { client, target }
      this.#pairs.add(pair)
      if (this.#held) stop(pair)
      else flow(pair)
      const close = () => {
        client.destroy()
        target.destroy()
        this.#pairs.delete(pair)
      }
      for (const s of [client, target]) {
        s.on('error', close)
        s.on('close', close)
      }
    })
    server.listen(this.#port, '127.0.0.1')
    await once(server, 'listening')
    this.#port = (server.address() as AddressInfo).port
    this.#server = server
  }

  async down(): Promise<void> {
    const server = this.#server
    this.#server = null
    for (const p of this.#pairs) {
      p.client.destroy()
      p.target.destroy()
    }
    this.#pairs.clear()
    if (server) {
      server.close()
      await once(server, 'close')
    }
  }

  /** Forward nothing, close nothing, until `release()`. */
  hold(): void {
    this.#held = true
    for (const p of this.#pairs) stop(p)
  }

  release(): void {
    this.#held = false
    for (const p of this.#pairs) flow(p)
  }
}

function flow(p: Pair): void {
  p.client.pipe(p.target)
  p.target.pipe(p.client)
}

function stop(p: Pair): void {
  p.client.unpipe(p.target)
  p.target.unpipe(p.client)
  p.client.pause()
  p.target.pause()
}
