// This project's Bayeux server, set up for the benchmark: fastify + BayeuxServer with a
// trivial authenticate (the user id comes from the X-Bench-User header of the handshake or
// websocket upgrade request), and `POST /deliver {user, data}` calling deliverToUser. The
// deliver endpoint is the same plain node:http handler the peers get (server.ts), mounted in
// front of fastify, so that only the Bayeux servers differ.

import http from 'node:http'
import fastify from 'fastify'
import pino from 'pino'
import { BayeuxServer } from '../src/bayeux/index.ts'
import { loadConfig } from '../src/config.ts'
import { HOLD_TIMEOUT_MS, HOST, OUR_CHANNEL, OUR_PREFIX, USER_HEADER } from './protocol.ts'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

export async function startOurs(
  deliverHandler: (deliver: (user: string, data: Record<string, unknown>) => void) => Handler,
): Promise<{ port: number; close(): Promise<void> }> {
  const config = loadConfig(
    {},
    {
      cometd: {
        timeout: HOLD_TIMEOUT_MS,
        // Each generator session keeps its own BAYEUX_BROWSER cookie and is the only session
        // of its user, so the per-user and per-browser limits keep their defaults.
      },
    },
  )
  const header = USER_HEADER.toLowerCase()
  const bayeux = new BayeuxServer({
    config: config.cometd,
    logger: pino({ level: 'warn' }),
    authenticate: async (req) => {
      const user = req.headers[header]
      return typeof user === 'string' && user !== ''
        ? { userId: user, contactCenterId: 'bench' }
        : null
    },
  })
  const onDeliver = deliverHandler((user, data) => bayeux.deliverToUser(user, OUR_CHANNEL, data))
  const app = fastify({
    logger: false,
    serverFactory: (handler) =>
      http.createServer((req, res) => {
        if (req.method === 'POST' && req.url === '/deliver') return onDeliver(req, res)
        handler(req, res)
      }),
  })
  bayeux.attach(app, [OUR_PREFIX])
  await app.listen({ port: 0, host: HOST })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    port,
    close: async () => {
      await bayeux.close()
      await app.close()
    },
  }
}
