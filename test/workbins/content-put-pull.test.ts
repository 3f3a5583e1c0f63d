// Put and pull end to end (docs/workbins-content.md): each operation's HTTP reply
// and the WorkbinStateChangeMessage every subscriber receives through the official CometD
// client (owner, supervisor, group members), the concurrent pull race and the error paths.
// Fixture: test/helpers/fixtures/content.ts (agent1, agent2 in Sales supervised by sup1; agent3 in Support).
// Runs on SQLite and on PostgreSQL (test/helpers/stores.ts).

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GwsError } from '../../src/errors.ts'
import { actorFor, resolveInstance } from '../../src/workbins/access.ts'
import { contentOperations } from '../../src/workbins/content-operations.ts'
import { CC_A, IX, U, WB } from '../helpers/fixtures/content.ts'
import { assertAccepted, assertError, type Data } from '../helpers/assert.ts'
import { queuesDocument, startWork } from '../helpers/desk.ts'
import type { ApiResponse } from '../helpers/http.ts'
import { World } from '../helpers/world.ts'
import { e2eStores } from '../helpers/stores.ts'

const PROCESSING_CAPS = (caps: unknown) => Array.isArray(caps) && caps.length > 0

/** An id no interaction has. */
const UNKNOWN = 'NoSuchInteract16'

/** The whole reply to an unknown id, as every refusal that must tell nothing looks. */
function notFoundReply(id: string) {
  return { status: 404, body: { statusCode: 6, statusMessage: `Interaction ${id} not found` } }
}

/** `reply` is exactly what an unknown id gets (status and whole body, the id aside). */
function assertAsUnknown(reply: ApiResponse, id: string, what: string): void {
  assert.deepEqual({ status: reply.status, body: reply.body }, notFoundReply(id), what)
}

