// Route schemas of /me, /me/team and /features.

import {
  FieldsQuery,
  IdParams,
  conflictReply,
  errorReplies,
  okReply,
  postErrorReplies,
} from './common.ts'
import { Type } from '@sinclair/typebox'
import { channelOperations, meOperations, operationBody } from './operation-bodies.ts'

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
    200: okReply('The caller', {
      statusCode: 0,
      user: {
        id: 'e6f2ad1b26ea4e9b8dd907eabe167522',
        userName: 'agent1',
        firstName: 'Ada',
        lastName: 'Agent',
        roles: ['ROLE_AGENT'],
      },
    }),
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

export const getTeam = {
  summary: 'The groups and agents the caller may use (additive)',
  tags: ['me'],
  response: {
    200: okReply('The team', {
      statusCode: 0,
      team: { place: 'Place_1', agentGroups: [], placeGroups: [], agents: [] },
    }),
    ...errorReplies,
  },
}

export const getFeatures = {
  summary: "The contact center's features",
  tags: ['features'],
  querystring: FieldsQuery,
  response: {
    200: okReply('uris, or objects with fields=*', {
      statusCode: 0,
      uris: ['http://127.0.0.1:8090/api/v2/features/api-multimedia'],
    }),
    ...errorReplies,
  },
}

export const getFeature = {
  summary: 'One feature',
  tags: ['features'],
  params: IdParams,
  response: {
    200: okReply('The feature', {
      statusCode: 0,
      feature: { id: 'api-multimedia', name: 'api-multimedia', uri: '…/features/api-multimedia' },
    }),
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
    200: okReply('The channels', { statusCode: 0, channels: [channelExample] }),
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
    200: okReply('The agent states', {
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
    }),
    ...errorReplies,
  },
}
