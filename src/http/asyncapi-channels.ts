// The /v2/me/channels channel of the AsyncAPI document: ChannelStateChangeMessage, sent to the
// user when one of their media channels changes agent state (src/workbins/channels.ts,
// docs/api.md "Channels and agent states").

import { CHANNELS_CHANNEL } from '../workbins/channels.ts'

type Json = Record<string, unknown>

const userState: Json = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'state', 'displayName'],
  properties: {
    id: { type: 'string', description: 'The entry of GET /settings/agent-states.' },
    state: { type: 'string', enum: ['Ready', 'NotReady'] },
    displayName: { type: 'string' },
    reasonCode: { type: 'string', description: 'Only for NotReady with a reason.' },
  },
}

export const channelStateSchema: Json = {
  type: 'object',
  additionalProperties: false,
  required: ['messageType', 'notificationType', 'channels'],
  properties: {
    messageType: { const: 'ChannelStateChangeMessage' },
    notificationType: { const: 'StateChange' },
    channels: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['channel', 'userState'],
        properties: { channel: { type: 'string' }, userState },
      },
    },
  },
}

export const channelStateMessage: Json = {
  name: 'ChannelStateChangeMessage',
  title: 'Media channel agent state change',
  summary:
    'One of the user’s media channels changed state (POST /me/channels/{channel}); to the user only.',
  contentType: 'application/json',
  payload: { $ref: '#/components/schemas/ChannelStateChangeMessage' },
  examples: [
    {
      name: 'notReadyLunch',
      payload: {
        messageType: 'ChannelStateChangeMessage',
        notificationType: 'StateChange',
        channels: [
          {
            channel: 'email',
            userState: {
              id: 'NotReady.Lunch',
              state: 'NotReady',
              displayName: 'Lunch',
              reasonCode: 'Lunch',
            },
          },
        ],
      },
    },
  ],
}

/** The channel, its send operation, message and schema, to merge into the document. */
export function channelStatesPart(servers: Json[]) {
  return {
    channel: {
      address: CHANNELS_CHANNEL,
      title: 'Media channel states',
      description:
        'Agent state changes of the session user’s media channels. /v2/me/* and /v2/me/** ' +
        'match it too. The payload is the `data` member of the Bayeux message.',
      servers,
      messages: {
        ChannelStateChangeMessage: { $ref: '#/components/messages/ChannelStateChangeMessage' },
      },
    },
    operation: {
      action: 'send',
      title: 'Media channel states',
      summary: 'The server tells the user of each agent state change of their media channels.',
      channel: { $ref: '#/channels/mediaChannels' },
      messages: [{ $ref: '#/channels/mediaChannels/messages/ChannelStateChangeMessage' }],
    },
    messages: { ChannelStateChangeMessage: channelStateMessage },
    schemas: { ChannelStateChangeMessage: channelStateSchema },
  }
}
