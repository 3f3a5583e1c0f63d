// An agent desktop as GWS desktops run it: one official CometD client subscribed to `/v2/me/*`
// (every media channel and /v2/me/workbins), reading messages in the order they arrive, plus
// the content fixture with two queues for the interaction tests.

import assert from 'node:assert/strict'
import type { CometD } from 'cometd'
import { basic, disconnect, handshake, inbox, newClient, type Inbox } from './cometd.ts'
import { contentDocument } from './fixtures/content.ts'
import { PASSWORD } from './fixtures/users.ts'
import type { TestServer } from './server.ts'
import type { World } from './world.ts'
import type { Data } from './assert.ts'

export const QUEUE = {
  inbound: { id: '995655ec-81a5-46b0-82d0-3f2c5eca263d', name: 'Inbound' },
  post: { id: '995655ec-81a5-46b0-82d0-3f2c5eca2640', name: 'PostProcessing' },
} as const

/** The content document (test/helpers/fixtures/content.ts) with the queues above in A. */
export function queuesDocument() {
  const doc = contentDocument()
  const a = doc.contactCenters[0] as Record<string, unknown>
  a.queues = [
    { ...QUEUE.inbound, description: 'new work', channel: 'workitem' },
    { ...QUEUE.post, description: 'after work', channel: 'workitem' },
  ]
  return doc
}

export interface Desk {
  readonly client: CometD
  readonly box: Inbox
  /** The next message: its channel and data. */
  next(timeoutMs?: number): Promise<{ channel: string; data: Data }>
  close(): Promise<void>
}

export async function openDesk(server: TestServer, user: string): Promise<Desk> {
  const client = newClient(server.cometdUrl, { headers: { Authorization: basic(user, PASSWORD) } })
  await handshake(client)
  const box = await inbox(client, '/v2/me/*')
  return {
    client,
    box,
    async next(timeoutMs = 3000) {
      const m = await box.next(timeoutMs)
      assert.equal(typeof m.channel, 'string')
      return { channel: m.channel as string, data: m.data as Data }
    },
    close: () => disconnect(client),
  }
}

/**
 * An agent takes `place` with StartContactCenterSession and goes Ready on each channel: offers
 * and transfers reach only such agents (docs/interactions.md "Offers").
 */
export async function startWork(
  world: World,
  user: string,
  place: string,
  channels: readonly string[],
): Promise<void> {
  const r = await world.api(user).post('/me', {
    operationName: 'StartContactCenterSession',
    place,
    channels,
  })
  assert.deepEqual(r.body, { statusCode: 0 })
  for (const channel of channels) {
    const ready = await world.api(user).post(`/me/channels/${channel}`, { operationName: 'Ready' })
    assert.equal(ready.status, 200, JSON.stringify(ready.body))
  }
}
