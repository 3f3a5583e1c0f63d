// Bounds on connections (docs/security.md "Connections"): a request must arrive whole within
// WORKBINS_REQUEST_TIMEOUT_MS (on node:http and on the direct long-polling reader) while a held
// long poll is not cut by it; WORKBINS_MAX_CONNECTIONS and
// WORKBINS_MAX_CONNECTIONS_PER_ADDRESS close new connections beyond them at once, counted in
// the metrics, and trusted proxies are not counted per address.

import assert from 'node:assert/strict'
import net from 'node:net'
import { describe, it } from 'node:test'
import { freePort } from '../helpers/crash-load.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { until } from '../helpers/wait.ts'

const HEALTH = 'GET /health HTTP/1.1\r\nHost: t\r\n\r\n'

/** A connection and everything it received; `closed` resolves when the server ends it. */
interface Conn {
  sock: net.Socket
  data(): string
  closed: Promise<number>
}

function open(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    let got = ''
    const t0 = Date.now()
    const sock = net.connect(port, '127.0.0.1')
    const closed = new Promise<number>((done) => sock.on('close', () => done(Date.now() - t0)))
    sock.on('data', (d) => (got += d.toString('latin1')))
    sock.on('error', () => {})
    sock.once('connect', () => resolve({ sock, data: () => got, closed }))
    sock.once('error', reject)
  })
}

/** Whether the connection is served: a /health request on it is answered 200. */
async function served(c: Conn): Promise<boolean> {
  c.sock.write(HEALTH)
  const answered = until('an answer', () => c.data().includes('\r\n\r\n'), 2000).then(
    () => true,
    () => false,
  )
  const ok = await Promise.race([answered, c.closed.then(() => false)])
  return ok && c.data().startsWith('HTTP/1.1 200')
}

async function closeAll(conns: Conn[]): Promise<void> {
  for (const c of conns) c.sock.destroy()
  await Promise.all(conns.map((c) => c.closed))
}

function port(server: TestServer): number {
  return Number(new URL(server.url).port)
}

async function scrapeValue(metricsPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  assert.ok(line, `${name} not in the metrics`)
  return Number(line.split(' ')[1])
}

describe('WORKBINS_REQUEST_TIMEOUT_MS', () => {
  for (const directHttp of [true, false]) {
    it(`cuts a stalled body with 408 (${directHttp ? 'direct reader' : 'node:http'}), REST and CometD`, async () => {
      const server = await startServer({
        config: { requestTimeoutMs: 1000, cometd: { directHttp } },
        demo: true,
      })
      const auth = `Authorization: Basic ${Buffer.from('agent1:agent1pass').toString('base64')}\r\n`
      try {
        const conns: Conn[] = []
        for (const path of ['/api/v2/notifications', '/api/v2/me']) {
          const c = await open(port(server))
          c.sock.write(
            `POST ${path} HTTP/1.1\r\nHost: t\r\n${auth}Content-Type: application/json\r\n` +
              `Content-Length: 100\r\n\r\n[`,
          )
          conns.push(c)
        }
        for (const c of conns) {
          const ms = await c.closed
          assert.match(c.data(), /^HTTP\/1\.1 408 /)
          // node:http looks every 5 s (connectionsCheckingInterval); the direct reader exactly.
          assert.ok(ms >= 950 && ms < 7500, `closed after ${ms} ms`)
        }
      } finally {
        await server.close()
      }
    })
  }

  it('does not cut a long poll held longer than it', async () => {
    const server = await startServer({
      config: { requestTimeoutMs: 500, cometd: { timeout: 2500 } },
      demo: true,
    })
    try {
      const auth = `Basic ${Buffer.from('agent1:agent1pass').toString('base64')}`
      const post = async (body: unknown, cookie = ''): Promise<Response> =>
        fetch(server.cometdUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth, cookie },
          body: JSON.stringify(body),
        })
      const hs = await post([
        {
          channel: '/meta/handshake',
          version: '1.0',
          supportedConnectionTypes: ['long-polling'],
        },
      ])
      const cookie = (hs.headers.getSetCookie() ?? []).map((c) => c.split(';')[0]).join('; ')
      const [{ clientId }] = (await hs.json()) as [{ clientId: string }]
      const connect = (advice?: object) => ({
        channel: '/meta/connect',
        clientId,
        connectionType: 'long-polling',
        ...(advice ? { advice } : {}),
      })
      await (await post([connect({ timeout: 0 })], cookie)).json()
      const t0 = Date.now()
      const held = await post([connect()], cookie)
      const ms = Date.now() - t0
      assert.equal(held.status, 200)
      const [reply] = (await held.json()) as [{ successful: boolean }]
      assert.equal(reply.successful, true)
      assert.ok(ms >= 2000, `answered after ${ms} ms: held for the CometD timeout`)
    } finally {
      await server.close()
    }
  })
})

describe('connection bounds', () => {
  it('WORKBINS_MAX_CONNECTIONS_PER_ADDRESS closes a new connection beyond it, counted', async () => {
    const metricsPort = await freePort()
    const server = await startServer({
      config: { maxConnectionsPerAddress: 4, metrics: true, metricsPort },
    })
    try {
      const conns: Conn[] = []
      for (let i = 0; i < 4; i++) conns.push(await open(port(server)))
      for (const c of conns) assert.equal(await served(c), true)
      const extra = await open(port(server))
      assert.equal(await served(extra), false)
      assert.equal(extra.data(), '', 'a refused connection gets no answer')
      await extra.closed
      assert.equal(
        await scrapeValue(metricsPort, 'workbins_http_connections_refused_per_address_total'),
        1,
      )
      assert.equal(await scrapeValue(metricsPort, 'workbins_http_connections'), 4)
      // One closes: its place is free again once the server has seen it close.
      await closeAll([conns.pop() as Conn])
      await until('the server sees the close', async () => {
        return (await scrapeValue(metricsPort, 'workbins_http_connections')) === 3
      })
      const again = await open(port(server))
      assert.equal(await served(again), true)
      await closeAll([...conns, again])
    } finally {
      await server.close()
    }
  })

  it('does not count the addresses of trusted proxies', async () => {
    const server = await startServer({
      config: { maxConnectionsPerAddress: 2, trustProxy: '127.0.0.1' },
    })
    try {
      const conns: Conn[] = []
      for (let i = 0; i < 6; i++) conns.push(await open(port(server)))
      for (const c of conns) assert.equal(await served(c), true)
      await closeAll(conns)
    } finally {
      await server.close()
    }
  })

  it('WORKBINS_MAX_CONNECTIONS closes a new connection beyond it, counted', async () => {
    const metricsPort = await freePort()
    const server = await startServer({
      config: { maxConnections: 3, maxConnectionsPerAddress: 0, metrics: true, metricsPort },
    })
    try {
      const conns: Conn[] = []
      for (let i = 0; i < 3; i++) conns.push(await open(port(server)))
      for (const c of conns) assert.equal(await served(c), true)
      const extra = await open(port(server))
      assert.equal(await served(extra), false)
      await extra.closed
      await until(
        'the refusal is counted',
        async () =>
          (await scrapeValue(metricsPort, 'workbins_http_connections_refused_total')) === 1,
        2000,
      )
      await closeAll(conns)
      await until('the server sees the closes', async () => {
        return (await scrapeValue(metricsPort, 'workbins_http_connections')) === 0
      })
      const again = await open(port(server))
      assert.equal(await served(again), true)
      await closeAll([again])
    } finally {
      await server.close()
    }
  })
})
