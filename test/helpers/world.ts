// One test's world: a real server on port 0 provisioned with a fixture document
// (test/helpers/fixtures/), REST clients per user and official CometD clients per user listening
// on /v2/me/workbins, as an agent desktop has them. `close()` closes everything.

import assert from 'node:assert/strict'
import type { CometD } from 'cometd'
import type { Config, DeepPartial } from '../../src/config.ts'
import { assertAccepted, type Data } from './assert.ts'
import { basic, disconnect, handshake, inbox, newClient, type Inbox } from './cometd.ts'
import { contentDocument } from './fixtures/content.ts'
import { PASSWORD } from './fixtures/users.ts'
import { ApiClient, type ApiResponse } from './http.ts'
import { startServer, type TestServer } from './server.ts'

export type { Data } from './assert.ts'

export type Transport = 'long-polling' | 'websocket'
export const TRANSPORTS: readonly Transport[] = ['long-polling', 'websocket']

export const CHANNEL = '/v2/me/workbins'

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

/** A REST client of `user` (fixture password) on `server`. */
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

export interface WorldOptions {
  /** A provisioning document; default the content document. */
  document?: object
  /** A WORKBINS_DB value (test/helpers/stores.ts); default a fresh SQLite file. */
  db?: string
  config?: DeepPartial<Config>
}

export class World {
  readonly #apis = new Map<string, ApiClient>()
  readonly #listeners: Listener[] = []

  constructor(readonly server: TestServer) {}

  static async start(opts: WorldOptions = {}): Promise<World> {
    const { document = contentDocument(), db, config } = opts
    return new World(await startServer({ provision: document, db, config }))
  }

  api(name: string): ApiClient {
    let c = this.#apis.get(name)
    if (!c) {
      c = api(this.server, name)
      this.#apis.set(name, c)
    }
    return c
  }

  /** A CometD session of `name` subscribed to /v2/me/workbins, closed with the world. */
  async listen(name: string, transport: Transport = 'long-polling'): Promise<Listener> {
    const l = await listen(this.server, name, transport)
    this.#listeners.push(l)
    return l
  }

  /** Subscribe `name` to a workbin instance (by URL) and consume the Subscribed message. */
  async subscribe(name: string, listener: Listener, url: string): Promise<void> {
    const r = await this.api(name).post(url, { operationName: 'Subscribe' })
    const referenceId = assertAccepted(r)
    const m = await listener.next()
    assert.equal(m.messageType, 'WorkbinSubscriptionStateChangeMessage')
    assert.equal(m.stateResource, 'Subscribed')
    assert.equal(m.referenceId, referenceId)
  }

  /**
   * Prove that nothing is pending for `name`: ask for stats and check that the very next message
   * is that WorkbinStatsMessage (messages of one user arrive in order).
   */
  async expectQuiet(name: string, listener: Listener): Promise<void> {
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
    await Promise.all(this.#listeners.map((l) => l.close()))
    await this.server.close()
  }
}
