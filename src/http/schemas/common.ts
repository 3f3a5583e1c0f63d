// Schemas shared by every route: the GWS envelope of errors, identifiers and the list query.
// Reply schemas document the API only (replies are serialized as built, src/http/server.ts);
// test/http/openapi-responses.test.ts holds real replies against them.

import { Type, type TProperties, type TSchema } from '@sinclair/typebox'

/** Every failure: `{"statusCode":N,"statusMessage":"..."}` (docs/api.md, Conventions). */
export const ErrorEnvelope = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 1, description: 'GWS status code (docs/api.md)' }),
    statusMessage: Type.String({ minLength: 1 }),
  },
  {
    $id: 'ErrorEnvelope',
    additionalProperties: false,
    examples: [{ statusCode: 2, statusMessage: 'Unknown operationName Foo for /me' }],
  },
)

/**
 * A success reply: `statusCode` 0 and exactly `properties` (optional ones wrapped in
 * Type.Optional); nothing else, so a renamed or new key is drift the tests see.
 */
export function okReply(
  description: string,
  example: Record<string, unknown>,
  properties: TProperties = {},
): TSchema {
  return Type.Object(
    { statusCode: Type.Literal(0), ...properties },
    { additionalProperties: false, description, examples: [example] },
  )
}

/**
 * A GWS list (docs/api.md "Operations and asynchronous replies"): `uris` without `fields`,
 * else the objects under `key`, each with only the fields asked for.
 */
export function listReply(
  description: string,
  example: Record<string, unknown>,
  key: string,
  item: TSchema,
): TSchema {
  return Type.Union(
    [
      Type.Object(
        { statusCode: Type.Literal(0), uris: Type.Array(Type.String({ format: 'uri' })) },
        { additionalProperties: false, title: 'uris (without fields)' },
      ),
      Type.Object(
        { statusCode: Type.Literal(0), [key]: Type.Array(item) },
        { additionalProperties: false, title: `${key} (fields=* or fields=a,b)` },
      ),
    ],
    { description, examples: [example] },
  )
}

/** One of `values`, as one `enum` (a union of literals reads worse in the document). */
export function StringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({
    type: 'string',
    enum: [...values],
    ...(description ? { description } : {}),
  })
}

/** Accepted: the result arrives on CometD with this `referenceId`. */
export const ReferenceId = Type.Integer({
  minimum: 1,
  description: 'the referenceId of the CometD message that tells the result',
})

const envelope = (description: string) => Type.Ref('ErrorEnvelope', { description })

/** The error replies every authenticated route may give. */
export const errorReplies = {
  400: envelope('statusCode 1 (missing) or 2 (invalid), 10 (out of range)'),
  401: envelope('statusCode 20: not authenticated'),
  403: envelope('statusCode 3 or 5: forbidden'),
  404: envelope('statusCode 6: not found'),
  429: envelope(
    'statusCode 20: too many failed logins; statusCode 4: too many requests by this user, over WORKBINS_USER_REQUESTS_PER_SECOND (both with Retry-After)',
  ),
  500: envelope('statusCode 4 or 12-17: internal'),
  503: envelope('statusCode 4: the database is unavailable or the server is busy (Retry-After)'),
}

/** The error replies of a route with an operation body: errorReplies and the body's own. */
export const postErrorReplies = {
  ...errorReplies,
  400: envelope(
    'statusCode 1 (missing) or 2 (invalid), 10 (out of range, or a body nested deeper than WORKBINS_JSON_MAX_DEPTH)',
  ),
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
