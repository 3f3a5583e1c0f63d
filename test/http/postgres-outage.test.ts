// A PostgreSQL database that goes away while the server runs: requests answer 503 in the GWS
// envelope (nothing else breaks, the process stays up), and once the database is back the
// pool reconnects by itself; /ready follows the database. "Going away" is a TCP relay in front
// of the real PostgreSQL that is closed (sockets cut, port refused) and then reopened on the
// same port.

import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import { after, before, describe, test } from 'node:test'
import { ApiClient } from '../helpers/http.ts'
import { PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { createTestDatabase, PG_ADMIN_URL, postgresSkipReason } from '../helpers/postgres.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { until } from '../helpers/wait.ts'

const skip = await postgresSkipReason()

/** Relays 127.0.0.1:<port> to PostgreSQL; `down()` cuts every socket and stops listening. */
class Relay {
  readonly #sockets = new Set<net.Socket>()
  #server: net.Server | undefined
  port = 0

  async up(): Promise<void> {
    const target = new URL(PG_ADMIN_URL)
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname)
      for (const s of [client, upstream]) {
        this.#sockets.add(s)
        s.on('close', () => this.#sockets.delete(s))
        s.on('error', () => undefined)
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    server.listen(this.port, '127.0.0.1')
    await once(server, 'listening')
    this.port = (server.address() as net.AddressInfo).port
    this.#server = server
  }

  async down(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const s of this.#sockets) s.destroy()
    if (server) await new Promise((resolve) => server.close(resolve))
  }
}

describe('PostgreSQL outage while running', { skip }, () => {
  const relay = new Relay()
  let server: TestServer
  let drop: () => Promise<void>

  before(async () => {
    const database = await createTestDatabase()
    drop = () => database.drop()
    await relay.up()
    const url = new URL(database.url)
    url.host = `127.0.0.1:${relay.port}`
    server = await startServer({
      provision: basicDocument(),
      db: url.toString(),
      config: { pgStatementTimeoutMs: 1000 },
    })
  })
  after(async () => {
    await server?.close()
    await relay.down()
    await drop?.()
  })

  test('answers 503 in the GWS envelope while the database is away, then recovers by itself', async () => {
    // Basic on every request: each one reads the user from the store.
    const api = new ApiClient(server.apiUrl, 'agent1', PASSWORD, { basicAlways: true })
    assert.equal((await api.get('/me')).status, 200)
    const ready = async () => (await fetch(`${server.url}/ready`)).status
    assert.equal(await ready(), 200)

    await relay.down()
    // The readiness probe asks the database itself (SELECT 1): not ready while it is away.
    assert.equal(await ready(), 503)
    const away = await api.get('/me')
    assert.equal(away.status, 503, JSON.stringify(away.body))
    assert.deepEqual(away.body, {
      statusCode: 4,
      statusMessage: 'The database is unavailable; retry later',
    })
    assert.equal(away.headers.get('retry-after'), '1')
    const again = await api.post('/me', { operationName: 'StartContactCenterSession' })
    assert.equal(again.status, 503, JSON.stringify(again.body))

    // CometD: the handshake is told to come back, not denied.
    const hs = await fetch(server.cometdUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: api.basicHeader()! },
      body: JSON.stringify([
        { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
      ]),
    })
    const [reply] = (await hs.json()) as Record<string, unknown>[]
    assert.equal(reply!.successful, false)
    assert.equal(reply!.error, '503::authentication_unavailable')
    assert.deepEqual(reply!.advice, { reconnect: 'handshake', interval: 1000 })

    await relay.up()
    let back = await api.get('/me')
    await until(
      'the database is back',
      async () => (back = await api.get('/me')).status === 200,
      10_000,
      50,
    )
    assert.equal((back.body.user as { userName: string }).userName, 'agent1')
    assert.equal(await ready(), 200)
  })
})
