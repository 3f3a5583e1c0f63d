// The retention of completed interactions (docs/interactions.md "Completed interactions"): with
// WORKBINS_COMPLETED_RETENTION_SECONDS set, a server's sweep deletes interactions completed
// longer ago than that (a read by id then answers 404 / 6), and nothing else; with the default
// (0) they are kept. The sweep goes through the store in batches of
// WORKBINS_COMPLETED_SWEEP_BATCH until none is left.

import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { Config, DeepPartial } from '../../src/config.ts'
import { sweepCompleted } from '../../src/workbins/completed-sweep.ts'
import { assertAccepted, assertError } from '../helpers/assert.ts'
import { queuesDocument } from '../helpers/desk.ts'
import { e2eStores } from '../helpers/stores.ts'
import { until } from '../helpers/wait.ts'
import { World } from '../helpers/world.ts'

const RETENTION_S = 3

for (const store of await e2eStores()) {
  describe(
    `completed interactions past their retention (${store.name})`,
    { skip: store.skip },
    () => {
      const worlds: World[] = []
      after(async () => {
        await Promise.all(worlds.map((w) => w.close()))
      })
      async function world(config: DeepPartial<Config>): Promise<World> {
        const w = await World.start({ document: queuesDocument(), db: await store.db(), config })
        worlds.push(w)
        return w
      }
      /** An interaction agent1 handled and completed. */
      async function completed(w: World): Promise<string> {
        const id = await w.create({ mediaType: 'workitem', owner: 'agent1' })
        assertAccepted(
          await w.api('agent1').post(`/me/workitems/${id}`, { operationName: 'Complete' }),
        )
        assert.equal((await w.where(id)).state, 'Completed')
        return id
      }
      const gone = async (w: World, id: string) => {
        const r = await w.api('admin1').get(`/interactions/${id}`)
        if (r.status === 200) return false
        assertError(r, 404, 6)
        return true
      }

      it('deletes a completed interaction after the retention, and nothing else', async () => {
        const w = await world({ completedRetentionSeconds: RETENTION_S, completedSweepSeconds: 1 })
        const done = await completed(w)
        const handled = await w.create({ mediaType: 'workitem', owner: 'agent1' })
        const queued = await w.create({ mediaType: 'workitem', queue: 'Inbound' })
        const started = Date.now()
        // Kept for the retention (one sweep period has passed by the time this reads).
        await new Promise((r) => setTimeout(r, 1200))
        if (Date.now() - started < (RETENTION_S - 1) * 1000) {
          assert.equal(await gone(w, done), false, 'kept within the retention')
        }
        await until('the completed interaction is deleted', () => gone(w, done), 10_000)
        assert.ok(Date.now() - started >= (RETENTION_S - 1) * 1000, 'not before its retention')
        assert.equal((await w.where(handled)).state, 'Processing')
        assert.equal((await w.where(queued)).state, 'Queued')
      })

      it('keeps completed interactions by default', async () => {
        const w = await world({ completedSweepSeconds: 1 })
        const done = await completed(w)
        await new Promise((r) => setTimeout(r, 1500))
        assert.equal((await w.where(done)).state, 'Completed')
        // Kept because the default retention is 0 (keep), not because the sweep has not come yet.
        assert.equal(w.server.app.config.completedRetentionSeconds, 0)
      })

      it('sweeps in batches until none is left', async () => {
        const w = await world({ completedRetentionSeconds: 3600 })
        const ids = []
        for (let i = 0; i < 5; i++) ids.push(await completed(w))
        const later = Date.now() + 3600_000 + 1000
        const o = { retentionSeconds: 3600, sweepSeconds: 3600, batch: 2 }
        assert.equal(await sweepCompleted(w.server.app.store, o, Date.now()), 0, 'none old enough')
        assert.equal(await sweepCompleted(w.server.app.store, o, later), 5)
        for (const id of ids) assert.ok(await gone(w, id))
        assert.equal(await sweepCompleted(w.server.app.store, o, later), 0)
      })
    },
  )
}
