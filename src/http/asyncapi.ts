// The AsyncAPI 3.0 description of the CometD side (docs/cometd.md): the endpoint on both
// transports, the /v2/me/workbins channel with every message this API sends, the interaction
// messages of the media channels (asyncapi-media.ts), and the Bayeux meta channels. Served without authentication at /api/v2/asyncapi.json, like the OpenAPI one:
// it describes the API, holds no data.

import type { FastifyInstance } from 'fastify'
import { WORKBINS_CHANNEL } from '../workbins/notifier.ts'
import { bayeuxMeta } from './asyncapi-bayeux.ts'
import { channelStatesPart } from './asyncapi-channels.ts'
import { mediaChannels } from './asyncapi-media.ts'
import { workbinMessages, workbinSchemas } from './asyncapi-messages.ts'

type Json = Record<string, unknown>

const AUTH =
  'The handshake (long-polling) or the HTTP upgrade (websocket) must carry the JSESSIONID cookie ' +
  'of a REST login or a Basic Authorization header; otherwise the handshake fails with ' +
  'advice.reconnect "none" (an unauthenticated upgrade gets HTTP 401).'

const WILDCARDS =
  'Messages for the session’s own user. A subscription to /v2/me/workbins, /v2/me/* or ' +
  '/v2/me/** (also /v2/* and /v2/**) receives them, one copy per session even when several ' +
  'patterns match (Bayeux 1.0: `*` matches one trailing segment, `**` any number). Subscribing ' +
  'to any other /v2 space (another user’s) is refused with 403, and clients may not publish ' +
  'under /v2. The payload below is the `data` member of the Bayeux message ' +
  '`{"channel":"/v2/me/workbins","data":{...}}`. Every message is sent after the HTTP reply ' +
  'whose referenceId it carries; the workbin subscriptions themselves belong to the user and ' +
  'survive reconnects, the channel subscription must be renewed after every handshake.'

/** The document, with the server address taken from the public base URL (…/api/v2). */
export function asyncApiDocument(publicBaseUrl: string): Json {
  const base = new URL(publicBaseUrl)
  const secure = base.protocol === 'https:'
  const pathname = `${base.pathname.replace(/\/$/, '')}/notifications`
  const security = [
    { $ref: '#/components/securitySchemes/sessionCookie' },
    { $ref: '#/components/securitySchemes/basic' },
  ]
  const servers = [{ $ref: '#/servers/longPolling' }, { $ref: '#/servers/websocket' }]
  const meta = bayeuxMeta(servers)
  const states = channelStatesPart(servers)
  const media = mediaChannels(servers)
  const messageRefs = Object.fromEntries(
    Object.keys(workbinMessages).map((k) => [k, { $ref: `#/components/messages/${k}` }]),
  )
  return {
    asyncapi: '3.0.0',
    id: 'urn:gws-workbins:notifications',
    info: {
      title: 'GWS Workbins notifications (CometD)',
      version: '8.5.2',
      description:
        'The CometD (Bayeux 1.0) side of the Genesys Web Services 8.5 Workbins API: workbin ' +
        'subscription, content and statistics messages. The REST side is described at ' +
        '/api/v2/openapi.json. This document describes the server: `send` operations are ' +
        'what it delivers, `receive` operations what it accepts and answers.',
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      longPolling: {
        host: base.host,
        protocol: secure ? 'https' : 'http',
        pathname,
        title: 'Bayeux 1.0 long-polling',
        description:
          'Bayeux 1.0 over HTTP long-polling: POST JSON arrays of Bayeux messages to the endpoint (the official client appends ' +
          '/handshake, /connect, ...). Events travel in /meta/connect responses. The same ' +
          'server answers at /genesys/cometd, where packaged GWS builds serve CometD. ' +
          AUTH,
        security,
      },
      websocket: {
        host: base.host,
        protocol: secure ? 'wss' : 'ws',
        pathname,
        title: 'Bayeux 1.0 websocket',
        description:
          'Bayeux 1.0 over WebSocket: the same path upgraded; each frame is a JSON array of Bayeux messages. ' +
          AUTH,
        security,
      },
    },
    channels: {
      workbins: {
        address: WORKBINS_CHANNEL,
        title: 'Workbin notifications',
        description: WILDCARDS,
        servers,
        messages: messageRefs,
      },
      mediaChannels: states.channel,
      ...media.channels,
      ...meta.channels,
    },
    operations: {
      sendWorkbinNotifications: {
        action: 'send',
        title: 'Workbin notifications',
        summary: 'The server delivers subscription, content and statistics messages.',
        channel: { $ref: '#/channels/workbins' },
        messages: Object.keys(workbinMessages).map((k) => ({
          $ref: `#/channels/workbins/messages/${k}`,
        })),
      },
      sendChannelStates: states.operation,
      ...media.operations,
      ...meta.operations,
    },
    components: {
      schemas: { ...workbinSchemas, ...states.schemas, ...media.schemas, ...meta.schemas },
      messages: { ...workbinMessages, ...states.messages, ...media.messages, ...meta.messages },
      securitySchemes: {
        sessionCookie: {
          type: 'httpApiKey',
          name: 'JSESSIONID',
          in: 'cookie',
          description: 'The session cookie answered by any authenticated REST call.',
        },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'Basic credentials on the handshake request or the websocket upgrade.',
        },
      },
    },
  }
}

export const ASYNCAPI_PATH = '/api/v2/asyncapi.json'

/**
 * GET /api/v2/asyncapi.json. Registered on the root instance, outside the /api/v2 plugin whose
 * onRequest hook authenticates, so it needs no credentials.
 */
export function asyncApiRoute(http: FastifyInstance, publicUrl: () => string): void {
  let cached: { base: string; body: string } | undefined
  http.get(ASYNCAPI_PATH, async (request, reply) => {
    // Before listen() the public URL is unknown: take the request's own origin.
    const base = publicUrl() || `${request.protocol}://${request.host}/api/v2`
    if (cached?.base !== base) {
      cached = { base, body: JSON.stringify(asyncApiDocument(base)) }
    }
    return reply.type('application/json').send(cached.body)
  })
}
