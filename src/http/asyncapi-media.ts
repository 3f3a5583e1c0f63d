// The interaction messages on the media channels (`WorkitemStateChangeMessage` on
// /v2/me/workitems, ...: src/workbins/interaction-events.ts, docs/interactions.md) as AsyncAPI
// 3 channels, operations, messages and schemas.

import { MEDIA_TYPES } from '../model.ts'
import { MEDIA_CHANNELS } from '../workbins/interaction-events.ts'

type Json = Record<string, unknown>

export interface MediaParts {
  channels: Json
  operations: Json
  messages: Json
  schemas: Json
}

const EXAMPLE = {
  id: '03W07R2K4VAYT010',
  workitemType: 'Inbound',
  state: 'Processing',
  capabilities: ['Transfer', 'PlaceInQueue', 'Complete'],
  receivedDate: '2016-04-08 15:05:57.000+0300',
  userData: { Case: '8' },
  uri: 'http://127.0.0.1:8090/api/v2/workitems/03W07R2K4VAYT010',
}

const channelKey = (address: string) => `media_${address.split('/').pop() as string}`

/** Channels, send operations, messages and payload schemas of every media channel. */
export function mediaChannels(servers: Json[]): MediaParts {
  const out: MediaParts = { channels: {}, operations: {}, messages: {}, schemas: {} }
  for (const m of MEDIA_TYPES) {
    const { channel, messageType, key } = MEDIA_CHANNELS[m]
    const ck = channelKey(channel)
    out.schemas[messageType] = {
      type: 'object',
      additionalProperties: false,
      required: ['messageType', 'notificationType', key],
      properties: {
        messageType: { const: messageType },
        notificationType: {
          type: 'string',
          enum: ['StatusChange', 'PropertiesUpdated', 'Error'],
          description: 'StatusChange: its state changed; PropertiesUpdated: its userData.',
        },
        [key]: { $ref: '#/components/schemas/Interaction' },
        referenceId: {
          type: 'integer',
          minimum: 1,
          description: 'Only on the requester’s copy: the referenceId of its HTTP reply.',
        },
      },
    }
    out.messages[messageType] = {
      name: messageType,
      title: messageType,
      summary: `A ${m} interaction changed (docs/interactions.md).`,
      payload: { $ref: `#/components/schemas/${messageType}` },
      examples: [
        {
          payload: {
            messageType,
            notificationType: 'StatusChange',
            [key]: m === 'workitem' ? EXAMPLE : { ...EXAMPLE, workitemType: undefined },
            referenceId: 8,
          },
        },
      ],
    }
    const existing = out.channels[ck] as { messages: Json } | undefined
    const ref = { $ref: `#/components/messages/${messageType}` }
    if (existing) {
      existing.messages[messageType] = ref
    } else {
      out.channels[ck] = {
        address: channel,
        title: `Interaction notifications on ${channel}`,
        description:
          'The interactions the user handles or is offered, and those entering or leaving a ' +
          'workbin instance the user is subscribed to. Matched by /v2/me/* and /v2/me/** too.',
        servers,
        messages: { [messageType]: ref },
      }
      out.operations[`send_${ck}`] = {
        action: 'send',
        title: `Interaction notifications on ${channel}`,
        channel: { $ref: `#/channels/${ck}` },
        messages: [],
      }
    }
    ;(out.operations[`send_${ck}`] as { messages: Json[] }).messages.push({
      $ref: `#/channels/${ck}/messages/${messageType}`,
    })
  }
  return out
}
