// Assertions on GWS replies and workbin notifications shared by the REST and workbin tests.

import assert from 'node:assert/strict'

/** A reply as the REST clients return it (ApiClient, fetch, inject). */
export interface Reply {
  status: number
  body: unknown
}

type Body = Record<string, unknown>
export type Data = Record<string, unknown>

/** A GWS error reply: the HTTP status and exactly `{statusCode, statusMessage}` (non-empty). */
export function assertError(reply: Reply, httpStatus: number, statusCode: number): void {
  assert.equal(reply.status, httpStatus, JSON.stringify(reply.body))
  const body = reply.body as Body
  assert.deepEqual(Object.keys(body).sort(), ['statusCode', 'statusMessage'])
  assert.equal(body.statusCode, statusCode)
  assert.equal(typeof body.statusMessage, 'string')
  assert.notEqual(body.statusMessage, '')
}

/** A successful single-workbin reply: HTTP 200, exactly `{statusCode:0, referenceId:N}`; returns N. */
export function assertAccepted(reply: Reply): number {
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
  const body = reply.body as Body
  assert.deepEqual(Object.keys(body).sort(), ['referenceId', 'statusCode'])
  assert.equal(body.statusCode, 0)
  const id = body.referenceId
  assert.ok(Number.isInteger(id) && (id as number) > 0, `referenceId ${String(id)}`)
  return id as number
}

/** A successful multi-workbin reply: exactly `{statusCode:0, referenceIds:{...}}` with these keys. */
export function assertAcceptedMany(reply: Reply, workbinIds: string[]): Record<string, number> {
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
  const body = reply.body as Body
  assert.deepEqual(Object.keys(body).sort(), ['referenceIds', 'statusCode'])
  assert.equal(body.statusCode, 0)
  const ids = body.referenceIds as Record<string, number>
  assert.deepEqual(Object.keys(ids).sort(), [...workbinIds].sort())
  for (const v of Object.values(ids)) assert.ok(Number.isInteger(v) && v > 0)
  assert.equal(new Set(Object.values(ids)).size, workbinIds.length, 'one distinct id per workbin')
  return ids
}

/** The exact `data` of a WorkbinSubscriptionStateChangeMessage. */
export function stateMessage(
  id: string,
  stateResource: 'Subscribed' | 'Unsubscribed',
  referenceId: number,
  extra: { workbinUserId?: string; agentGroup?: string; placeGroup?: string; place?: string } = {},
): Data {
  return {
    messageType: 'WorkbinSubscriptionStateChangeMessage',
    id,
    stateResource,
    referenceId,
    ...extra,
  }
}

/** A RequestFailed message: every field exact, and a non-empty statusMessage. */
export function assertRequestFailed(
  data: Data,
  id: string,
  referenceId: number,
  extra: { workbinUserId?: string; agentGroup?: string; placeGroup?: string } = {},
): void {
  const { statusMessage, ...rest } = data
  assert.equal(typeof statusMessage, 'string')
  assert.notEqual(statusMessage, '')
  assert.deepEqual(rest, {
    messageType: 'WorkbinSubscriptionStateChangeMessage',
    id,
    stateResource: 'RequestFailed',
    referenceId,
    ...extra,
  })
}
