// This project's Bayeux server, set up for the benchmark: fastify + BayeuxServer with a
// trivial authenticate (the user id comes from the X-Bench-User header of the handshake or
// websocket upgrade request), and `POST /deliver {user, data}` calling deliverToUser.

import fastify from 'fastify'
import pino from 'pino'
import { BayeuxServer } from '../src/bayeux/index.ts'
import { loadConfig } from '../src/config.ts'
import { HOLD_TIMEOUT_MS, HOST, OUR_CHANNEL, OUR_PREFIX, USER_HEADER } from './protocol.ts'

export async function startOurs(): Promise<{ port: number; close(): Promise<void> }> {
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
  const app = fastify({ logger: false, bodyLimit: config.cometd.maxMessageSize })
  bayeux.attach(app, [OUR_PREFIX])
  app.post('/deliver', async (req, reply) => {
    const body = req.body as { user: string; data: Record<string, unknown> }
    bayeux.deliverToUser(body.user, OUR_CHANNEL, body.data)
    return reply.code(204).send()
  })
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
