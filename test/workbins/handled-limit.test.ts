// WORKBINS_MAX_HANDLED_PER_AGENT end to end (docs/interactions.md "How many one agent handles"):
// with the setting at 3, every way an interaction comes to be handled by (or offered to) an agent
// is refused beyond it with 400 / 10 naming the setting, and nothing changes: desktop Create,
// the integration's Create with `owner`, Pull from a workbin, an Offer or a Transfer to the
// agent (an invitation counts), Accept when over the limit (lowered since the invitation).
// Completing one makes room again. An invitation returning to the agent who transferred it is
// never refused. Runs on SQLite and on PostgreSQL (test/helpers/stores.ts).

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { assertAccepted, assertError, type Data, type Reply } from '../helpers/assert.ts'
import { queuesDocument, startWork, QUEUE } from '../helpers/desk.ts'
import { U, WB } from '../helpers/fixtures/content.ts'
import { e2eStores } from '../helpers/stores.ts'
import { World } from '../helpers/world.ts'

const MAX = 3
// Only a test withdraws an invitation (no timer or sweep in the way).
const CONFIG = { maxHandledPerAgent: MAX, offerTimeoutSeconds: 3600, offerSweepSeconds: 3600 }

/** 400 / 10 in the GWS envelope, naming the setting and its value. */
function assertOverLimit(reply: Reply, who?: string): void {
  assertError(reply, 400, 10)
  const message = (reply.body as Data).statusMessage as string
  assert.match(message, /WORKBINS_MAX_HANDLED_PER_AGENT/)
  assert.match(message, new RegExp(`more than the ${MAX} allowed`))
  assert.match(message, /nothing was changed/)
  if (who !== undefined) assert.ok(message.includes(who), message)
}

