// The Bayeux 1.0 meta channels in AsyncAPI 3 form, briefly: what a client sends on
// /meta/handshake, /meta/connect, /meta/subscribe, /meta/unsubscribe and /meta/disconnect and what
// the server replies, with the ack extension (src/bayeux/README.md has every rule).

type Json = Record<string, unknown>

const advice: Json = {
  type: 'object',
  description: 'Bayeux advice: what the client does next.',
  properties: {
    reconnect: { type: 'string', enum: ['retry', 'handshake', 'none'] },
    interval: { type: 'integer', minimum: 0 },
    timeout: { type: 'integer', minimum: 0 },
    maxInterval: { type: 'integer', minimum: 0 },
    'multiple-clients': { type: 'boolean' },
  },
}

const common = (channel: string): Json => ({
  channel: { const: channel },
  id: { type: 'string', description: 'Echoed in the reply.' },
  clientId: { type: 'string', description: 'From the handshake reply.' },
})

const reply = (channel: string, extra: Json = {}): Json => ({
  type: 'object',
  required: ['channel', 'successful'],
  properties: {
    ...common(channel),
    successful: { type: 'boolean' },
    error: { type: 'string', description: 'On failure, e.g. 402::session_unknown.' },
    advice,
    ...extra,
  },
})

const request = (channel: string, required: string[], extra: Json = {}): Json => ({
  type: 'object',
  required: ['channel', ...required],
  properties: { ...common(channel), ...extra },
})

const subscription: Json = {
  description: 'A channel name or pattern (/v2/me/workbins, /v2/me/*, /v2/me/**).',
  oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
}

const connectionTypes: Json = {
  type: 'array',
  items: { type: 'string' },
  description: 'long-polling and websocket are served.',
}

interface MetaMessage {
  name: string
  summary: string
  payload: Json
  example: Json
}

const messages: MetaMessage[] = [
  {
    name: 'HandshakeRequest',
    summary: 'Opens a session; needs the JSESSIONID cookie or Basic credentials.',
    payload: request('/meta/handshake', ['version', 'supportedConnectionTypes'], {
      version: { type: 'string' },
      minimumVersion: { type: 'string' },
      supportedConnectionTypes: connectionTypes,
      ext: {
        type: 'object',
        properties: { ack: { const: true, description: 'Ask for the ack extension.' } },
      },
    }),
    example: {
      channel: '/meta/handshake',
      version: '1.0',
      supportedConnectionTypes: ['websocket', 'long-polling'],
      id: '1',
      ext: { ack: true },
    },
  },
  {
    name: 'HandshakeReply',
    summary: 'The session id and advice; ext.ack:true when the ack extension is on.',
    payload: reply('/meta/handshake', {
      version: { type: 'string' },
      minimumVersion: { type: 'string' },
      supportedConnectionTypes: connectionTypes,
      ext: { type: 'object', properties: { ack: { const: true } } },
    }),
    example: {
      channel: '/meta/handshake',
      id: '1',
      version: '1.0',
      minimumVersion: '1.0',
      supportedConnectionTypes: ['long-polling', 'websocket'],
      clientId: '3b1a4c0f9e8d7c6b5a49382716',
      successful: true,
      advice: { reconnect: 'retry', interval: 0, timeout: 25000, maxInterval: 10000 },
      ext: { ack: true },
    },
  },
  {
    name: 'ConnectRequest',
    summary: 'Held by the server until a message is queued or the timeout passes.',
    payload: request('/meta/connect', ['clientId', 'connectionType'], {
      connectionType: { type: 'string', enum: ['long-polling', 'websocket'] },
      advice,
      ext: {
        type: 'object',
        properties: {
          ack: {
            type: 'integer',
            description: 'The last batch received; earlier events are dropped.',
          },
          timesync: { type: 'object' },
        },
      },
    }),
    example: {
      channel: '/meta/connect',
      clientId: '3b1a4c0f9e8d7c6b5a49382716',
      connectionType: 'long-polling',
      id: '2',
      ext: { ack: 0 },
    },
  },
  {
    name: 'ConnectReply',
    summary:
      'Sent with the queued events in the same response; ext.ack numbers the batch to acknowledge.',
    payload: reply('/meta/connect', {
      ext: {
        type: 'object',
        properties: { ack: { type: 'integer' }, timesync: { type: 'object' } },
      },
    }),
    example: {
      channel: '/meta/connect',
      clientId: '3b1a4c0f9e8d7c6b5a49382716',
      id: '2',
      successful: true,
      advice: { reconnect: 'retry', interval: 0, timeout: 25000 },
      ext: { ack: 1 },
    },
  },
  {
    name: 'SubscribeRequest',
    summary: 'Only /v2/me/... (or /v2/*, /v2/**) under /v2; never /meta/**.',
    payload: request('/meta/subscribe', ['clientId', 'subscription'], { subscription }),
    example: {
      channel: '/meta/subscribe',
      clientId: '3b1a4c0f9e8d7c6b5a49382716',
      subscription: '/v2/me/workbins',
      id: '3',
    },
  },
  {
    name: 'SubscribeReply',
    summary: 'successful:false with 403 for a forbidden channel or too many subscriptions.',
    payload: reply('/meta/subscribe', { subscription }),
    example: {
      channel: '/meta/subscribe',
      clientId: '3b1a4c0f9e8d7c6b5a49382716',
      id: '3',
      subscription: '/v2/me/workbins',
      successful: true,
    },
  },
  {
    name: 'UnsubscribeRequest',
    summary: 'Ends a channel subscription (not a workbin subscription).',
    payload: request('/meta/unsubscribe', ['clientId', 'subscription'], { subscription }),
    example: {
      channel: '/meta/unsubscribe',
      clientId: '3b1a4c0f9e8d7c6b5a49382716',
      subscription: '/v2/me/workbins',
      id: '4',
    },
  },
  {
    name: 'UnsubscribeReply',
    summary: 'Confirms the unsubscription.',
    payload: reply('/meta/unsubscribe', { subscription }),
    example: {
      channel: '/meta/unsubscribe',
      clientId: '3b1a4c0f9e8d7c6b5a49382716',
      id: '4',
      subscription: '/v2/me/workbins',
      successful: true,
    },
  },
  {
    name: 'DisconnectRequest',
    summary: 'Ends the session.',
    payload: request('/meta/disconnect', ['clientId']),
    example: { channel: '/meta/disconnect', clientId: '3b1a4c0f9e8d7c6b5a49382716', id: '5' },
  },
  {
    name: 'DisconnectReply',
    summary:
      'Answers a disconnect; also sent unasked when the server ends the session (logout, EndContactCenterSession, credential change).',
    payload: reply('/meta/disconnect'),
    example: {
      channel: '/meta/disconnect',
      clientId: '3b1a4c0f9e8d7c6b5a49382716',
      id: '5',
      successful: true,
    },
  },
]

