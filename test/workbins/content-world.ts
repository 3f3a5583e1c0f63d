// One test's world for the workbin content tests: a real server on port 0 (fresh SQLite file,
// the content provisioning document), REST clients per user and official CometD clients per
// user listening on /v2/me/workbins. Everything is closed by `close()`.

import assert from 'node:assert/strict'
import type { CometD } from 'cometd'
import { ApiClient, type ApiResponse } from '../helpers/http.ts'
import { basic, disconnect, handshake, inbox, newClient, type Inbox } from '../helpers/cometd.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { PASSWORD, contentDocument, type UserName } from './content-fixtures.ts'

export type Data = Record<string, unknown>

export interface Listener {
  inbox: Inbox
  client: CometD
  /** The `data` of the next message on /v2/me/workbins. */
  next(timeoutMs?: number): Promise<Data>
}

export class World {
  readonly #apis = new Map<string, ApiClient>()
  readonly #clients: CometD[] = []

  constructor(readonly server: TestServer) {}

  /** `db`: a WORKBINS_DB value (test/helpers/stores.ts); default a fresh SQLite file. */
  static async start(db?: string): Promise<World> {
    return new World(await startServer({ provision: contentDocument(), db }))
  }

  api(name: UserName | string): ApiClient {
    let c = this.#apis.get(name)
    if (!c) {
      c = new ApiClient(this.server.apiUrl, name, PASSWORD)
      this.#apis.set(name, c)
    }
    return c
  }

  /** A CometD session of `name` (official client, Basic auth) subscribed to /v2/me/workbins. */
  async listen(
    name: UserName,
    transport: 'long-polling' | 'websocket' = 'long-polling',
  ): Promise<Listener> {
    const client = newClient(this.server.cometdUrl, {
      transport,
      headers: { Authorization: basic(name, PASSWORD) },
    })
    this.#clients.push(client)
    await handshake(client)
    const box = await inbox(client, '/v2/me/workbins')
    return {
      inbox: box,
      client,
      next: async (timeoutMs = 3000) => (await box.next(timeoutMs)).data as Data,
    }
  }

  /** Subscribe `name` to a workbin instance (by URL) and consume the Subscribed message. */
  async subscribe(name: UserName, listener: Listener, url: string): Promise<void> {
    const r = await this.api(name).post(url, { operationName: 'Subscribe' })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const m = await listener.next()
    assert.equal(m.messageType, 'WorkbinSubscriptionStateChangeMessage')
    assert.equal(m.stateResource, 'Subscribed')
    assert.equal(m.referenceId, r.body.referenceId)
  }

  /**
   * Prove that nothing is pending for `name`: ask for stats and check that the very next message
   * is that WorkbinStatsMessage (messages of one user arrive in order).
   */
  async expectQuiet(name: UserName, listener: Listener): Promise<void> {
    const r = await this.api(name).post('/workbins', { operationName: 'RequestAgentStats' })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const m = await listener.next()
    assert.equal(m.messageType, 'WorkbinStatsMessage', `unexpected message ${JSON.stringify(m)}`)
    assert.equal(m.referenceId, r.body.referenceId)
  }

  /** Create an interaction through the integration endpoint (as api1). */
  async create(body: Data): Promise<string> {
    const r = await this.api('api1').post('/interactions', { operationName: 'Create', ...body })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(r.body.statusCode, 0)
    return r.body.id as string
  }

  /** Where an interaction is now (integration read, as admin1). */
  async where(id: string): Promise<Data> {
    const r = await this.api('admin1').get(`/interactions/${id}`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r.body.interaction as Data
  }

  async close(): Promise<void> {
    await Promise.all(this.#clients.map((c) => disconnect(c)))
    await this.server.close()
  }
}

/** Assert a GWS error reply: HTTP status, statusCode, and nothing else but statusMessage. */
export function assertError(r: ApiResponse, http: number, statusCode: number): void {
  assert.equal(r.status, http, JSON.stringify(r.body))
  assert.equal(r.body.statusCode, statusCode)
  assert.equal(typeof r.body.statusMessage, 'string')
  assert.deepEqual(Object.keys(r.body).sort(), ['statusCode', 'statusMessage'])
}

/** Assert `{statusCode:0, referenceId:N}` and return N. */
export function assertAccepted(r: ApiResponse): number {
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.equal(r.body.statusCode, 0)
  assert.equal(typeof r.body.referenceId, 'number')
  assert.deepEqual(Object.keys(r.body).sort(), ['referenceId', 'statusCode'])
  return r.body.referenceId as number
}
