// Route schemas of the workbin URLs (three families: /workbins, /me/workbins, /users/{userId}/workbins).

import { Type, type TObject } from '@sinclair/typebox'
import {
  ReferenceId,
  StringList,
  USER_ID,
  errorReplies,
  listReply,
  okReply,
  postErrorReplies,
} from './common.ts'
import {
  contentOperations,
  operationBody,
  statsOperation,
  subscriptionOperations,
} from './operation-bodies.ts'
import { NextCursor, contentCollections } from './resources.ts'

export type Scope = 'collection' | 'me' | 'user'

const WB = 'aee812a5-7396-4dd9-b180-230f1c1fb085'

const groupQuery = {
  agentGroup: Type.Optional(Type.String({ description: 'the AgentGroup owner of the instance' })),
  placeGroup: Type.Optional(Type.String({ description: 'the PlaceGroup owner of the instance' })),
}

// The paging extension of content GETs (docs/workbins-content.md "Paging"); checked by
// src/workbins/content-paging.ts.
const pagingQuery = {
  limit: Type.Optional(
    Type.String({ description: 'extension: a page of at most this many items' }),
  ),
  cursor: Type.Optional(
    Type.String({ description: 'extension: the page after the one that answered this nextCursor' }),
  ),
  sort: Type.Optional(
    Type.String({ description: 'extension: receivedDate (default) or userData.<key>' }),
  ),
  order: Type.Optional(Type.String({ description: 'extension: asc (default) or desc' })),
}

const ListQuery = Type.Object(
  {
    workbinIds: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], {
        description: 'comma-separated workbin ids: several instances at once',
      }),
    ),
    subresources: Type.Optional(StringList),
    fields: Type.Optional(StringList),
    ...groupQuery,
    sort: pagingQuery.sort,
    order: pagingQuery.order,
  },
  { additionalProperties: true },
)

const OneQuery = Type.Object(
  {
    subresources: Type.Optional(StringList),
    fields: Type.Optional(StringList),
    ...groupQuery,
    ...pagingQuery,
  },
  { additionalProperties: true },
)

/** `{ params }` when the URL has any (an absent key, not `params: undefined`, for fastify). */
function params(scope: Scope, extra: string[]): { params?: TObject } {
  const props: Record<string, ReturnType<typeof Type.String>> = {}
  if (scope === 'user') props.userId = USER_ID
  for (const name of extra) props[name] = Type.String()
  return Object.keys(props).length === 0 ? {} : { params: Type.Object(props) }
}

const tags = ['workbins']

const manyExample = { statusCode: 0, referenceIds: { [WB]: 3 } }
const manyAccepted = okReply(
  'Accepted; one message per workbin on /v2/me/workbins, with its referenceId',
  manyExample,
  { referenceIds: Type.Record(Type.String(), ReferenceId, { description: 'by workbin id' }) },
)
const statsAccepted = okReply(
  'RequestAgentStats accepted; WorkbinStatsMessage follows',
  { statusCode: 0, referenceId: 5 },
  { referenceId: ReferenceId },
)

export function workbinSchemas(scope: Scope) {
  const listOps =
    scope === 'collection' ? [...subscriptionOperations, statsOperation] : subscriptionOperations
  return {
    list: {
      summary: 'List workbin definitions, or several instances with workbinIds',
      tags,
      ...params(scope, []),
      querystring: ListQuery,
      response: {
        200: listReply(
          'uris, workbins with fields=*, or instances with their content with workbinIds',
          { statusCode: 0, uris: [`http://127.0.0.1:8090/api/v2/workbins/${WB}`] },
          'workbins',
          Type.Union([Type.Ref('WorkbinFields'), Type.Ref('WorkbinContent')]),
        ),
        ...errorReplies,
      },
    },
    one: {
      summary: 'One workbin; subresources adds its content',
      tags,
      ...params(scope, ['id']),
      querystring: OneQuery,
      response: {
        200: okReply(
          'The workbin; with subresources its content (nextCursor: a page, more follow)',
          {
            statusCode: 0,
            workbin: {
              workbinName: 'Drafts',
              id: WB,
              displayName: 'Drafts',
              uri: `http://127.0.0.1:8090/api/v2/workbins/${WB}`,
              type: 'Agent',
            },
          },
          {
            workbin: Type.Union([Type.Ref('WorkbinContent'), Type.Ref('WorkbinFields')]),
            nextCursor: NextCursor,
          },
        ),
        ...errorReplies,
      },
    },
    media: {
      summary: 'Content of one media type of a workbin instance',
      tags,
      ...params(scope, ['id', 'mediaType']),
      querystring: OneQuery,
      response: {
        200: okReply(
          'The collection of that media at the top level, items trimmed by fields',
          { statusCode: 0, emails: [{ id: '03W07R2K4VAYT010', state: 'InWorkbin' }] },
          { ...contentCollections, nextCursor: NextCursor },
        ),
        ...errorReplies,
      },
    },
    postList: {
      summary:
        scope === 'collection'
          ? 'Subscribe / Unsubscribe several workbins (workbinIds), or RequestAgentStats'
          : 'Subscribe / Unsubscribe several workbins (workbinIds), all-or-nothing',
      tags,
      ...params(scope, []),
      querystring: ListQuery,
      body: operationBody(listOps),
      response: {
        200:
          scope === 'collection'
            ? Type.Union([manyAccepted, statsAccepted], {
                description: 'Accepted; the result arrives on /v2/me/workbins',
                examples: [manyExample],
              })
            : manyAccepted,
        ...postErrorReplies,
      },
    },
    postOne: {
      summary: 'Subscribe, Unsubscribe, Add* and Pull* on one workbin instance',
      tags,
      ...params(scope, ['id']),
      querystring: OneQuery,
      body: operationBody([...subscriptionOperations, ...contentOperations]),
      response: {
        200: okReply(
          'Accepted; the result arrives on /v2/me/workbins',
          { statusCode: 0, referenceId: 1 },
          { referenceId: ReferenceId },
        ),
        ...postErrorReplies,
      },
    },
  }
}

/** `GET /{userId}/workbins/{id}/{mediaType}`, the by-user media GET as the GWS docs print it. */
export const byUserMedia = {
  ...workbinSchemas('user').media,
  summary: 'Content of one media type of an agent workbin (path as printed by GWS)',
}
