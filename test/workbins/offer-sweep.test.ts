// Offers outlive the server that made them (docs/interactions.md "Offers"): the store keeps when
// an interaction was offered and every server's sweep withdraws expired offers, with the same
// compare-and-set as the offering server's timer, so the agent sees exactly one Revoked, after a
// restart, at start, and when sweeps race. A Transfer's invitation goes back to its sender.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { DeepPartial, Config } from '../../src/config.ts'
import { sweepExpiredOffers } from '../../src/workbins/offer-sweep.ts'
import { assertAccepted, type Data } from '../helpers/assert.ts'
import { openDesk, queuesDocument, startWork, type Desk } from '../helpers/desk.ts'
import { U } from '../helpers/fixtures/content.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { e2eStores } from '../helpers/stores.ts'
import { until } from '../helpers/wait.ts'
import { World } from '../helpers/world.ts'

const TIMEOUT_S = 3
const CONFIG: DeepPartial<Config> = { offerTimeoutSeconds: TIMEOUT_S, offerSweepSeconds: 1 }

for (const store of await e2eStores()) {
  describe(`offers outlive their server (${store.name})`, { skip: store.skip }, () => {
    let dir: string
    let db: string | undefined
    const open: { world: World; desk?: Desk }[] = []

    /** A server on the shared database; agent1 Ready on workitem (stored, survives restarts). */
    async function node(config: DeepPartial<Config> = CONFIG): Promise<World> {
      const server: TestServer = await startServer({
        provision: queuesDocument(),
        db,
        dbPath: join(dir, 'workbins.db'),
        config,
      })
      const world = new World(server)
      open.push({ world })
      return world
    }
    async function stop(world: World): Promise<void> {
      const i = open.findIndex((o) => o.world === world)
      const [o] = open.splice(i, 1)
      await o?.desk?.close()
      await world.close()
    }
    async function desk(world: World): Promise<Desk> {
      const d = await openDesk(world.server, 'agent1')
      const o = open.find((x) => x.world === world)
      if (o) o.desk = d
      return d
    }
    async function offered(world: World): Promise<string> {
      const id = await world.create({ mediaType: 'workitem', queue: 'Inbound' })
      assertAccepted(
        await world
          .api('api1')
          .post(`/interactions/${id}`, { operationName: 'Offer', agent: 'agent1' }),
      )
      assert.equal((await world.where(id)).state, 'Invited')
      return id
    }
    /** The next message is the Revoked of `id`, and no second one follows. */
    async function revokedOnce(world: World, d: Desk, id: string, waitMs: number): Promise<void> {
      const m = await d.next(waitMs)
      assert.equal(m.data.messageType, 'WorkitemStateChangeMessage', JSON.stringify(m.data))
      assert.equal((m.data.workitem as Data).id, id)
      assert.equal((m.data.workitem as Data).state, 'Revoked')
      // Two more sweep periods, then a marker: nothing came in between.
      await new Promise((r) => setTimeout(r, 2200))
      const r = await world.api('agent1').post('/workbins', { operationName: 'RequestAgentStats' })
      assert.equal(r.status, 200, JSON.stringify(r.body))
      const next = await d.next()
      assert.equal(next.data.messageType, 'WorkbinStatsMessage', JSON.stringify(next.data))
      assert.equal((await world.where(id)).state, 'Queued')
    }

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'workbins-offers-'))
      db = await store.db()
      const w = await node()
      await startWork(w, 'agent1', 'P1', ['workitem'])
      await startWork(w, 'agent2', 'P2', ['workitem'])
      await stop(w)
    })
    after(async () => {
      for (const o of open.splice(0)) {
        await o.desk?.close()
        await o.world.close()
      }
      if (dir) await rm(dir, { recursive: true, force: true })
    })

    it('an offer whose server stopped is withdrawn by the next server’s sweep: one Revoked', async () => {
      // No sweep of its own worth speaking of: only its timer, which dies with it.
      const a = await node({ ...CONFIG, offerSweepSeconds: 3600 })
      const id = await offered(a)
      await stop(a)
      const b = await node()
      const d = await desk(b)
      assert.equal((await b.where(id)).state, 'Invited', 'not yet expired')
      await revokedOnce(b, d, id, (TIMEOUT_S + 3) * 1000)
      await stop(b)
    })

    it('a transfer invitation whose server stopped goes back to the transferring agent', async () => {
      const a = await node({ ...CONFIG, offerSweepSeconds: 3600 })
      const id = await a.create({ mediaType: 'workitem', owner: 'agent1' })
      const target = `${a.server.apiUrl}/users/${U.agent2}`
      assertAccepted(
        await a
          .api('agent1')
          .post(`/me/workitems/${id}`, { operationName: 'Transfer', targetUri: target }),
      )
      assert.equal((await a.where(id)).state, 'Invited')
      await stop(a)
      const b = await node()
      const d = await desk(b)
      assert.equal((await b.where(id)).state, 'Invited', 'not yet expired')
      const m = await d.next((TIMEOUT_S + 3) * 1000)
      assert.equal(m.data.messageType, 'WorkitemStateChangeMessage', JSON.stringify(m.data))
      assert.equal((m.data.workitem as Data).id, id)
      assert.equal((m.data.workitem as Data).state, 'Processing')
      const now = await b.where(id)
      assert.equal(now.state, 'Processing')
      assert.equal(now.owner, U.agent1)
      await stop(b)
    })

    it('a server withdraws at start the offers that expired while none ran', async () => {
      const a = await node({ ...CONFIG, offerSweepSeconds: 3600 })
      const id = await offered(a)
      await stop(a)
      await new Promise((r) => setTimeout(r, TIMEOUT_S * 1000 + 200))
      // A long period: only the sweep at start can withdraw it in time.
      const b = await node({ ...CONFIG, offerSweepSeconds: 3600 })
      await until('the expired offer is back in its queue', async () => {
        return (await b.where(id)).state === 'Queued'
      })
      await stop(b)
    })

    it('racing sweeps (and the timer) withdraw an offer once', async () => {
      const b = await node({ ...CONFIG, offerSweepSeconds: 3600 })
      // On PostgreSQL a second server on the same database sweeps too.
      const c = store.name === 'postgresql' ? await node({ ...CONFIG, offerSweepSeconds: 3600 }) : b
      const d = await desk(b)
      const id = await offered(b)
      assert.equal(((await d.next()).data.workitem as Data).state, 'Invited')
      const later = Date.now() + TIMEOUT_S * 1000 + 1000
      const counts = await Promise.all([
        sweepExpiredOffers(b.server.app, later),
        sweepExpiredOffers(c.server.app, later),
        sweepExpiredOffers(b.server.app, later),
      ])
      assert.equal(
        counts.reduce((x, y) => x + y, 0),
        1,
        `withdrawn once: ${counts.join(',')}`,
      )
      if (c === b) {
        // One server: its session shows the one Revoked; its own timer (cancelled by the sweep,
        // or failing its compare-and-set) adds nothing after the timeout.
        await revokedOnce(b, d, id, 3000)
        await new Promise((r) => setTimeout(r, TIMEOUT_S * 1000))
        const r = await b.api('agent1').post('/workbins', { operationName: 'RequestAgentStats' })
        assert.equal(r.status, 200)
        assert.equal((await d.next()).data.messageType, 'WorkbinStatsMessage')
      } else {
        // Without a bus a message published on c reaches no session of b (docs/cluster.md): the
        // count above says one Revoked was published.
        assert.equal((await b.where(id)).state, 'Queued')
      }
      if (c !== b) await stop(c)
      await stop(b)
    })
  })
}
