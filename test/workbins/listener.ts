// A user's CometD session listening on `/v2/me/workbins` with the official client
// (test/helpers/cometd.ts), plus the REST client of the same user — what an agent desktop has.

import assert from 'node:assert/strict'
import type { CometD } from 'cometd'
import { ApiClient, type ApiResponse } from '../helpers/http.ts'
import { basic, disconnect, handshake, inbox, newClient, type Inbox } from '../helpers/cometd.ts'
import type { TestServer } from '../helpers/server.ts'
import { PASSWORD } from './subscription-fixtures.ts'

export type Transport = 'long-polling' | 'websocket'
export const TRANSPORTS: readonly Transport[] = ['long-polling', 'websocket']

export const CHANNEL = '/v2/me/workbins'

export type Data = Record<string, unknown>
export type Reply = Record<string, unknown> & { statusCode: number }

export interface Listener {
  readonly client: CometD
  readonly box: Inbox
  /** The `data` of the next message on /v2/me/workbins (rejects after `timeoutMs`). */
  next(timeoutMs?: number): Promise<Data>
  /** The next `n` messages' data. */
  take(n: number, timeoutMs?: number): Promise<Data[]>
  close(): Promise<void>
}

/** Handshake as `user` (Basic header on every request / on the upgrade) and subscribe. */
export async function listen(
  server: TestServer,
  user: string,
  transport: Transport = 'long-polling',
): Promise<Listener> {
  const client = newClient(server.cometdUrl, {
    transport,
    headers: { Authorization: basic(user, PASSWORD) },
  })
  await handshake(client)
  const box = await inbox(client, CHANNEL)
  const next = async (timeoutMs = 3000): Promise<Data> => {
    const m = await box.next(timeoutMs)
    assert.equal(m.channel, CHANNEL)
    return m.data as Data
  }
  return {
    client,
    box,
    next,
    async take(n, timeoutMs = 3000) {
      const out: Data[] = []
      for (let i = 0; i < n; i++) out.push(await next(timeoutMs))
      return out
    },
    close: () => disconnect(client),
  }
}

export function api(server: TestServer, user: string): ApiClient {
  return new ApiClient(server.apiUrl, user, PASSWORD)
}

/** POST `{"operationName": op}` to `path`. */
export function operation(
  client: ApiClient,
  path: string,
  op: string,
): Promise<ApiResponse<Reply>> {
  return client.post<Reply>(path, { operationName: op })
}

/** A successful single-workbin reply: HTTP 200, exactly `{statusCode:0, referenceId:N}`; returns N. */
export function referenceIdOf(res: ApiResponse<Reply>): number {
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.deepEqual(Object.keys(res.body).sort(), ['referenceId', 'statusCode'])
  assert.equal(res.body.statusCode, 0)
  const id = res.body.referenceId
  assert.ok(Number.isInteger(id) && (id as number) > 0, `referenceId ${String(id)}`)
  return id as number
}

/** A successful multi-workbin reply: exactly `{statusCode:0, referenceIds:{...}}` with these keys. */
export function referenceIdsOf(
  res: ApiResponse<Reply>,
  workbinIds: string[],
): Record<string, number> {
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.deepEqual(Object.keys(res.body).sort(), ['referenceIds', 'statusCode'])
  assert.equal(res.body.statusCode, 0)
  const ids = res.body.referenceIds as Record<string, number>
  assert.deepEqual(Object.keys(ids).sort(), [...workbinIds].sort())
  for (const v of Object.values(ids)) assert.ok(Number.isInteger(v) && v > 0)
  assert.equal(new Set(Object.values(ids)).size, workbinIds.length, 'one distinct id per workbin')
  return ids
}

/** An error reply: the HTTP status, exactly `{statusCode, statusMessage}`. */
export function assertError(res: ApiResponse<unknown>, status: number, code: number): void {
  assert.equal(res.status, status, JSON.stringify(res.body))
  const body = res.body as Reply
  assert.deepEqual(Object.keys(body).sort(), ['statusCode', 'statusMessage'])
  assert.equal(body.statusCode, code)
  assert.equal(typeof body.statusMessage, 'string')
  assert.notEqual(body.statusMessage, '')
}

/** The exact `data` of a WorkbinSubscriptionStateChangeMessage. */
export function stateMessage(
  id: string,
  stateResource: 'Subscribed' | 'Unsubscribed',
  referenceId: number,
  extra: { workbinUserId?: string; agentGroup?: string; placeGroup?: string } = {},
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
