// Route schemas of /me, /me/team and /features.

import {
  FieldsQuery,
  IdParams,
  StringEnum,
  conflictReply,
  errorReplies,
  listReply,
  okReply,
  postErrorReplies,
} from './common.ts'
import { Type } from '@sinclair/typebox'
import { channelOperations, meOperations, operationBody } from './operation-bodies.ts'

const AGENT_STATES = ['Ready', 'NotReady']

const featureProperties = {
  id: Type.String(),
  name: Type.String(),
  uri: Type.String({ format: 'uri' }),
}
const Feature = Type.Object(featureProperties, { additionalProperties: false })

const UserState = Type.Object(
  {
    id: Type.String({ description: 'Ready, NotReady or NotReady.<reasonCode>' }),
    state: StringEnum(AGENT_STATES),
    displayName: Type.String(),
    reasonCode: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
const Channel = Type.Object(
  { channel: Type.String(), userState: UserState },
  { additionalProperties: false },
)

const User = Type.Object(
  {
    id: Type.String({ description: '32 lower-case hex characters' }),
    userName: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    roles: Type.Array(StringEnum(['ROLE_AGENT', 'ROLE_SUPERVISOR', 'ROLE_ADMIN', 'ROLE_API'])),
    contactCenterId: Type.String(),
    place: Type.Union([Type.String(), Type.Null()], {
      description: 'the place the user works at now',
    }),
    features: Type.Optional(Type.Array(Feature, { description: 'subresources=features' })),
    devices: Type.Optional(
      Type.Array(Type.Unknown(), { description: 'subresources=devices: always empty here' }),
    ),
    channels: Type.Optional(Type.Array(Channel, { description: 'subresources=channels' })),
    settings: Type.Optional(
      Type.Array(Type.Unknown(), { description: 'subresources=settings: always empty here' }),
    ),
  },
  { additionalProperties: false },
)

export const getMe = {
  summary: 'The caller',
  tags: ['me'],
  querystring: Type.Object({
    subresources: Type.Optional(
      Type.String({
        description: '`*` or a comma-separated list of features, devices, channels, settings',
      }),
    ),
  }),
  response: {
    200: okReply(
      'The caller',
      {
        statusCode: 0,
        user: {
          id: 'e6f2ad1b26ea4e9b8dd907eabe167522',
          userName: 'agent1',
          firstName: 'Ada',
          lastName: 'Agent',
          roles: ['ROLE_AGENT'],
          contactCenterId: '11111111-1111-4111-8111-111111111111',
          place: 'Place_1',
        },
      },
      { user: User },
    ),
    ...errorReplies,
  },
}

export const postMe = {
  summary: 'Contact center session operations',
  tags: ['me'],
  body: operationBody(meOperations),
  response: {
    200: okReply('Done', { statusCode: 0 }),
    ...postErrorReplies,
    // StartContactCenterSession at a place another agent occupies
    ...conflictReply,
  },
}

const Team = Type.Object(
  {
    place: Type.Union([Type.String(), Type.Null()]),
    agentGroups: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          member: Type.Boolean(),
          supervised: Type.Boolean(),
          members: Type.Array(Type.String(), {
            description: 'user ids; only for groups the caller supervises, or for admins',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    placeGroups: Type.Array(Type.String()),
    agents: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          userName: Type.String(),
          firstName: Type.String(),
          lastName: Type.String(),
          place: Type.Union([Type.String(), Type.Null()], { description: 'default place' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

export const getTeam = {
  summary: 'The groups and agents the caller may use (additive)',
  tags: ['me'],
  response: {
    200: okReply(
      'The team',
      {
        statusCode: 0,
        team: { place: 'Place_1', agentGroups: [], placeGroups: [], agents: [] },
      },
      { team: Team },
    ),
    ...errorReplies,
  },
}

export const getFeatures = {
  summary: "The contact center's features",
  tags: ['features'],
  querystring: FieldsQuery,
  response: {
    200: listReply(
      'uris, or objects with fields=*',
      { statusCode: 0, uris: ['http://127.0.0.1:8090/api/v2/features/api-multimedia'] },
      'features',
      Type.Partial(Type.Object(featureProperties), { additionalProperties: false }),
    ),
    ...errorReplies,
  },
}

export const getFeature = {
  summary: 'One feature',
  tags: ['features'],
  params: IdParams,
  response: {
    200: okReply(
      'The feature',
      {
        statusCode: 0,
        feature: {
          id: 'api-multimedia',
          name: 'api-multimedia',
          uri: 'http://127.0.0.1:8090/api/v2/features/api-multimedia',
        },
      },
      { feature: Feature },
    ),
    ...errorReplies,
  },
}

const channelExample = {
  channel: 'chat',
  userState: {
    id: 'NotReady.Lunch',
    state: 'NotReady',
    displayName: 'Lunch',
    reasonCode: 'Lunch',
  },
}

export const getChannels = {
  summary: "The media channels of the caller's contact center session and their agent state",
  tags: ['me'],
  response: {
    200: okReply(
      'The channels',
      { statusCode: 0, channels: [channelExample] },
      { channels: Type.Array(Channel) },
    ),
    ...errorReplies,
  },
}

export const postChannel = {
  summary: 'Sets the agent state of one media channel (Ready, NotReady)',
  tags: ['me'],
  params: Type.Object({ channel: Type.String({ minLength: 1 }) }),
  body: operationBody(channelOperations),
  response: { 200: okReply('Done', { statusCode: 0 }), ...postErrorReplies },
}

export const getAgentStates = {
  summary: "The contact center's agent states: what a desktop's state menu offers",
  tags: ['settings'],
  response: {
    200: okReply(
      'The agent states',
      {
        statusCode: 0,
        settings: [
          { id: 'Ready', state: 'Ready', displayName: 'Ready', operationName: 'Ready' },
          {
            id: 'NotReady.Lunch',
            state: 'NotReady',
            displayName: 'Lunch',
            operationName: 'NotReady',
            reasonCode: 'Lunch',
          },
        ],
      },
      {
        settings: Type.Array(
          Type.Object(
            {
              id: Type.String(),
              state: StringEnum(AGENT_STATES),
              displayName: Type.String(),
              operationName: StringEnum(AGENT_STATES),
              reasonCode: Type.Optional(Type.String()),
            },
            { additionalProperties: false },
          ),
        ),
      },
    ),
    ...errorReplies,
  },
}
