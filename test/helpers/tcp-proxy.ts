// A dependency that goes away and comes back (a Redis outage, for the cluster tests): a TCP
// forwarder on a fixed local port. `down()` stops listening and cuts every connection through
// it; `up()` listens again on the same port. The service behind it is never touched.

import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'

export class TcpProxy {
  #server: Server | null = null
  readonly #sockets = new Set<Socket>()
  #port = 0

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
      this.#sockets.add(client)
      this.#sockets.add(target)
      client.pipe(target)
      target.pipe(client)
      const close = () => {
        client.destroy()
        target.destroy()
        this.#sockets.delete(client)
        this.#sockets.delete(target)
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
    for (const s of this.#sockets) s.destroy()
    this.#sockets.clear()
    if (server) {
      server.close()
      await once(server, 'close')
    }
  }
}
