// Schemas shared by every route: the GWS envelope of errors, identifiers and the list query.

import { Type, type TSchema } from '@sinclair/typebox'

/** Every failure: `{"statusCode":N,"statusMessage":"..."}` (docs/api.md, Conventions). */
export const ErrorEnvelope = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 1, description: 'GWS status code (docs/api.md)' }),
    statusMessage: Type.String(),
  },
  {
    $id: 'ErrorEnvelope',
    examples: [{ statusCode: 2, statusMessage: 'Unknown operationName Foo for /me' }],
  },
)

/** A success reply; the fields besides `statusCode` depend on the operation. */
export function okReply(description: string, example: Record<string, unknown>): TSchema {
  return Type.Object(
    { statusCode: Type.Literal(0) },
    { additionalProperties: true, description, examples: [example] },
  )
}

const envelope = (description: string) => Type.Ref('ErrorEnvelope', { description })

/** The error replies every authenticated route may give. */
export const errorReplies = {
  400: envelope('statusCode 1 (missing) or 2 (invalid), 10 (out of range)'),
  401: envelope('statusCode 20: not authenticated'),
  403: envelope('statusCode 3 or 5: forbidden'),
  404: envelope('statusCode 6: not found'),
  429: envelope('statusCode 20: too many failed logins (Retry-After)'),
  500: envelope('statusCode 4 or 12-17: internal'),
  503: envelope('statusCode 4: the database is unavailable or the server is busy (Retry-After)'),
}

/** The error replies of a route with an operation body: errorReplies and the body's own. */
export const postErrorReplies = {
  ...errorReplies,
  413: envelope('statusCode 10: the body is over WORKBINS_BODY_LIMIT'),
  415: envelope('statusCode 1: the body is not application/json'),
}

/** 409: already exists (18) or in use (19). */
export const conflictReply = { 409: envelope('statusCode 18 (already exists) or 19 (in use)') }

/** A query parameter GWS lets clients repeat or comma-separate (`fields`, `subresources`). */
export const StringList = Type.Union([Type.String(), Type.Array(Type.String())])

/** `fields`: `*` for objects, or a comma-separated list of property names. */
export const FieldsQuery = Type.Object(
  {
    fields: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], {
        description: '`*` for whole objects, or a comma-separated list of property names',
      }),
    ),
  },
  { additionalProperties: true },
)

export const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) })

export const USER_ID = Type.String({ description: '32 lower-case hex characters' })
