// Route schemas of the agent's media resources and the `uri` targets of interactions.

import { Type, type TObject, type TSchema } from '@sinclair/typebox'
import { FieldsQuery, IdParams, errorReplies, listReply, okReply } from './common.ts'

const tags = ['media']
const ITEM = {
  id: '03W07R2K4VAYT010',
  state: 'Processing',
  capabilities: ['Transfer', 'PlaceInQueue', 'Complete'],
  receivedDate: '2016-04-08 15:05:57.000+0300',
  userData: { Subject: 'Invoice 42' },
  uri: 'http://127.0.0.1:8090/api/v2/me/emails/03W07R2K4VAYT010',
}

/** `collection`: the URL after /me/ (`emails`, `openmedia/{mediaType}`); its first segment is the key. */
export function mediaList(collection: string, paramsSchema?: TObject) {
  const key = collection.split('/')[0] as string
  return {
    summary: `The ${collection} the caller is handling`,
    tags,
    ...(paramsSchema ? { params: paramsSchema } : {}),
    querystring: FieldsQuery,
    response: {
      200: listReply(
        'uris, or objects with fields=*',
        {
          statusCode: 0,
          uris: [
            `http://127.0.0.1:8090/api/v2/me/${collection.replace('{mediaType}', 'promotion')}/03W07R2K4VAYT010`,
          ],
        },
        key,
        Type.Ref('InteractionFields'),
      ),
      ...errorReplies,
    },
  }
}

/** One interaction, under the key of its media (`{"statusCode":0,"email":{...}}`): one of `keys`. */
export function mediaItem(summary: string, keys: string[], paramsSchema: TObject = IdParams) {
  const one = (key: string): TSchema =>
    okReply(
      `The interaction under the key of its media (${key})`,
      { statusCode: 0, [key]: ITEM },
      { [key]: Type.Ref('Interaction') },
    )
  const [first] = keys
  return {
    summary,
    tags,
    params: paramsSchema,
    response: {
      200:
        keys.length === 1 && first !== undefined
          ? one(first)
          : Type.Union(keys.map(one), {
              description: `The interaction under the key of its media (${keys.join(', ')})`,
              examples: [{ statusCode: 0, [first as string]: ITEM }],
            }),
      ...errorReplies,
    },
  }
}

export const OpenmediaParams = Type.Object({ mediaType: Type.String() })
export const OpenmediaItemParams = Type.Object({ mediaType: Type.String(), id: Type.String() })
export const PluralParams = Type.Object({ plural: Type.String(), id: Type.String() })
