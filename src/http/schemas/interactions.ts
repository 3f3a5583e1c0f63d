// Route schemas of the integration endpoint /interactions (additive;
// docs/workbins-content.md "The integration endpoint").

import { Type } from '@sinclair/typebox'
import { MEDIA_TYPES } from '../../model.ts'
import {
  IdParams,
  ReferenceId,
  StringEnum,
  conflictReply,
  errorReplies,
  okReply,
  postErrorReplies,
} from './common.ts'
import { offerOperation } from './interaction-operations.ts'
import { createOperation, operationBody, userDataOperations } from './operation-bodies.ts'

const tags = ['interactions']
const ID = '03W07R2K4VAYT010'
const URI = `http://127.0.0.1:8090/api/v2/me/emails/${ID}`

/** The resource, then where the interaction is in the Create body's terms (one of them). */
const IntegrationInteraction = Type.Intersect(
  [
    Type.Ref('Interaction'),
    Type.Object({
      mediaType: StringEnum(MEDIA_TYPES, 'the media type (open media: also openmediaType)'),
      openmediaType: Type.Optional(Type.String()),
      owner: Type.Optional(Type.String({ description: 'the user id of its handler' })),
      invited: Type.Optional(Type.String({ description: 'the user id it is offered to' })),
      invitedBy: Type.Optional(
        Type.String({ description: 'transferred: the user id it returns to if refused' }),
      ),
      queue: Type.Optional(Type.String({ description: 'its queue (offered: where it returns)' })),
      workbin: Type.Optional(
        Type.Object(
          {
            id: Type.String(),
            user: Type.Optional(Type.String()),
            place: Type.Optional(Type.String()),
            agentGroup: Type.Optional(Type.String()),
            placeGroup: Type.Optional(Type.String()),
          },
          { description: 'the workbin instance it sits in', additionalProperties: false },
        ),
      ),
    }),
  ],
  { description: 'a completed interaction names no place' },
)

export const postInteractions = {
  summary: 'Create an interaction (admin, apiuser)',
  tags,
  body: operationBody([createOperation]),
  response: {
    200: okReply(
      'Created: its id and uri',
      { statusCode: 0, id: ID, uri: URI },
      { id: Type.String(), uri: Type.String({ format: 'uri' }) },
    ),
    ...postErrorReplies,
    ...conflictReply,
  },
}

export const getInteraction = {
  summary: 'One interaction, and where it is',
  tags,
  params: IdParams,
  response: {
    200: okReply(
      'The interaction',
      {
        statusCode: 0,
        interaction: {
          id: ID,
          state: 'InWorkbin',
          capabilities: [],
          receivedDate: '2016-04-08 15:05:57.000+0300',
          userData: { Subject: 'Invoice 42' },
          uri: URI,
          mediaType: 'email',
          workbin: { id: '6c715fa9-de16-4d23-b07c-cbcb1caf3e07', agentGroup: 'Sales' },
        },
      },
      { interaction: IntegrationInteraction },
    ),
    ...errorReplies,
  },
}

export const postInteraction = {
  summary: 'Change the userData of an interaction, or offer it to an agent',
  tags,
  params: IdParams,
  body: operationBody([...userDataOperations, offerOperation]),
  response: {
    200: Type.Union(
      [
        okReply('UpdateUserData, DeleteUserData: changed', { statusCode: 0 }),
        okReply(
          'Offer: accepted; the agent is told on its media channel',
          { statusCode: 0, referenceId: 1 },
          { referenceId: ReferenceId },
        ),
      ],
      { description: 'Changed, or offered', examples: [{ statusCode: 0 }] },
    ),
    ...postErrorReplies,
  },
}