for (const store of await e2eStores()) {
  describe(`WORKBINS_MAX_HANDLED_PER_AGENT on ${store.name}`, { skip: store.skip }, () => {
    let w: World
    let dir: string
    let db: string

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'handled-limit-'))
      db = (await store.db()) ?? join(dir, 'workbins.db')
      w = await World.start({ document: queuesDocument(), db, config: CONFIG })
      await startWork(w, 'agent1', 'P1', ['workitem'])
      await startWork(w, 'agent2', 'P2', ['workitem'])
    })
    after(async () => {
      await w?.close()
      if (dir) await rm(dir, { recursive: true, force: true })
    })

    const queueUri = () => `${w.server.apiUrl}/queues/${QUEUE.inbound.id}`
    const op = (user: string, id: string, body: Data) =>
      w.api(user).post(`/me/workitems/${id}`, body)
    /** The workitems `user` handles or is offered (the fixture gives agent1 an email, agents 2 and 3 nothing). */
    const mine = async (user: string) =>
      ((await w.api(user).get('/me/workitems')).body.uris as string[]).map(
        (u) => u.split('/').pop() as string,
      )
    const createOwn = (user: string) =>
      w.api(user).post('/me/workitems', { operationName: 'Create', queueUri: queueUri() })
    /** Give `user` workitems (integration Create) until they handle `n`. */
    async function fill(user: string, n: number): Promise<string[]> {
      while ((await mine(user)).length < n) await w.create({ mediaType: 'workitem', owner: user })
      return mine(user)
    }
    const complete = async (user: string, id: string) =>
      assertAccepted(await op(user, id, { operationName: 'Complete' }))
    async function completeAll(user: string): Promise<void> {
      for (const id of await mine(user)) {
        if ((await w.where(id)).state === 'Processing') await complete(user, id)
      }
    }

    it('desktop Create: the 4th is refused and nothing is created; after a Complete one is allowed', async () => {
      for (let i = 0; i < MAX; i++) assertAccepted(await createOwn('agent3'))
      const held = await mine('agent3')
      assert.equal(held.length, MAX)
      assertOverLimit(await createOwn('agent3'), 'You would handle or be offered 4 interactions')
      const media = await w
        .api('agent3')
        .post('/me/openmedia/promotion', { operationName: 'Create', queueUri: queueUri() })
      assertOverLimit(media)
      assert.deepEqual(await mine('agent3'), held)
      assert.deepEqual((await w.api('agent3').get('/me/openmedia/promotion')).body.uris, [])

      await complete('agent3', held[0] as string)
      assertAccepted(await createOwn('agent3'))
      assert.equal((await mine('agent3')).length, MAX)
      await completeAll('agent3')
    })

    it('the integration Create with an owner at the limit is refused and creates nothing', async () => {
      const held = await fill('agent3', MAX)
      const id = 'HANDLEDLIMIT0001'
      const r = await w.api('api1').post('/interactions', {
        operationName: 'Create',
        id,
        mediaType: 'workitem',
        owner: 'agent3',
      })
      assertOverLimit(r, 'User agent3 would handle or be offered 4 interactions')
      assertError(await w.api('admin1').get(`/interactions/${id}`), 404, 6)
      assert.deepEqual(await mine('agent3'), held)
      // Into a queue or a workbin it is not the agent's: not counted.
      await w.create({ mediaType: 'workitem', queue: 'Inbound' })
      await complete('agent3', held[0] as string)
      await w.create({ id, mediaType: 'workitem', owner: 'agent3' })
      assert.equal((await w.where(id)).owner, U.agent3)
      await completeAll('agent3')
    })

    it('Pull beyond the limit is refused and the item stays in its workbin', async () => {
      const held = await fill('agent3', MAX)
      const id = await w.create({
        mediaType: 'workitem',
        workbin: { id: WB.later, user: 'agent3' },
      })
      const pull = () =>
        w.api('agent3').post(`/me/workbins/${WB.later}`, { operationName: 'PullWorkitem', id })
      assertOverLimit(await pull(), 'You would handle')
      const there = await w.where(id)
      assert.equal(there.state, 'InWorkbin')
      assert.equal(there.owner, undefined)
      assert.deepEqual(await mine('agent3'), held)

      await complete('agent3', held[0] as string)
      assertAccepted(await pull())
      assert.equal((await w.where(id)).owner, U.agent3)
      await completeAll('agent3')
    })

    it('an Offer or a Transfer to an agent at the limit is refused; the invitation counts', async () => {
      const held = await fill('agent2', MAX)
      const queued = await w.create({ mediaType: 'workitem', queue: 'Inbound' })
      const offer = () =>
        w.api('api1').post(`/interactions/${queued}`, { operationName: 'Offer', agent: 'agent2' })
      assertOverLimit(await offer(), 'User agent2 would handle or be offered 4 interactions')
      assert.equal((await w.where(queued)).state, 'Queued')

      const ownId = await w.create({ mediaType: 'workitem', owner: 'agent1' })
      const transfer = () =>
        op('agent1', ownId, {
          operationName: 'Transfer',
          targetUri: `${w.server.apiUrl}/users/${U.agent2}`,
        })
      assertOverLimit(await transfer(), 'User agent2')
      assert.equal((await w.where(ownId)).owner, U.agent1)
      assert.deepEqual(await mine('agent2'), held)

      // Room for one: the Offer takes it, and the invitation counts toward agent2's total.
      await complete('agent2', held[0] as string)
      assertAccepted(await offer())
      assert.equal((await w.where(queued)).state, 'Invited')
      assertOverLimit(await transfer(), 'User agent2')
      assert.equal((await w.where(ownId)).owner, U.agent1)
      assertAccepted(await op('agent2', queued, { operationName: 'Accept' }))
      await complete('agent2', queued)
      assertAccepted(await transfer())
      assert.equal((await w.where(ownId)).state, 'Invited')
      assertAccepted(await op('agent2', ownId, { operationName: 'Reject' }))
      await completeAll('agent2')
      await completeAll('agent1')
    })

    it('an invitation returning to the agent who transferred it is never refused', async () => {
      const id = await w.create({ mediaType: 'workitem', owner: 'agent1' })
      assertAccepted(
        await op('agent1', id, {
          operationName: 'Transfer',
          targetUri: `${w.server.apiUrl}/users/${U.agent2}`,
        }),
      )
      // agent1 also handles the fixture's email: MAX in all.
      await fill('agent1', MAX - 1)
      assertOverLimit(await createOwn('agent1'))
      assertAccepted(await op('agent2', id, { operationName: 'Reject' }))
      assert.equal((await w.where(id)).owner, U.agent1)
      assert.equal((await mine('agent1')).length, MAX)
      // Over the limit now: nothing more until enough are completed.
      assertOverLimit(await createOwn('agent1'))
      await completeAll('agent1')
    })

    it('concurrent Creates, Offers, Pulls and Transfers for one agent never pass the limit together', async () => {
      await fill('agent2', MAX - 1) // room for one
      const queued: string[] = []
      const inLater: string[] = []
      for (let i = 0; i < 4; i++) {
        queued.push(await w.create({ mediaType: 'workitem', queue: 'Inbound' }))
        inLater.push(
          await w.create({ mediaType: 'workitem', workbin: { id: WB.later, user: 'agent2' } }),
        )
      }
      const fromAgent1 = [
        await w.create({ mediaType: 'workitem', owner: 'agent1' }),
        await w.create({ mediaType: 'workitem', owner: 'agent1' }),
      ]
      const replies = await Promise.all([
        ...queued.map((id) =>
          w.api('api1').post(`/interactions/${id}`, { operationName: 'Offer', agent: 'agent2' }),
        ),
        ...inLater.map((id) =>
          w.api('agent2').post(`/me/workbins/${WB.later}`, { operationName: 'PullWorkitem', id }),
        ),
        ...fromAgent1.map((id) =>
          op('agent1', id, {
            operationName: 'Transfer',
            targetUri: `${w.server.apiUrl}/users/${U.agent2}`,
          }),
        ),
        ...[0, 1, 2, 3].map(() =>
          w.api('api1').post('/interactions', {
            operationName: 'Create',
            mediaType: 'workitem',
            owner: 'agent2',
          }),
        ),
      ])
      const accepted = replies.filter((r) => r.status === 200)
      assert.equal(accepted.length, 1, JSON.stringify(replies.map((r) => r.body)))
      for (const r of replies) if (r.status !== 200) assertOverLimit(r)
      assert.equal((await mine('agent2')).length, MAX)
      // The refused ones are where they were.
      for (const [i, id] of queued.entries()) {
        if (replies[i]?.status !== 200) assert.equal((await w.where(id)).state, 'Queued')
      }
      for (const [i, id] of inLater.entries()) {
        if (replies[4 + i]?.status !== 200) assert.equal((await w.where(id)).state, 'InWorkbin')
      }
      for (const id of await mine('agent2')) {
        const ix = await w.where(id)
        if (ix.state === 'Invited')
          assertAccepted(await op('agent2', id, { operationName: 'Reject' }))
      }
      await completeAll('agent2')
      await completeAll('agent1')
    })

    it('Accept when over the limit (lowered since the offer) is refused and the invitation stays', async () => {
      // agent2 handles 3 and is offered 1 under a limit of 4; the server restarts with 3.
      await w.server.close({ keepDb: true })
      w = await World.start({
        document: queuesDocument(),
        db,
        config: { ...CONFIG, maxHandledPerAgent: 4 },
      })
      await startWork(w, 'agent2', 'P2', ['workitem'])
      const held = await fill('agent2', MAX)
      const queued = await w.create({ mediaType: 'workitem', queue: 'Inbound' })
      assertAccepted(
        await w
          .api('api1')
          .post(`/interactions/${queued}`, { operationName: 'Offer', agent: 'agent2' }),
      )
      await w.server.close({ keepDb: true })
      w = await World.start({ document: queuesDocument(), db, config: CONFIG })

      const accept = () => op('agent2', queued, { operationName: 'Accept' })
      assertOverLimit(await accept(), 'this invitation included')
      const offered = await w.where(queued)
      assert.equal(offered.state, 'Invited')
      assert.equal(offered.owner, undefined)
      assert.equal((await mine('agent2')).length, MAX + 1)

      await complete('agent2', held[0] as string)
      assertAccepted(await accept())
      assert.equal((await w.where(queued)).owner, U.agent2)
      await completeAll('agent2')
    })
  })
}
