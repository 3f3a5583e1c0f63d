// Route schemas of the integration endpoint /interactions (additive).

import { IdParams, conflictReply, errorReplies, okReply, postErrorReplies } from './common.ts'
import { offerOperation } from './interaction-operations.ts'
import { createOperation, operationBody, userDataOperations } from './operation-bodies.ts'

const tags = ['interactions']
const ITEM = { id: '03W07R2K4VAYT010', mediaType: 'email', state: 'InWorkbin' }

export const postInteractions = {
  summary: 'Create an interaction (admin, apiuser)',
  tags,
  body: operationBody([createOperation]),
  response: {
    200: okReply('Created', { statusCode: 0, interaction: ITEM }),
    ...postErrorReplies,
    ...conflictReply,
  },
}

export const getInteraction = {
  summary: 'One interaction',
  tags,
  params: IdParams,
  response: {
    200: okReply('The interaction', { statusCode: 0, interaction: ITEM }),
    ...errorReplies,
  },
}

export const postInteraction = {
  summary: 'Change the userData of an interaction, or offer it to an agent',
  tags,
  params: IdParams,
  body: operationBody([...userDataOperations, offerOperation]),
  response: { 200: okReply('Changed', { statusCode: 0, interaction: ITEM }), ...postErrorReplies },
}
