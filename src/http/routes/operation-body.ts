// Operations are POSTs of {"operationName": "...", ...}. A missing or non-object
// body, or no operationName, is 400 / statusCode 1.

import { errors } from '../../errors.ts'

export function operationOf(body: unknown): {
  operationName: string
  body: Record<string, unknown>
} {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.missing('a JSON object body with operationName')
  }
  const record = body as Record<string, unknown>
  const operationName = record.operationName
  if (operationName === undefined || operationName === null || operationName === '') {
    throw errors.missing('operationName')
  }
  if (typeof operationName !== 'string') throw errors.invalid('operationName must be a string')
  return { operationName, body: record }
}
