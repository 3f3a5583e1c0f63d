// The messages of this API on /v2/me/workbins, as AsyncAPI 3 message objects: JSON Schema of
// the Bayeux `data` member plus an example of what the server sends. The shapes are those built
// by src/workbins/messages.ts, item-events.ts and stats.ts (docs/workbins-subscriptions.md,
// docs/workbins-content.md); test/http/asyncapi.test.ts checks real messages against them.

import { MEDIA_TYPES, WORKBIN_TYPES } from '../model.ts'
import { MEDIA } from '../workbins/resources.ts'

type Json = Record<string, unknown>

const EXAMPLE_BASE = 'http://127.0.0.1:8090/api/v2'
const AGENT_WB = 'aee812a5-7396-4dd9-b180-230f1c1fb085'
const GROUP_WB = '6c715fa9-de16-4d23-b07c-cbcb1caf3e07'
const AGENT1 = 'e6f2ad1b26ea4e9b8dd907eabe167522'
const SUP1 = '7d3f0e6b9a2c4d1e8f5a3b7c9d0e1f2a'

const str = (description: string): Json => ({ type: 'string', description })

const owners: Json = {
  id: str('The workbin id.'),
  workbinUserId: str(
    'The owner user id of an Agent workbin instance; present on copies for anyone but the owner.',
  ),
  agentGroup: str('The agent group name, for AgentGroup workbin instances.'),
  placeGroup: str('The place group name, for PlaceGroup workbin instances.'),
  place: str('The place name, for Place workbin instances (an addition to GWS).'),
}

const referenceId: Json = {
  type: 'integer',
  minimum: 1,
  description: 'The referenceId of the HTTP reply this message answers (per user, increasing).',
}

export const subscriptionStateSchema: Json = {
  type: 'object',
  additionalProperties: false,
  required: ['messageType', 'id', 'stateResource', 'referenceId'],
  properties: {
    messageType: { const: 'WorkbinSubscriptionStateChangeMessage' },
    ...owners,
    stateResource: { type: 'string', enum: ['Subscribed', 'Unsubscribed', 'RequestFailed'] },
    referenceId,
    statusMessage: str('Why the request failed; only with RequestFailed.'),
  },
}

/** An interaction as GWS JSON (src/workbins/resources.ts); media-specific fields may follow. */
export const interactionSchema: Json = {
  type: 'object',
  additionalProperties: true,
  required: ['id', 'state', 'capabilities', 'receivedDate', 'userData', 'uri'],
  properties: {
    id: { type: 'string', pattern: '^[0-9A-Za-z]{16}$' },
    state: str('InWorkbin after a put; Processing after a pull.'),
    capabilities: { type: 'array', items: { type: 'string' } },
    receivedDate: str('As stored, e.g. 2016-04-08 15:05:57.000+0300.'),
    userData: { type: 'object', additionalProperties: true },
    uri: { type: 'string', pattern: '^https?://' },
    mediaType: str('Open media only: the open media type name.'),
  },
}

const stateResourceKeys = MEDIA_TYPES.map((m) => MEDIA[m].stateResource)

export const stateChangeSchema: Json = {
  type: 'object',
  additionalProperties: false,
  required: ['messageType', 'action', 'id'],
  properties: {
    messageType: { const: 'WorkbinStateChangeMessage' },
    action: {
      type: 'string',
      enum: ['ItemAdded', 'ItemRemoved', 'ItemUpdated'],
      description: 'ItemAdded: put or created; ItemRemoved: pulled; ItemUpdated: userData changed.',
    },
    ...owners,
    referenceId: { ...referenceId, description: 'Only on the requester’s copy.' },
    ...Object.fromEntries(
      stateResourceKeys.map((k) => [k, { $ref: '#/components/schemas/Interaction' }]),
    ),
  },
  // Exactly one <media>StateResourceV2: the interaction after the change.
  oneOf: stateResourceKeys.map((k) => ({ required: [k] })),
}

export const statsSchema: Json = {
  type: 'object',
  additionalProperties: false,
  required: ['messageType', 'referenceId', 'workbinStats'],
  properties: {
    messageType: { const: 'WorkbinStatsMessage' },
    referenceId,
    workbinStats: {
      type: 'object',
      description: 'Item counts keyed by workbin id.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['Count', 'Owner', 'Type'],
        properties: {
          Count: { type: 'integer', minimum: 0 },
          Owner: str('User id, place name or group name.'),
          Type: { type: 'string', enum: [...WORKBIN_TYPES] },
        },
      },
    },
  },
}

