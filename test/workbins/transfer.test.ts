// A Transfer to an agent invites them (GWS Open Media API → Transfer: Agent1 is told the
// interaction is Completed, "Agent2 received invitation"), exactly as an Offer does: Accept
// makes it theirs; Reject, the offer timeout or the offer sweep of any server return it to the
// agent who transferred it (docs/interactions.md "Offers"). On SQLite and PostgreSQL.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sweepExpiredOffers } from '../../src/workbins/offer-sweep.ts'
import { assertAccepted, assertError, type Data } from '../helpers/assert.ts'
import { openDesk, queuesDocument, startWork, type Desk } from '../helpers/desk.ts'
import { U } from '../helpers/fixtures/content.ts'
import { e2eStores } from '../helpers/stores.ts'
import { World } from '../helpers/world.ts'

const WORKITEMS = '/v2/me/workitems'
const TIMEOUT_S = 2

for (const store of await e2eStores()) {
  describe(`Transfer to an agent invites them (${store.name})`, { skip: store.skip }, () => {
    let world: World
    let desk1: Desk
    let desk2: Desk

    before(async () => {
      world = await World.start({
        document: queuesDocument(),
        db: await store.db(),
        // Only the timer and the sweep called by a test withdraw an invitation.
        config: { offerTimeoutSeconds: TIMEOUT_S, offerSweepSeconds: 3600 },
      })
      await startWork(world, 'agent1', 'P1', ['workitem'])
      await startWork(world, 'agent2', 'P2', ['workitem'])
      desk1 = await openDesk(world.server, 'agent1')
      desk2 = await openDesk(world.server, 'agent2')
    })
    after(async () => {
      await Promise.all([desk1, desk2].map((d) => d?.close()))
      await world?.close()
    })

    const op = (user: string, id: string, body: Data) =>
      world.api(user).post(`/me/workitems/${id}`, body)

    async function workitem(desk: Desk, waitMs?: number): Promise<Data> {
      const m = await desk.next(waitMs)
      assert.equal(m.channel, WORKITEMS, JSON.stringify(m.data))
      assert.equal(m.data.messageType, 'WorkitemStateChangeMessage')
      assert.equal(m.data.notificationType, 'StatusChange')
      return m.data
    }
    const resource = (m: Data) => m.workitem as Data

    /** Nothing is pending for `user`: the next message is the answer to a stats request. */
    async function quiet(user: string, desk: Desk): Promise<void> {
      const r = await world.api(user).post('/workbins', { operationName: 'RequestAgentStats' })
      assert.equal(r.status, 200, JSON.stringify(r.body))
      const m = await desk.next()
      assert.equal(m.data.messageType, 'WorkbinStatsMessage', JSON.stringify(m.data))
    }

    /** A workitem agent1 handles, transferred to agent2: both messages checked and consumed. */
    async function transferred(): Promise<string> {
      const id = await world.create({ mediaType: 'workitem', owner: 'agent1' })
      assert.equal(resource(await workitem(desk1)).state, 'Processing')
      const ref = assertAccepted(
        await op('agent1', id, {
          operationName: 'Transfer',
          targetUri: `${world.server.apiUrl}/users/${U.agent2}`,
        }),
      )
      const mine = await workitem(desk1)
      assert.equal(mine.referenceId, ref)
      assert.equal(resource(mine).id, id)
      assert.equal(resource(mine).state, 'Completed')
      assert.deepEqual(resource(mine).capabilities, [])
      const theirs = await workitem(desk2)
      assert.equal(theirs.referenceId, undefined)
      assert.equal(resource(theirs).id, id)
      assert.equal(resource(theirs).state, 'Invited')
      assert.deepEqual(resource(theirs).capabilities, ['Accept', 'Reject'])
      return id
    }

    /** The interaction is agent1's again, Processing, and agent1 is told so. */
    async function backWithSender(id: string, referenceId?: number): Promise<void> {
      const m = await workitem(desk1)
      assert.equal(m.referenceId, referenceId)
      assert.equal(resource(m).id, id)
      assert.equal(resource(m).state, 'Processing')
      const caps = resource(m).capabilities as string[]
      assert.ok(caps.includes('Transfer') && caps.includes('Complete'), caps.join())
      const now = await world.where(id)
      assert.equal(now.state, 'Processing')
      assert.equal(now.owner, U.agent1)
      // theirs again: they can send it elsewhere or finish it
      assertAccepted(await op('agent1', id, { operationName: 'Complete' }))
      assert.equal(resource(await workitem(desk1)).state, 'Completed')
    }

    it('invites the target (Accept, Reject), tells the sender Completed; Accept makes it theirs', async () => {
      const id = await transferred()
      const now = await world.where(id)
      assert.equal(now.state, 'Invited')
      assert.equal(now.invited, U.agent2)
      assert.equal(now.invitedBy, U.agent1)
      assert.equal(now.queue, undefined)
      // no longer the sender's: another Transfer or a Complete is not found
      assertError(await op('agent1', id, { operationName: 'Complete' }), 404, 6)
      assert.equal((await world.api('agent1').get(`/me/workitems/${id}`)).status, 404)
      // the target may only answer the invitation
      assertError(await op('agent2', id, { operationName: 'Complete' }), 400, 2)
      const ref = assertAccepted(await op('agent2', id, { operationName: 'Accept' }))
      const accepted = await workitem(desk2)
      assert.equal(accepted.referenceId, ref)
      assert.equal(resource(accepted).state, 'Processing')
      assert.ok((resource(accepted).capabilities as string[]).includes('Complete'))
      assert.equal((await world.where(id)).owner, U.agent2)
      await quiet('agent1', desk1)
      // still 400 / 2, changing nothing: to oneself, to an agent who cannot take work
      const to = (userId: string) =>
        op('agent2', id, {
          operationName: 'Transfer',
          targetUri: `${world.server.apiUrl}/users/${userId}`,
        })
      assertError(await to(U.agent2), 400, 2)
      assertError(await to(U.agent3), 400, 2) // no place taken
      // answered: the offer timeout does not move it
      await new Promise((r) => setTimeout(r, TIMEOUT_S * 1000 + 300))
      assert.equal((await world.where(id)).owner, U.agent2)
      await quiet('agent1', desk1)
      await quiet('agent2', desk2)
    })

    it('Reject returns it to the agent who transferred it, Processing', async () => {
      const id = await transferred()
      const ref = assertAccepted(await op('agent2', id, { operationName: 'Reject' }))
      const rejected = await workitem(desk2)
      assert.equal(rejected.referenceId, ref)
      assert.equal(resource(rejected).state, 'Completed')
      assert.deepEqual(resource(rejected).capabilities, [])
      await backWithSender(id)
      await quiet('agent2', desk2)
    })

    it('an invitation not answered in time is Revoked for the target and back with the sender', async () => {
      const id = await transferred()
      const revoked = await workitem(desk2, (TIMEOUT_S + 3) * 1000)
      assert.equal(resource(revoked).id, id)
      assert.equal(resource(revoked).state, 'Revoked')
      assert.deepEqual(resource(revoked).capabilities, [])
      await backWithSender(id)
      assertError(await op('agent2', id, { operationName: 'Accept' }), 404, 6)
      await quiet('agent2', desk2)
    })

    it('the offer sweep returns an expired transfer invitation to the sender, once', async () => {
      const id = await transferred()
      const later = Date.now() + TIMEOUT_S * 1000 + 1000
      assert.equal(await sweepExpiredOffers(world.server.app, later), 1)
      assert.equal(resource(await workitem(desk2)).state, 'Revoked')
      await backWithSender(id)
      // the timer of the transfer was cancelled (or loses its compare-and-set): nothing more
      await new Promise((r) => setTimeout(r, TIMEOUT_S * 1000 + 300))
      await quiet('agent1', desk1)
      await quiet('agent2', desk2)
    })
  })
}
