// Operations are POSTs of {"operationName": "...", ...}. The route's schema
// (src/http/schemas/operation-bodies.ts) has already checked the body: an object whose
// operationName is one of the route's operations (src/http/validation-error.ts maps a
// failure to 400 / 1 or 400 / 2).

export function operationOf(body: unknown): {
  operationName: string
  body: Record<string, unknown>
} {
  const record = body as Record<string, unknown>
  return { operationName: record.operationName as string, body: record }
}