/** [channel key, address, request message, reply message, operation description] */
const metaChannels: [string, string, string, string, string][] = [
  ['metaHandshake', '/meta/handshake', 'HandshakeRequest', 'HandshakeReply', 'Open a session.'],
  ['metaConnect', '/meta/connect', 'ConnectRequest', 'ConnectReply', 'Poll for events.'],
  [
    'metaSubscribe',
    '/meta/subscribe',
    'SubscribeRequest',
    'SubscribeReply',
    'Listen on a channel.',
  ],
  [
    'metaUnsubscribe',
    '/meta/unsubscribe',
    'UnsubscribeRequest',
    'UnsubscribeReply',
    'Stop listening on a channel.',
  ],
  [
    'metaDisconnect',
    '/meta/disconnect',
    'DisconnectRequest',
    'DisconnectReply',
    'End the session.',
  ],
]

export interface MetaParts {
  channels: Json
  operations: Json
  messages: Json
  schemas: Json
}

/** The meta channels, their request/reply operations, messages and schemas. */
export function bayeuxMeta(servers: Json[]): MetaParts {
  const out: MetaParts = { channels: {}, operations: {}, messages: {}, schemas: {} }
  for (const m of messages) {
    out.schemas[m.name] = m.payload
    out.messages[m.name] = {
      name: m.name,
      summary: m.summary,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${m.name}` },
      examples: [{ name: 'example', payload: m.example }],
    }
  }
  for (const [key, address, req, rep, description] of metaChannels) {
    out.channels[key] = {
      address,
      title: address,
      servers,
      messages: {
        [req]: { $ref: `#/components/messages/${req}` },
        [rep]: { $ref: `#/components/messages/${rep}` },
      },
    }
    out.operations[key] = {
      action: 'receive',
      summary: description,
      channel: { $ref: `#/channels/${key}` },
      messages: [{ $ref: `#/channels/${key}/messages/${req}` }],
      reply: {
        channel: { $ref: `#/channels/${key}` },
        messages: [{ $ref: `#/channels/${key}/messages/${rep}` }],
      },
    }
  }
  return out
}
