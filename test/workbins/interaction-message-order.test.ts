// The interaction's own messages (docs/interactions.md "Notifications") under concurrent
// changes: each change's messages are written in its transaction, so the last message a
// desktop got for an interaction tells where it is; and a change within one workbin reaches its
// subscribers once.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Message } from 'cometd'
import { inbox, type Inbox } from '../helpers/cometd.ts'
import { U, WB } from '../helpers/fixtures/content.ts'
import { e2eStores } from '../helpers/stores.ts'
import { World, type Data, type Listener } from '../helpers/world.ts'

const TEAM = `/me/workbins/${WB.team}?agentGroup=Sales`
const WORKITEMS = '/v2/me/workitems'
/** Races per case: without the ordering one in five or so came out wrong (measured). */
const ROUNDS = 40
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (const store of await e2eStores()) {
  describe(
    `interaction messages under concurrent changes (${store.name})`,
    { skip: store.skip },
    () => {
      let w: World
      let ada: Listener
      let bob: Listener
      let adaItems: Inbox
      let bobItems: Inbox

      before(async () => {
        w = await World.start({ db: await store.db() })
        ada = await w.listen('agent1')
        bob = await w.listen('agent2', 'websocket')
        adaItems = await inbox(ada.client, WORKITEMS)
        bobItems = await inbox(bob.client, WORKITEMS)
        await w.subscribe('agent1', ada, TEAM)
        await w.subscribe('agent2', bob, TEAM)
      })
      after(() => w.close())

      /** Wait until everything sent to `name` before now has arrived (one user's messages are in order). */
      async function settle(name: string, l: Listener): Promise<void> {
        const r = await w.api(name).post('/workbins', { operationName: 'RequestAgentStats' })
        assert.equal(r.status, 200, JSON.stringify(r.body))
        for (;;) {
          const m = await l.next()
          if (m.messageType === 'WorkbinStatsMessage' && m.referenceId === r.body.referenceId)
            return
        }
      }

      const about = (box: Inbox, id: string): Data[] =>
        box.all
          .map((m: Message) => m.data as Data)
          .filter((d) => (d.workitem as Data | undefined)?.id === id)

      const createInTeam = () =>
        w.create({ mediaType: 'workitem', workbin: { id: WB.team, agentGroup: 'Sales' } })

      it('a userData change in a workbin: one PropertiesUpdated per subscriber', async () => {
        const id = await createInTeam()
        const r = await w.api('api1').post(`/interactions/${id}`, {
          operationName: 'UpdateUserData',
          userData: { N: 1 },
        })
        assert.deepEqual(r.body, { statusCode: 0 })
        await settle('agent1', ada)
        await settle('agent2', bob)
        for (const box of [adaItems, bobItems]) {
          // The create's StatusChange, then the change's one PropertiesUpdated.
          const got = about(box, id).map((d) => d.notificationType)
          assert.deepEqual(got, ['StatusChange', 'PropertiesUpdated'])
        }
      })

      it('an integration userData change racing a pull: the puller is told last that it handles it', async () => {
        let both = 0
        for (let i = 0; i < ROUNDS; i++) {
          const id = await createInTeam()
          const [pull, update] = await Promise.all([
            // 0–4 ms apart: the update's commit lands before, during and after the pull's.
            pause(i % 5).then(() =>
              w.api('agent1').post(TEAM, { operationName: 'PullWorkitem', id }),
            ),
            w.api('api1').post(`/interactions/${id}`, {
              operationName: 'UpdateUserData',
              userData: { N: i },
            }),
          ])
          assert.equal(pull.body.statusCode, 0, JSON.stringify(pull.body))
          // The pull may come first: the update then finds it moved (400, nothing changed).
          assert.ok(
            update.body.statusCode === 0 || update.body.statusCode === 2,
            JSON.stringify(update.body),
          )
          if (update.body.statusCode === 0) both++
          await settle('agent1', ada)
          const told = about(adaItems, id)
          const last = told.at(-1)?.workitem as Data | undefined
          assert.equal(last?.state, 'Processing', `round ${i}: ${JSON.stringify(told)}`)
          assert.ok((last.capabilities as string[]).length > 0, `round ${i}: its own capabilities`)
          const done = await w
            .api('agent1')
            .post(`/me/workitems/${id}`, { operationName: 'Complete' })
          assert.equal(done.body.statusCode, 0, JSON.stringify(done.body))
        }
        // The case that went wrong: both succeeded, the update committed first.
        assert.ok(both > 0, 'no round had both succeed')
      })

      it("the handler's own userData change racing a supervisor's put: the handler is told last that it is in the workbin", async () => {
        const later = `/users/${U.agent1}/workbins/${WB.later}`
        for (let i = 0; i < ROUNDS; i++) {
          const id = await w.create({ mediaType: 'workitem', owner: 'agent1' })
          const [put, attach] = await Promise.all([
            pause(i % 5).then(() =>
              w.api('sup1').post(later, { operationName: 'AddWorkitem', id }),
            ),
            w.api('agent1').post(`/me/workitems/${id}`, {
              operationName: 'AttachUserData',
              userData: { N: i },
            }),
          ])
          assert.equal(put.body.statusCode, 0, JSON.stringify(put.body))
          // The put may come first: the attach then finds it moved (400, nothing changed).
          await settle('agent1', ada)
          const told = about(adaItems, id)
          const last = told.at(-1)?.workitem as Data | undefined
          assert.equal(
            last?.state,
            'InWorkbin',
            `round ${i} (${attach.status}): ${JSON.stringify(told)}`,
          )
          assert.deepEqual(last.capabilities, [])
          const back = await w
            .api('agent1')
            .post(`/me/workbins/${WB.later}`, { operationName: 'PullWorkitem', id })
          assert.equal(back.body.statusCode, 0, JSON.stringify(back.body))
          const done = await w
            .api('agent1')
            .post(`/me/workitems/${id}`, { operationName: 'Complete' })
          assert.equal(done.body.statusCode, 0, JSON.stringify(done.body))
        }
      })
    },
  )
}
