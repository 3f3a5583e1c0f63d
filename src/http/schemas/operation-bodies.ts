// The POST bodies: one object per `operationName`, joined with a discriminator so each
// variant is validated and documented on its own (OpenAPI 3.1 `oneOf` + `discriminator`).

import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox'
import { MEDIA_TYPES } from '../../model.ts'
import { MEDIA } from '../../workbins/resources.ts'

/** One variant: `operationName` fixed, its own fields, extra fields tolerated as in GWS. */
export function operation(
  name: string,
  description: string,
  example: Record<string, unknown>,
  properties: TProperties = {},
): TObject {
  return Type.Object(
    { operationName: Type.Literal(name), ...properties },
    { title: name, description, examples: [{ operationName: name, ...example }] },
  )
}

/** The body of a POST route: exactly one of `variants`, chosen by `operationName`. */
export function operationBody(variants: TObject[]): TSchema {
  const examples: Record<string, { summary: string; value: unknown }> = {}
  for (const v of variants) {
    examples[v.title as string] = {
      summary: v.description as string,
      value: (v.examples as unknown[])[0],
    }
  }
  // oneOf, not TypeBox's anyOf: the discriminator keyword (Ajv and OpenAPI) works on oneOf.
  return Type.Unsafe({
    type: 'object',
    oneOf: variants,
    discriminator: { propertyName: 'operationName' },
    description: 'An operation, chosen by operationName',
    'x-examples': examples,
  })
}

const NonEmpty = Type.String({ minLength: 1 })
const OptionalText = Type.Optional(Type.Union([Type.String(), Type.Null()]))

export const meOperations = [
  operation(
    'StartContactCenterSession',
    'Opens the contact center session, optionally at a place (one agent per place).',
    { place: 'Place_1', channels: ['chat', 'email', 'workitem'] },
    {
      place: Type.Optional(Type.Union([NonEmpty, Type.Null()], { description: 'a place name' })),
      channels: Type.Optional(
        Type.Array(Type.String(), {
          description: 'the media channels to work on; each starts NotReady (GET /me/channels)',
        }),
      ),
    },
  ),
  operation('EndContactCenterSession', 'Frees the place and drops every workbin subscription.', {}),
  operation('Logout', 'Ends this HTTP session and its CometD sessions.', {}),
]

export const subscriptionOperations = [
  operation('Subscribe', 'Subscribes the caller to the workbin instance(s).', {}),
  operation('Unsubscribe', 'Ends the subscription to the workbin instance(s).', {}),
]

export const statsOperation = operation(
  'RequestAgentStats',
  'Counts the content of workbins; the result arrives as WorkbinStatsMessage.',
  { workbinType: 'AgentGroup', workbinOwner: 'Sales' },
  {
    workbinType: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description: 'Agent, Place, AgentGroup, PlaceGroup',
      }),
    ),
    workbinOwner: OptionalText,
  },
)

const putProperties = {
  id: Type.Optional(Type.String({ minLength: 1, description: 'the interaction id' })),
  uri: Type.Optional(Type.String({ minLength: 1, description: 'the interaction uri' })),
  saveLAR: Type.Optional(
    Type.Union([Type.Boolean(), Type.Literal('true'), Type.Literal('false'), Type.Null()]),
  ),
}

const pullProperties = {
  id: Type.Optional(Type.String({ minLength: 1, description: 'the interaction id' })),
  uri: Type.Optional(Type.String({ minLength: 1, description: 'the interaction uri' })),
  nickname: Type.Optional(Type.String()),
}

/** AddInteraction / PullInteraction take any media; Add<Media> / Pull<Media> one each. */
export const contentOperations = [
  'Interaction',
  ...MEDIA_TYPES.map((m) => MEDIA[m].operationWord),
].flatMap((word) => [
  operation(
    `Add${word}`,
    `Puts ${word === 'Interaction' ? 'an interaction' : `a ${word.toLowerCase()}`} the caller handles into the workbin.`,
    { id: '03W07R2K4VAYT010' },
    putProperties,
  ),
  operation(
    `Pull${word}`,
    `Takes ${word === 'Interaction' ? 'an interaction' : `a ${word.toLowerCase()}`} out of the workbin to the caller.`,
    { id: '03W07R2K4VAYT010' },
    pullProperties,
  ),
])

const UserData = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()]))

export const createOperation = operation(
  'Create',
  'Creates an interaction owned by an agent, placed in a workbin instance or queued (admin, apiuser).',
  {
    mediaType: 'email',
    userData: { Subject: 'Refund' },
    workbin: { id: 'aee812a5-7396-4dd9-b180-230f1c1fb085', userName: 'agent1' },
  },
  {
    mediaType: Type.Optional(Type.String({ description: MEDIA_TYPES.join(', ') })),
    openmediaType: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    receivedDate: Type.Optional(Type.String()),
    userData: Type.Optional(UserData),
    extra: Type.Optional(Type.Object({}, { additionalProperties: true })),
    owner: Type.Optional(Type.Unknown({ description: 'the agent who handles it' })),
    workbin: Type.Optional(Type.Unknown({ description: 'the workbin instance it goes to' })),
    queue: Type.Optional(Type.String({ description: 'the queue it waits in (a queue name)' })),
  },
)

export const userDataOperations = [
  operation(
    'UpdateUserData',
    'Merges keys into the interaction userData.',
    { userData: { Priority: 2 } },
    { userData: Type.Optional(UserData) },
  ),
  operation(
    'DeleteUserData',
    'Removes keys from the interaction userData.',
    { keys: ['Priority'] },
    { keys: Type.Optional(Type.Array(Type.String())) },
  ),
]

export const channelOperations = [
  operation('Ready', 'Puts the channel in the Ready state: offers on it may come.', {}),
  operation(
    'NotReady',
    'Puts the channel in the NotReady state, optionally with a provisioned reason.',
    { reasonCode: 'Lunch' },
    {
      reasonCode: Type.Optional(
        Type.Union([Type.String(), Type.Null()], {
          description: 'a NotReady reasonCode of GET /settings/agent-states',
        }),
      ),
    },
  ),
]
