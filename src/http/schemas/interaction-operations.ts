// Route schemas of the interaction operations (`POST /me/workitems/{id}`, ...), open media and
// workitem Create, the queues and the integration endpoint's Offer.

import { Type, type TObject } from '@sinclair/typebox'
import type { InteractionOperationName } from '../../workbins/capabilities.ts'
import {
  FieldsQuery,
  IdParams,
  ReferenceId,
  errorReplies,
  listReply,
  okReply,
  postErrorReplies,
} from './common.ts'
import { operation, operationBody } from './operation-bodies.ts'

const UserData = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()]))
const Text = Type.Optional(Type.String({ minLength: 1 }))
const accepted = okReply(
  'Accepted; the result arrives on the media channel',
  { statusCode: 0, referenceId: 7 },
  { referenceId: ReferenceId },
)

// One variant per implemented operation, no more (keyed by the table the capabilities come from).
const variants: Record<InteractionOperationName, TObject> = {
  Accept: operation('Accept', 'Accepts an offered (Invited) interaction.', {}),
  Reject: operation(
    'Reject',
    'Rejects an offered interaction: it returns to its queue, or to the agent who transferred it.',
    {},
  ),
  Complete: operation(
    'Complete',
    'Completes the interaction; with queueName it goes to that queue.',
    { queueName: 'PostProcessingQueue' },
    { queueName: Text, queueUri: Text },
  ),
  PlaceInQueue: operation(
    'PlaceInQueue',
    'Puts the interaction into a queue.',
    { queueName: 'PostProcessingQueue' },
    { queueName: Text, queueUri: Text },
  ),
  Transfer: operation(
    'Transfer',
    'Invites another agent (Invited, as an Offer) or puts the interaction into a queue, named ' +
      'by one of: targetUri or targetPath (…/users/{id}, …/queues/{id}); userUri (e-mail); ' +
      'queueName (e-mail, chat).',
    { targetUri: 'http://127.0.0.1:8090/api/v2/users/0f5b1c1e0a0b4c8f9d6e2a3b4c5d6e7f' },
    { targetUri: Text, targetPath: Text, userUri: Text, queueName: Text },
  ),
  AttachUserData: operation(
    'AttachUserData',
    'Adds keys to the userData.',
    { userData: { Priority: 2 } },
    { userData: Type.Optional(UserData) },
  ),
  UpdateUserData: operation(
    'UpdateUserData',
    'Overwrites keys of the userData.',
    { userData: { Priority: 3 } },
    { userData: Type.Optional(UserData) },
  ),
  DeleteUserData: operation(
    'DeleteUserData',
    'Removes keys from the userData.',
    { keys: ['Priority'] },
    { keys: Type.Optional(Type.Array(Type.String())) },
  ),
}
export const interactionOperationVariants = Object.values(variants)

export function postInteractionOperation(params: TObject = IdParams) {
  return {
    summary: 'An operation on an interaction the caller handles or is offered',
    tags: ['media'],
    params,
    body: operationBody(interactionOperationVariants),
    response: { 200: accepted, ...postErrorReplies },
  }
}

export function postCreate(params?: TObject) {
  return {
    summary: 'Creates an interaction the caller handles (Processing)',
    tags: ['media'],
    ...(params ? { params } : {}),
    body: operationBody([
      operation(
        'Create',
        'Creates an interaction handled by the caller.',
        { queueUri: 'http://127.0.0.1:8090/api/v2/queues/995655ec-81a5-46b0-82d0-3f2c5eca263d' },
        { queueUri: Text, parentId: Text, userData: Type.Optional(UserData) },
      ),
    ]),
    response: { 200: accepted, ...postErrorReplies },
  }
}

export const offerOperation = operation(
  'Offer',
  'Offers a queued interaction to an agent (apiuser, admin): it arrives Invited.',
  { agent: 'agent1' },
  { agent: Type.Optional(Type.String()) },
)

const queueProperties = {
  id: Type.String({ description: 'UUID' }),
  name: Type.String(),
  description: Type.String(),
  channel: Type.String({ description: 'the media it serves, free text' }),
  uri: Type.String({ format: 'uri' }),
}
const Queue = Type.Object(queueProperties, { additionalProperties: false })
const QueueFields = Type.Partial(Type.Object(queueProperties), { additionalProperties: false })

export const getQueues = {
  summary: 'The queues of the contact center',
  tags: ['queues'],
  querystring: FieldsQuery,
  response: {
    200: listReply(
      'uris, or objects with fields=*',
      {
        statusCode: 0,
        queues: [
          { id: '995655ec-81a5-46b0-82d0-3f2c5eca263d', name: 'Sales', channel: 'workitem' },
        ],
      },
      'queues',
      QueueFields,
    ),
    ...errorReplies,
  },
}

export const getQueue = {
  summary: 'One queue',
  tags: ['queues'],
  params: IdParams,
  response: {
    200: okReply(
      'The queue',
      {
        statusCode: 0,
        queue: {
          id: '995655ec-81a5-46b0-82d0-3f2c5eca263d',
          name: 'Sales',
          description: 'new work',
          channel: 'workitem',
          uri: 'http://127.0.0.1:8090/api/v2/queues/995655ec-81a5-46b0-82d0-3f2c5eca263d',
        },
      },
      { queue: Queue },
    ),
    ...errorReplies,
  },
}