const email = {
  subject: 'Invoice 42',
  from: 'customer@example.com',
  id: 'EMAIL00000000001',
  state: 'InWorkbin',
  capabilities: [],
  receivedDate: '2016-04-08 15:05:57.000+0300',
  userData: { Subject: 'Invoice 42' },
  uri: `${EXAMPLE_BASE}/me/emails/EMAIL00000000001`,
}

const workitem = {
  id: '02F0ASAK8EAFA00W',
  workitemType: 'Inbound',
  state: 'Processing',
  capabilities: ['Complete', 'AttachUserData', 'UpdateUserData'],
  receivedDate: '2016-04-08 15:07:57.000+0300',
  userData: { Case: '7' },
  uri: `${EXAMPLE_BASE}/workitems/02F0ASAK8EAFA00W`,
}

/** components.messages: keyed by messageType. */
export const workbinMessages: Record<string, Json> = {
  WorkbinSubscriptionStateChangeMessage: {
    name: 'WorkbinSubscriptionStateChangeMessage',
    title: 'Subscription state change',
    summary: 'Answers Subscribe / Unsubscribe (one per workbin) and EndContactCenterSession.',
    contentType: 'application/json',
    payload: { $ref: '#/components/schemas/WorkbinSubscriptionStateChangeMessage' },
    examples: [
      {
        name: 'subscribed',
        summary: 'POST /me/workbins/{id} {"operationName":"Subscribe"}',
        payload: {
          messageType: 'WorkbinSubscriptionStateChangeMessage',
          id: AGENT_WB,
          stateResource: 'Subscribed',
          referenceId: 1,
        },
      },
      {
        name: 'supervisorGroup',
        summary: 'A supervisor subscribed through /users/{userId}/... to a group workbin',
        payload: {
          messageType: 'WorkbinSubscriptionStateChangeMessage',
          id: GROUP_WB,
          stateResource: 'Subscribed',
          referenceId: 2,
          workbinUserId: AGENT1,
          agentGroup: 'Sales',
        },
      },
      {
        name: 'requestFailed',
        summary: 'Unsubscribe from an instance the caller is not subscribed to',
        payload: {
          messageType: 'WorkbinSubscriptionStateChangeMessage',
          id: AGENT_WB,
          stateResource: 'RequestFailed',
          referenceId: 3,
          statusMessage: `Not subscribed to workbin ${AGENT_WB} (agent ${SUP1})`,
        },
      },
    ],
  },
  WorkbinStateChangeMessage: {
    name: 'WorkbinStateChangeMessage',
    title: 'Workbin content change',
    summary:
      'An item was put into, pulled from or updated in a workbin instance; to its subscribers and the requester.',
    contentType: 'application/json',
    payload: { $ref: '#/components/schemas/WorkbinStateChangeMessage' },
    examples: [
      {
        name: 'itemAdded',
        summary: 'The requester’s copy of AddEmail (carries the referenceId)',
        payload: {
          messageType: 'WorkbinStateChangeMessage',
          action: 'ItemAdded',
          id: AGENT_WB,
          referenceId: 4,
          emailStateResourceV2: email,
        },
      },
      {
        name: 'itemRemovedGroup',
        summary: 'A subscriber’s copy of PullWorkitem from an AgentGroup workbin',
        payload: {
          messageType: 'WorkbinStateChangeMessage',
          action: 'ItemRemoved',
          id: GROUP_WB,
          agentGroup: 'Sales',
          workitemStateResourceV2: workitem,
        },
      },
    ],
  },
  WorkbinStatsMessage: {
    name: 'WorkbinStatsMessage',
    title: 'Workbin item counts',
    summary: 'Answers POST /workbins {"operationName":"RequestAgentStats"}; to the caller only.',
    contentType: 'application/json',
    payload: { $ref: '#/components/schemas/WorkbinStatsMessage' },
    examples: [
      {
        name: 'agentStats',
        payload: {
          messageType: 'WorkbinStatsMessage',
          referenceId: 5,
          workbinStats: {
            [AGENT_WB]: { Count: 1, Owner: AGENT1, Type: 'Agent' },
            'a91ee1c2-9cfe-43b6-8193-fd39cd89d5b4': { Count: 0, Owner: AGENT1, Type: 'Agent' },
          },
        },
      },
    ],
  },
}

export const workbinSchemas: Record<string, Json> = {
  WorkbinSubscriptionStateChangeMessage: subscriptionStateSchema,
  WorkbinStateChangeMessage: stateChangeSchema,
  WorkbinStatsMessage: statsSchema,
  Interaction: interactionSchema,
}
