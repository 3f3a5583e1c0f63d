// A client whose network carries nothing for longer than its session lives
// (docs/durable-delivery.md, "An outage longer than the session"): the server expires the
// session but keeps it stored, and the client coming back continues it, same clientId, every
// message it missed once and in order, on both transports with the official client and its
// ack extension. Without that it was told 402, handshook again, and lost what came meanwhile.

import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, describe, it } from 'node:test'
import type { Message } from 'cometd'
import { Inbox, disconnect, handshake, newClient, subscribe } from '../helpers/cometd.ts'
import { basic } from '../helpers/http.ts'
import { PASSWORD, U, contentDocument } from '../helpers/fixtures/content.ts'
import { ApiClient } from '../helpers/http.ts'
import { startServer } from '../helpers/server.ts'
import { TcpProxy } from '../helpers/tcp-proxy.ts'
import type { Store } from '../../src/store/store.ts'
import { until } from '../helpers/wait.ts'
import { World, type Transport } from '../helpers/world.ts'

const seqOf = (m: Message) => (m.ext as { seq?: number } | undefined)?.seq
/** Messages sent while the client's network is gone. */
const MISSED = 12

describe('an outage longer than the session', () => {
  const worlds: World[] = []
  const proxies: TcpProxy[] = []
  after(async () => {
    await Promise.all(proxies.map((p) => p.down()))
    await Promise.all(worlds.map((w) => w.close()))
  })

  const cases: { transport: Transport; ack: boolean }[] = [
    { transport: 'long-polling', ack: true },
    { transport: 'websocket', ack: true },
    { transport: 'long-polling', ack: false },
  ]
  for (const { transport, ack } of cases) {
    it(`${transport} ${ack ? 'with' : 'without'} ack: the session expires, the client resumes it and misses nothing`, async () => {
      const w = await World.start({ document: contentDocument() })
      worlds.push(w)
      const proxy = new TcpProxy(Number(new URL(w.server.url).port))
      proxies.push(proxy)
      await proxy.up()
      const c = newClient(`http://127.0.0.1:${proxy.port}/api/v2/notifications`, {
        transport,
        ack,
        headers: { Authorization: basic('agent1', PASSWORD) },
        config: { maxNetworkDelay: 1000, maxBackoff: 500 },
      })
      try {
        await handshake(c)
        const clientId = c.getClientId()
        const box = new Inbox()
        await subscribe(c, '/v2/me/*', box.push)
        const stats = async () => {
          const r = await w.api('agent1').post('/workbins', { operationName: 'RequestAgentStats' })
          assert.equal(r.status, 200, JSON.stringify(r.body))
          return r.body.referenceId as number
        }
        const first = await stats()
        const arrived = (ref: number) => () =>
          box.all.some((m) => (m.data as { referenceId?: number }).referenceId === ref)
        await until('the first reply arrived', arrived(first))

        proxy.hold()
        const expired = once(w.server.app.bayeux.events, 'removed')
        const sent: number[] = []
        for (let i = 0; i < MISSED; i++) sent.push(await stats())
        const [removed] = (await expired) as [{ clientId: string; reason: string }]
        assert.equal(removed.clientId, clientId)
        assert.equal(removed.reason, 'expired')
        proxy.release()

        const got = () =>
          box.all
            .map((m) => (m.data as { referenceId?: number }).referenceId)
            .filter((r) => r !== undefined && sent.includes(r))
        await until('the missed messages arrived', () => got().length >= MISSED, 15_000)
        assert.equal(c.getClientId(), clientId, 'the same session, not a new handshake')
        const seqs = box.all.map(seqOf)
        if (ack) {
          assert.deepEqual(got(), sent, 'each missed message once, in order')
          for (let i = 1; i < seqs.length; i++) {
            assert.equal(seqs[i], (seqs[i - 1] as number) + 1, `numbers ${JSON.stringify(seqs)}`)
          }
        } else {
          // From its stored position: what it had in the last sync period may come again.
          assert.deepEqual([...new Set(got())], sent, 'each missed message, in order')
          for (let i = 1; i < seqs.length; i++) {
            assert.ok((seqs[i] as number) <= (seqs[i - 1] as number) + 1, JSON.stringify(seqs))
          }
        }
        // Live again.
        const next = await stats()
        await until('a live message arrived', arrived(next))
      } finally {
        await disconnect(c)
      }
    })
  }

  it('EndContactCenterSession while the session is being resumed: it stays ended', async () => {
    // Hold back the one read the resume makes of the user (its login check), so that the end
    // comes exactly while the session is being restored: not live yet, its row read already.
    let gate: { entered: () => void; open: Promise<void> } | null = null
    const hold = (store: Store): Store =>
      new Proxy(store, {
        get(target, prop) {
          const value: unknown = Reflect.get(target, prop, target)
          if (typeof value !== 'function') return value
          const method = value as (...args: unknown[]) => unknown
          if (prop !== 'getUser') return method.bind(target)
          return async (...args: unknown[]) => {
            const g = gate
            if (g && args[0] === U.agent1) {
              gate = null
              g.entered()
              await g.open
            }
            return method.apply(target, args)
          }
        },
      })
    const server = await startServer({ provision: contentDocument(), wrapStore: hold })
    const proxy = new TcpProxy(Number(new URL(server.url).port))
    proxies.push(proxy)
    await proxy.up()
    const c = newClient(`http://127.0.0.1:${proxy.port}/api/v2/notifications`, {
      ack: true,
      headers: { Authorization: basic('agent1', PASSWORD) },
      config: { maxNetworkDelay: 1000, maxBackoff: 500 },
    })
    const agent1 = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    try {
      await handshake(c)
      const box = new Inbox()
      await subscribe(c, '/v2/me/*', box.push)
      proxy.hold()
      await once(server.app.bayeux.events, 'removed') // expired while away
      let open = () => {}
      const entered = new Promise<void>((resolve) => {
        gate = { entered: resolve, open: new Promise<void>((r) => (open = r)) }
      })
      proxy.release()
      await entered // the client's connect is being resumed
      const end = await agent1.post('/me', { operationName: 'EndContactCenterSession' })
      assert.deepEqual([end.status, end.body], [200, { statusCode: 0 }])
      open()
      await until('the client is told its session ended', () => c.getStatus() === 'disconnected')
      const r = await agent1.post('/workbins', { operationName: 'RequestAgentStats' })
      assert.equal(r.status, 200)
      await new Promise((res) => setTimeout(res, 500))
      const late = box.all.filter(
        (m) => (m.data as { referenceId?: number }).referenceId === r.body.referenceId,
      )
      assert.deepEqual(late, [], 'nothing of the user reaches the ended session')
    } finally {
      c.disconnect()
      await server.close()
    }
  })
})