for (const store of await e2eStores()) {
  describe(`on ${store.name}`, { skip: store.skip }, () => {
    describe('put (Add*)', () => {
      it('agent puts their email into their Agent workbin: owner and supervisor both told', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          const ada = await w.listen('agent1')
          const sue = await w.listen('sup1', 'websocket')
          await w.subscribe('agent1', ada, `/me/workbins/${WB.later}`)
          await w.subscribe('sup1', sue, `/users/${U.agent1}/workbins/${WB.later}`)

          const r = await w.api('agent1').post(`/me/workbins/${WB.later}`, {
            operationName: 'AddEmail',
            id: IX.email1,
            saveLAR: 'true',
          })
          const ref = assertAccepted(r)

          const mine = await ada.next()
          assert.equal(mine.messageType, 'WorkbinStateChangeMessage')
          assert.equal(mine.action, 'ItemAdded')
          assert.equal(mine.id, WB.later)
          assert.equal(mine.referenceId, ref)
          assert.equal(mine.workbinUserId, undefined, 'the owner needs no workbinUserId')
          assert.equal(mine.agentGroup, undefined)
          const email = mine.emailStateResourceV2 as Data
          assert.equal(email.id, IX.email1)
          assert.equal(email.state, 'InWorkbin')
          assert.deepEqual(email.capabilities, [])
          assert.equal(email.subject, 'Invoice 42')
          assert.equal(email.receivedDate, '2016-04-08 15:05:57.000+0300')
          assert.deepEqual(email.userData, {
            Subject: 'Invoice 42',
            Workbin: 'Later',
            WorkbinAgentId: U.agent1,
          })
          assert.equal(email.uri, `${w.server.apiUrl}/me/emails/${IX.email1}`)

          const sups = await sue.next()
          assert.equal(sups.action, 'ItemAdded')
          assert.equal(sups.id, WB.later)
          assert.equal(sups.workbinUserId, U.agent1)
          assert.equal(sups.referenceId, undefined, 'only the requester gets the referenceId')
          assert.deepEqual(sups.emailStateResourceV2, email)

          // The store agrees: it is in agent1's Later instance, no longer agent1's email.
          assert.deepEqual((await w.where(IX.email1)).workbin, { id: WB.later, user: U.agent1 })
          const mineNow = await w.api('agent1').get('/me/emails')
          assert.deepEqual(mineNow.body, { statusCode: 0, uris: [] })
          const content = await w.api('agent1').get(`/me/workbins/${WB.later}/emails`)
          assert.deepEqual(
            (content.body.emails as Data[]).map((e) => e.id),
            [IX.email1],
          )
          await w.expectQuiet('agent1', ada)
          await w.expectQuiet('sup1', sue)
        } finally {
          await w.close()
        }
      })

      it('requester gets its copy even when not subscribed; non-subscribers get nothing', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          const ada = await w.listen('agent1')
          const bo = await w.listen('agent2')
          const id = await w.create({ mediaType: 'workitem', owner: 'agent1' })
          const r = await w.api('agent1').post(`/me/workbins/${WB.team}?agentGroup=Sales`, {
            operationName: 'AddWorkitem',
            uri: `${w.server.apiUrl}/workitems/${id}`,
          })
          const ref = assertAccepted(r)
          const m = await ada.next()
          assert.equal(m.action, 'ItemAdded')
          assert.equal(m.referenceId, ref)
          assert.equal(m.agentGroup, 'Sales')
          const wi = m.workitemStateResourceV2 as Data
          assert.equal(wi.id, id)
          assert.equal(wi.workitemType, 'Inbound')
          assert.deepEqual(wi.userData, { Workbin: 'Team' }, 'no WorkbinAgentId in group workbins')
          await w.expectQuiet('agent2', bo) // agent2 is in Sales but did not subscribe
        } finally {
          await w.close()
        }
      })

      it('group put reaches every member subscribed to the group instance, not other groups', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          const ada = await w.listen('agent1')
          const bo = await w.listen('agent2')
          const sue = await w.listen('sup1')
          const cy = await w.listen('agent3')
          await w.subscribe('agent2', bo, `/me/workbins/${WB.team}?agentGroup=Sales`)
          await w.subscribe('sup1', sue, `/me/workbins/${WB.team}?agentGroup=Sales`)
          await w.subscribe('agent3', cy, `/me/workbins/${WB.team}?agentGroup=Support`)
          const id = await w.create({
            mediaType: 'chat',
            owner: 'agent1',
            userData: { Topic: 'x' },
          })

          const ref = assertAccepted(
            await w.api('agent1').post(`/workbins/${WB.team}?agentGroup=Sales`, {
              operationName: 'AddChat',
              id,
            }),
          )
          const own = await ada.next()
          assert.equal(own.referenceId, ref)
          for (const l of [bo, sue]) {
            const m = await l.next()
            assert.equal(m.messageType, 'WorkbinStateChangeMessage')
            assert.equal(m.action, 'ItemAdded')
            assert.equal(m.id, WB.team)
            assert.equal(m.agentGroup, 'Sales')
            assert.equal(m.referenceId, undefined)
            assert.equal(m.workbinUserId, undefined)
            const chat = m.chatStateResourceV2 as Data
            assert.equal(chat.id, id)
            assert.equal(chat.chatType, 'Inbound')
            assert.deepEqual(chat.participants, [])
            assert.deepEqual(chat.userData, { Topic: 'x', Workbin: 'Team' })
          }
          await w.expectQuiet('agent3', cy) // Support's instance of the same workbin did not change
        } finally {
          await w.close()
        }
      })

      it('supervisor files an agent’s interaction into the agent’s workbin (/users/{userId})', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          const ada = await w.listen('agent1')
          const sue = await w.listen('sup1')
          await w.subscribe('agent1', ada, `/me/workbins/${WB.later}`)
          const ref = assertAccepted(
            await w.api('sup1').post(`/users/${U.agent1}/workbins/${WB.later}`, {
              operationName: 'AddInteraction',
              id: IX.email1,
            }),
          )
          const own = await ada.next()
          assert.equal(own.action, 'ItemAdded')
          assert.equal(own.workbinUserId, undefined)
          assert.equal(own.referenceId, undefined, 'agent1 did not make the request')
          assert.equal((own.emailStateResourceV2 as Data).id, IX.email1)
          const sups = await sue.next()
          assert.equal(sups.referenceId, ref)
          assert.equal(sups.workbinUserId, U.agent1)

          // A supervisor may also put their own interaction into a supervised agent's workbin...
          const suesOwn = await w.create({ mediaType: 'workitem', owner: 'sup1' })
          assertAccepted(
            await w.api('sup1').post(`/users/${U.agent1}/workbins/${WB.later}`, {
              operationName: 'AddWorkitem',
              id: suesOwn,
            }),
          )
          assert.equal((await ada.next()).action, 'ItemAdded')
          assert.equal((await sue.next()).action, 'ItemAdded')
          assert.equal(((await w.where(suesOwn)).userData as Data).WorkbinAgentId, U.agent1)

          // ...but not agent2's interaction into agent1's workbin (404/6: sup1 cannot read
          // it), nor act for agent3 (403/5: agent3's workbin is not one sup1 may use).
          const bos = await w.create({ mediaType: 'workitem', owner: 'agent2' })
          assertAsUnknown(
            await w.api('sup1').post(`/users/${U.agent1}/workbins/${WB.later}`, {
              operationName: 'AddWorkitem',
              id: bos,
            }),
            bos,
            'agent2’s interaction',
          )
          const cys = await w.create({ mediaType: 'workitem', owner: 'agent3' })
          assertError(
            await w.api('sup1').post(`/users/${U.agent3}/workbins/${WB.later}`, {
              operationName: 'AddWorkitem',
              id: cys,
            }),
            403,
            5,
          )
          assert.equal((await w.where(bos)).owner, U.agent2)
          assert.equal((await w.where(cys)).owner, U.agent3)
          await w.expectQuiet('agent1', ada)
          await w.expectQuiet('sup1', sue)
        } finally {
          await w.close()
        }
      })

      it('Place and PlaceGroup instances: put by the agent at the place, told to its subscribers', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          const ada = await w.listen('agent1') // place P1 (North)
          const bo = await w.listen('agent2') // place P2 (North)
          await w.subscribe('agent2', bo, `/me/workbins/${WB.floor}?placeGroup=North`)
          const a = await w.create({
            mediaType: 'openmedia',
            openmediaType: 'promotion',
            owner: 'agent1',
          })
          const b = await w.create({ mediaType: 'tweet', owner: 'agent1' })

          assertAccepted(
            await w
              .api('agent1')
              .post(`/me/workbins/${WB.desk}`, { operationName: 'AddOpenmedia', id: a }),
          )
          const desk = await ada.next()
          assert.equal(desk.id, WB.desk)
          assert.equal(desk.workbinUserId, undefined)
          const om = desk.openmediaStateResourceV2 as Data
          assert.equal(om.mediaType, 'promotion')
          assert.equal(om.uri, `${w.server.apiUrl}/openmedia/promotions/${a}`)
          assert.deepEqual((await w.where(a)).workbin, { id: WB.desk, place: 'P1' })

          assertAccepted(
            await w.api('agent1').post(`/me/workbins/${WB.floor}?placeGroup=North`, {
              operationName: 'AddTweet',
              id: b,
            }),
          )
          assert.equal((await ada.next()).placeGroup, 'North')
          const floor = await bo.next()
          assert.equal(floor.action, 'ItemAdded')
          assert.equal(floor.placeGroup, 'North')
          assert.equal((floor.tweetStateResourceV2 as Data).twitterType, 'Inbound')
          await w.expectQuiet('agent2', bo) // P2's Desk instance is not P1's: no message for it
        } finally {
          await w.close()
        }
      })
    })

    describe('pull (Pull*)', () => {
      it('agent pulls from a group workbin: every subscribed member told, item handed over', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          const ada = await w.listen('agent1')
          const bo = await w.listen('agent2')
          const sue = await w.listen('sup1')
          for (const [name, l] of [
            ['agent1', ada],
            ['agent2', bo],
            ['sup1', sue],
          ] as const) {
            await w.subscribe(name, l, `/me/workbins/${WB.team}?agentGroup=Sales`)
          }
          const r = await w.api('agent2').post(`/me/workbins/${WB.team}?agentGroup=Sales`, {
            operationName: 'PullWorkitem',
            id: IX.workitem1,
          })
          const ref = assertAccepted(r)
          for (const [l, isRequester] of [
            [ada, false],
            [bo, true],
            [sue, false],
          ] as const) {
            const m = await l.next()
            assert.equal(m.messageType, 'WorkbinStateChangeMessage')
            assert.equal(m.action, 'ItemRemoved')
            assert.equal(m.id, WB.team)
            assert.equal(m.agentGroup, 'Sales')
            assert.equal(m.referenceId, isRequester ? ref : undefined)
            const wi = m.workitemStateResourceV2 as Data
            assert.equal(wi.id, IX.workitem1)
            assert.equal(wi.state, 'Processing')
            // capabilities in the copy of the agent who has it now only
            if (isRequester) assert.ok(PROCESSING_CAPS(wi.capabilities))
            else assert.deepEqual(wi.capabilities, [])
            assert.deepEqual(wi.userData, { Case: '7', Workbin: 'Team' }, 'userData kept on pull')
          }
          // agent2 handles it now; the workbin no longer holds it.
          const mine = await w.api('agent2').get('/me/workitems?fields=id,state')
          assert.deepEqual(mine.body, {
            statusCode: 0,
            workitems: [{ id: IX.workitem1, state: 'Processing' }],
          })
          const team = await w
            .api('agent1')
            .get(`/me/workbins/${WB.team}/workitems?agentGroup=Sales`)
          assert.deepEqual(team.body.workitems, [])
          // and can put it back: the full round trip.
          assertAccepted(
            await w.api('agent2').post(`/me/workbins/${WB.team}?agentGroup=Sales`, {
              operationName: 'AddWorkitem',
              id: IX.workitem1,
            }),
          )
          for (const l of [ada, bo, sue]) assert.equal((await l.next()).action, 'ItemAdded')
          assert.deepEqual((await w.where(IX.workitem1)).workbin, {
            id: WB.team,
            agentGroup: 'Sales',
          })
        } finally {
          await w.close()
        }
      })

      it('supervisor grabs from an agent’s workbin: the supervisor handles it', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          const ada = await w.listen('agent1')
          const sue = await w.listen('sup1')
          await w.subscribe('agent1', ada, `/me/workbins/${WB.later}`)
          await w.subscribe('sup1', sue, `/users/${U.agent1}/workbins/${WB.later}`)
          const ref = assertAccepted(
            await w.api('sup1').post(`/users/${U.agent1}/workbins/${WB.later}`, {
              operationName: 'PullChat',
              id: IX.chat1,
              nickname: 'Sue',
            }),
          )
          const own = await ada.next()
          assert.equal(own.action, 'ItemRemoved')
          assert.equal(own.workbinUserId, undefined)
          assert.equal(own.referenceId, undefined)
          const sups = await sue.next()
          assert.equal(sups.action, 'ItemRemoved')
          assert.equal(sups.workbinUserId, U.agent1)
          assert.equal(sups.referenceId, ref)
          assert.equal((sups.chatStateResourceV2 as Data).state, 'Processing')
          assert.equal((await w.where(IX.chat1)).owner, U.sup1)
          const chats = await w.api('sup1').get('/me/chats')
          assert.deepEqual(chats.body, {
            statusCode: 0,
            uris: [`${w.server.apiUrl}/me/chats/${IX.chat1}`],
          })
          await w.expectQuiet('agent1', ada)
          await w.expectQuiet('sup1', sue)
        } finally {
          await w.close()
        }
      })

      it('two agents pull the same item at once: exactly one gets it, the other 404/6', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          const ada = await w.listen('agent1')
          const bo = await w.listen('agent2')
          const sue = await w.listen('sup1')
          await w.subscribe('sup1', sue, `/me/workbins/${WB.team}?agentGroup=Sales`)
          // Warm both sessions up so the two pulls really overlap.
          await Promise.all([w.api('agent1').get('/me'), w.api('agent2').get('/me')])
          for (let round = 0; round < 5; round++) {
            const id = await w.create({
              mediaType: 'workitem',
              workbin: { id: WB.team, agentGroup: 'Sales' },
            })
            assert.equal((await sue.next()).action, 'ItemAdded')
            const url = `/me/workbins/${WB.team}?agentGroup=Sales`
            const body = { operationName: 'PullWorkitem', id }
            const [a, b] = await Promise.all([
              w.api('agent1').post(url, body),
              w.api('agent2').post(url, body),
            ])
            const winners = [a, b].filter((r) => r.status === 200)
            const losers = [a, b].filter((r) => r.status !== 200)
            assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify([a.body, b.body])}`)
            assert.equal(losers.length, 1)
            // whether it lost at the read or at the compare-and-set: as an unknown id
            assertAsUnknown(losers[0]!, id, `round ${round}`)
            const winner = a.status === 200 ? 'agent1' : 'agent2'
            const winnerListener = winner === 'agent1' ? ada : bo
            const ref = assertAccepted(winners[0]!)
            assert.equal((await w.where(id)).owner, U[winner])
            const own = await winnerListener.next()
            assert.equal(own.action, 'ItemRemoved')
            assert.equal(own.referenceId, ref)
            const removed = await sue.next()
            assert.equal(removed.action, 'ItemRemoved')
            assert.equal((removed.workitemStateResourceV2 as Data).id, id)
          }
          // Exactly one ItemRemoved per round reached the supervisor, and the losers got nothing.
          await w.expectQuiet('sup1', sue)
          await w.expectQuiet('agent1', ada)
          await w.expectQuiet('agent2', bo)
        } finally {
          await w.close()
        }
      })
    })

    describe('pull race inside one process', () => {
      it('handlers interleaved at every await: the compare-and-set leaves exactly one winner', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          const { app } = w.server
          const deps = {
            config: app.config,
            store: app.store,
            notifier: app.notifier,
            log: app.log,
            publicUrl: app.publicUrl,
          }
          const cc = (await app.store.getContactCenter(CC_A))!
          const actors = await Promise.all(
            (['agent1', 'agent2'] as const).map(async (n) =>
              actorFor(app.store, (await app.store.getUser(U[n]))!, cc),
            ),
          )
          const pull = contentOperations.PullInteraction!
          for (let round = 0; round < 10; round++) {
            const id = await w.create({
              mediaType: 'email',
              workbin: { id: WB.team, agentGroup: 'Sales' },
            })
            const outcomes = await Promise.allSettled(
              actors.map(async (actor) => {
                const target = await resolveInstance(app.store, actor, WB.team, {
                  agentGroup: 'Sales',
                })
                return pull({ actor, target, body: { id }, deps })
              }),
            )
            const ok = outcomes.filter((o) => o.status === 'fulfilled')
            const failed = outcomes.filter((o) => o.status === 'rejected')
            assert.equal(ok.length, 1, `round ${round}`)
            assert.equal(failed.length, 1)
            const err = (failed[0] as PromiseRejectedResult).reason
            assert.ok(err instanceof GwsError)
            assert.equal(err.statusCode, 6)
            assert.equal(err.message, `Interaction ${id} not found`)
            const winner = outcomes[0]!.status === 'fulfilled' ? U.agent1 : U.agent2
            assert.equal((await w.where(id)).owner, winner)
          }
        } finally {
          await w.close()
        }
      })
    })

    describe('refusals tell nothing the caller may not see', () => {
      /** Interactions agent1 may neither put nor read, each somewhere else (w as the world). */
      async function othersWork(w: World): Promise<Record<string, string>> {
        await startWork(w, 'agent2', 'P2', ['workitem'])
        const invited = await w.create({ mediaType: 'workitem', queue: 'Inbound' })
        assertAccepted(
          await w
            .api('api1')
            .post(`/interactions/${invited}`, { operationName: 'Offer', agent: 'agent2' }),
        )
        const completed = await w.create({ mediaType: 'workitem', owner: 'agent2' })
        const done = await w
          .api('agent2')
          .post(`/me/workitems/${completed}`, { operationName: 'Complete' })
        assert.equal(done.status, 200, JSON.stringify(done.body))
        return {
          'another agent’s email': await w.create({ mediaType: 'email', owner: 'agent2' }),
          'another agent’s chat': await w.create({ mediaType: 'chat', owner: 'agent2' }),
          'a queued one': await w.create({ mediaType: 'workitem', queue: 'Inbound' }),
          'one offered to another agent': invited,
          'a completed one': completed,
          'one in another agent’s workbin': await w.create({
            mediaType: 'email',
            workbin: { id: WB.later, user: 'agent3' },
          }),
          'one in the same workbin of another agent': await w.create({
            mediaType: 'email',
            workbin: { id: WB.later, user: 'agent2' },
          }),
          'one in another group’s instance': await w.create({
            mediaType: 'workitem',
            workbin: { id: WB.team, agentGroup: 'Support' },
          }),
        }
      }

      it('put: whatever the caller may not put nor read answers exactly as an unknown id', async () => {
        const w = await World.start({ db: await store.db(), document: queuesDocument() })
        try {
          const ada = await w.listen('agent1')
          await w.subscribe('agent1', ada, `/me/workbins/${WB.later}`)
          const cases = await othersWork(w)
          const before = await Promise.all(Object.values(cases).map((id) => w.where(id)))
          const later = `/me/workbins/${WB.later}`
          const api = w.api('agent1')
          for (const op of ['AddEmail', 'AddChat', 'AddWorkitem', 'AddInteraction']) {
            assertAsUnknown(await api.post(later, { operationName: op, id: UNKNOWN }), UNKNOWN, op)
            for (const [what, id] of Object.entries(cases)) {
              assertAsUnknown(
                await api.post(later, { operationName: op, id }),
                id,
                `${op}: ${what}`,
              )
              assertAsUnknown(
                await api.post(`/me/workbins/${WB.team}?agentGroup=Sales`, {
                  operationName: op,
                  uri: `${w.server.apiUrl}/me/emails/${id}`,
                }),
                id,
                `${op} into Team: ${what}`,
              )
            }
          }
          // A supervisor filing into an agent's workbin cannot probe another agent's work either.
          const sup = w.api('sup1')
          const agents = `/users/${U.agent1}/workbins/${WB.later}`
          assertAsUnknown(
            await sup.post(agents, { operationName: 'AddEmail', id: UNKNOWN }),
            UNKNOWN,
            'sup1',
          )
          for (const [what, id] of Object.entries(cases)) {
            if (what === 'one in the same workbin of another agent') continue // sup1 sees that
            assertAsUnknown(
              await sup.post(agents, { operationName: 'AddEmail', id }),
              id,
              `sup1: ${what}`,
            )
          }
          // Nothing moved, nothing was said.
          const after = await Promise.all(Object.values(cases).map((id) => w.where(id)))
          assert.deepEqual(after, before)
          await w.expectQuiet('agent1', ada)
        } finally {
          await w.close()
        }
      })

      it('put: a caller who may read the interaction is told why (400/2)', async () => {
        const w = await World.start({ db: await store.db(), document: queuesDocument() })
        try {
          const api = w.api('agent1')
          const later = `/me/workbins/${WB.later}`
          const reason = async (url: string, body: Data, statusMessage: string) => {
            const r = await api.post(url, body)
            assert.deepEqual(
              { status: r.status, body: r.body },
              {
                status: 400,
                body: { statusCode: 2, statusMessage },
              },
            )
          }
          await reason(
            later,
            { operationName: 'AddChat', id: IX.chat1 },
            `Interaction ${IX.chat1} is already in this workbin`,
          )
          // workitem1 is in the Team workbin of agent1's group: agent1 sees it there
          await reason(
            later,
            { operationName: 'AddWorkitem', id: IX.workitem1 },
            `Interaction ${IX.workitem1} is InWorkbin, not handled by an agent`,
          )
          await reason(
            later,
            { operationName: 'AddChat', id: IX.email1 },
            'AddChat cannot be used with a email interaction',
          )
          // admin1 reads any interaction: a queued one is refused with its state
          const queued = await w.create({ mediaType: 'workitem', queue: 'Inbound' })
          const r = await w.api('admin1').post(`/users/${U.agent1}/workbins/${WB.later}`, {
            operationName: 'AddWorkitem',
            id: queued,
          })
          assert.deepEqual(r.body, {
            statusCode: 2,
            statusMessage: `Interaction ${queued} is Queued, not handled by an agent`,
          })
        } finally {
          await w.close()
        }
      })

      it('pull: anything not in that instance answers exactly as an unknown id', async () => {
        const w = await World.start({ db: await store.db(), document: queuesDocument() })
        try {
          const ada = await w.listen('agent1')
          await w.subscribe('agent1', ada, `/me/workbins/${WB.later}`)
          const cases = {
            ...(await othersWork(w)),
            // agent1 may see these, but they are not in agent1's Later instance
            'the caller’s own email': IX.email1,
            'one in another workbin the caller uses': IX.workitem1,
          }
          const before = await Promise.all(Object.values(cases).map((id) => w.where(id)))
          const later = `/me/workbins/${WB.later}`
          const api = w.api('agent1')
          for (const op of ['PullEmail', 'PullChat', 'PullWorkitem', 'PullInteraction']) {
            assertAsUnknown(await api.post(later, { operationName: op, id: UNKNOWN }), UNKNOWN, op)
            for (const [what, id] of Object.entries(cases)) {
              assertAsUnknown(
                await api.post(later, { operationName: op, id }),
                id,
                `${op}: ${what}`,
              )
            }
          }
          // chat1 is in agent1's Later, not in agent2's: agent2 learns nothing about it
          assertAsUnknown(
            await w.api('agent2').post(later, { operationName: 'PullEmail', id: IX.chat1 }),
            IX.chat1,
            'agent2',
          )
          // in the instance, the wrong media is named: the caller sees the item there
          const wrong = await api.post(later, { operationName: 'PullEmail', id: IX.chat1 })
          assert.deepEqual(
            { status: wrong.status, body: wrong.body },
            {
              status: 400,
              body: {
                statusCode: 2,
                statusMessage: 'PullEmail cannot be used with a chat interaction',
              },
            },
          )
          const after = await Promise.all(Object.values(cases).map((id) => w.where(id)))
          assert.deepEqual(after, before)
          assert.deepEqual((await w.where(IX.chat1)).workbin, { id: WB.later, user: U.agent1 })
          await w.expectQuiet('agent1', ada)
        } finally {
          await w.close()
        }
      })
    })

    describe('put/pull errors change nothing and send nothing', () => {
      it('answers 404/6, 400/1, 400/2 as documented', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          const ada = await w.listen('agent1')
          await w.subscribe('agent1', ada, `/me/workbins/${WB.later}`)
          const later = `/me/workbins/${WB.later}`
          const api = w.api('agent1')
          // unknown interaction
          assertError(
            await api.post(later, { operationName: 'AddEmail', id: 'NOSUCHINTERACTN' }),
            404,
            6,
          )
          assertError(
            await api.post(later, { operationName: 'PullEmail', id: 'NOSUCHINTERACTN' }),
            404,
            6,
          )
          // no id / uri; bad types
          assertError(await api.post(later, { operationName: 'AddEmail' }), 400, 1)
          assertError(await api.post(later, { operationName: 'PullEmail' }), 400, 1)
          assertError(await api.post(later, { operationName: 'AddEmail', id: 7 }), 400, 2)
          assertError(
            await api.post(later, { operationName: 'AddEmail', id: IX.email1, saveLAR: 'maybe' }),
            400,
            2,
          )
          assertError(
            await api.post(later, {
              operationName: 'AddEmail',
              id: IX.email1,
              uri: '/me/emails/OTHER',
            }),
            400,
            2,
          )
          // wrong media for the operation, on interactions agent1 may see
          assertError(await api.post(later, { operationName: 'AddChat', id: IX.email1 }), 400, 2)
          assertError(await api.post(later, { operationName: 'PullEmail', id: IX.chat1 }), 400, 2)
          // put: already in this workbin (chat1 is in agent1's Later)
          assertError(await api.post(later, { operationName: 'AddChat', id: IX.chat1 }), 400, 2)
          // put: someone else's interaction (agent2's) into my workbin: as unknown
          const bos = await w.create({ mediaType: 'email', owner: 'agent2' })
          assertError(await api.post(later, { operationName: 'AddEmail', id: bos }), 404, 6)
          // pull: not in that instance (email1 is agent1's; workitem1 is in the Team workbin)
          assertError(await api.post(later, { operationName: 'PullEmail', id: IX.email1 }), 404, 6)
          assertError(
            await api.post(later, { operationName: 'PullWorkitem', id: IX.workitem1 }),
            404,
            6,
          )
          // pull from another agent's instance of the same workbin: not there
          assertError(
            await w.api('agent2').post(later, { operationName: 'PullChat', id: IX.chat1 }),
            404,
            6,
          )
          // unknown operation on a workbin
          assertError(await api.post(later, { operationName: 'AddVoice', id: IX.email1 }), 400, 2)
          // an interaction of another contact center is not found
          assertError(
            await w.api('agentB').post(`/me/workbins/${WB.otherCc}`, {
              operationName: 'PullChat',
              id: IX.chat1,
            }),
            404,
            6,
          )

          // Nothing moved, nothing was said.
          assert.equal((await w.where(IX.email1)).owner, U.agent1)
          assert.equal((await w.where(IX.email1)).state, 'Processing')
          assert.deepEqual((await w.where(IX.chat1)).workbin, { id: WB.later, user: U.agent1 })
          assert.deepEqual((await w.where(IX.workitem1)).workbin, {
            id: WB.team,
            agentGroup: 'Sales',
          })
          assert.equal((await w.where(bos)).owner, U.agent2)
          await w.expectQuiet('agent1', ada)
        } finally {
          await w.close()
        }
      })

      it('without api-multimedia the operations do not exist (404/6)', async () => {
        const w = await World.start({ db: await store.db() })
        try {
          assertError(
            await w
              .api('agentC')
              .post(`/me/workbins/${WB.later}`, { operationName: 'AddEmail', id: IX.email1 }),
            404,
            6,
          )
        } finally {
          await w.close()
        }
      })
    })
  })
}
