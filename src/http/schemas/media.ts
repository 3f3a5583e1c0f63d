// Route schemas of the agent's media resources and the `uri` targets of interactions.

import { Type, type TObject } from '@sinclair/typebox'
import { FieldsQuery, IdParams, errorReplies, okReply } from './common.ts'

const tags = ['media']
const ITEM = { id: '03W07R2K4VAYT010', mediaType: 'email', state: 'Processing' }

export function mediaList(collection: string, paramsSchema?: TObject) {
  return {
    summary: `The ${collection} the caller is handling`,
    tags,
    ...(paramsSchema ? { params: paramsSchema } : {}),
    querystring: FieldsQuery,
    response: {
      200: okReply('uris, or objects with fields=*', {
        statusCode: 0,
        uris: [`http://127.0.0.1:8090/api/v2/me/${collection}/03W07R2K4VAYT010`],
      }),
      ...errorReplies,
    },
  }
}

export function mediaItem(summary: string, paramsSchema: TObject = IdParams) {
  return {
    summary,
    tags,
    params: paramsSchema,
    response: {
      200: okReply('The interaction', { statusCode: 0, interaction: ITEM }),
      ...errorReplies,
    },
  }
}

export const OpenmediaParams = Type.Object({ mediaType: Type.String() })
export const OpenmediaItemParams = Type.Object({ mediaType: Type.String(), id: Type.String() })
export const PluralParams = Type.Object({ plural: Type.String(), id: Type.String() })
