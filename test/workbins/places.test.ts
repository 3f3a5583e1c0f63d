// One agent per place (docs/workbins-subscriptions.md "Places"): StartContactCenterSession on a
// place another agent occupies is refused (409 / 19) and changes nothing; the place is free again
// at EndContactCenterSession, when the agent switches place, or when their HTTP sessions expire.

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { ApiClient } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { e2eStores } from '../helpers/stores.ts'
import { CC_A, PASSWORD, U, WB, contentDocument } from '../helpers/fixtures/content.ts'
import { actorFor } from '../../src/workbins/access.ts'
import { changeSubscriptions } from '../../src/workbins/subscriptions.ts'
import { assertError } from '../helpers/assert.ts'
import { World } from '../helpers/world.ts'

/** An email waiting in the Desk (Place) workbin of place P1. */
const DESK_EMAIL = 'DESKP10000000001'

function document() {
  const doc = contentDocument()
  doc.contactCenters[0]!.interactions!.push({
    id: DESK_EMAIL,
    mediaType: 'email',
    userData: { Subject: 'For whoever sits at P1' },
    receivedDate: '2016-04-08 15:08:57.000+0300',
    workbin: { id: WB.desk, place: 'P1' },
  } as never)
  return doc
}

const start = (c: ApiClient, place: string) =>
  c.post('/me', { operationName: 'StartContactCenterSession', place })
const end = (c: ApiClient) => c.post('/me', { operationName: 'EndContactCenterSession' })
const placeOf = async (c: ApiClient) =>
  (await c.get<{ user: { place: string | null } }>('/me')).body.user.place
/** Ids of the emails in the caller's Desk workbin instance (their current place's). */
async function deskEmails(c: ApiClient): Promise<string[]> {
  const r = await c.get<{ workbin: { emails: { id: string }[] } }>(
    `/me/workbins/${WB.desk}?subresources=email`,
  )
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.workbin.emails.map((e) => e.id)
}

async function until(what: string, cond: () => Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

// The store decides who holds a place: every case on SQLite and on PostgreSQL.
for (const backend of await e2eStores()) {
  describe(`places: one agent at a time, on ${backend.name}`, { skip: backend.skip }, () => {
    let server: TestServer | undefined
    afterEach(async () => {
      await server?.close()
      server = undefined
    })
    const client = (name: string) => new ApiClient(server!.apiUrl, name, PASSWORD)

    test('a second agent is refused with 409 / 19 and nothing changes', async () => {
      server = await startServer({ provision: document(), db: await backend.db() })
      const ada = client('agent1')
      const bo = client('agent2')
      assert.equal((await start(ada, 'P1')).status, 200)
      assert.deepEqual(await deskEmails(ada), [DESK_EMAIL])
      assert.equal((await start(bo, 'P2')).status, 200)

      assertError(await start(bo, 'P1'), 409, 19)
      assert.equal(await placeOf(bo), 'P2', 'still at their old place')
      assert.deepEqual(await deskEmails(bo), [], 'P2 desk, not P1')
      assert.notEqual(
        (await bo.post(`/me/workbins/${WB.desk}`, { operationName: 'PullEmail', id: DESK_EMAIL }))
          .status,
        200,
      )
      assert.equal(await placeOf(ada), 'P1')
      assert.deepEqual(await deskEmails(ada), [DESK_EMAIL], 'the item stays at P1')
      // taking one's own place again is fine
      assert.equal((await start(ada, 'P1')).status, 200)
    })

    test('a default place is used only while no other agent occupies it', async () => {
      server = await startServer({ provision: document(), db: await backend.db() })
      const ada = client('agent1') // default place P1
      const bo = client('agent2')
      assert.equal(await placeOf(ada), 'P1')
      assert.equal((await start(bo, 'P1')).status, 200)
      assert.equal(await placeOf(ada), null)
      assertError(await ada.get(`/me/workbins/${WB.desk}?subresources=email`), 400, 2)
      assertError(await start(ada, 'P1'), 409, 19)
      assert.equal((await end(bo)).status, 200)
      assert.equal(await placeOf(ada), 'P1', 'free again: the default applies')
      assert.deepEqual(await deskEmails(ada), [DESK_EMAIL])
    })

    test('two agents racing for one place: exactly one wins', async () => {
      server = await startServer({ provision: document(), db: await backend.db() })
      const ada = client('agent1')
      const bo = client('agent2')
      // log both in first so the race is only about the place
      await Promise.all([placeOf(ada), placeOf(bo)])
      const results = await Promise.all([start(ada, 'P9'), start(bo, 'P9')])
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 409])
      const winner = results[0]!.status === 200 ? ada : bo
      const loser = winner === ada ? bo : ada
      assert.equal(await placeOf(winner), 'P9')
      assert.notEqual(await placeOf(loser), 'P9')
    })

    test('EndContactCenterSession frees the place', async () => {
      server = await startServer({ provision: document(), db: await backend.db() })
      const ada = client('agent1')
      const bo = client('agent2')
      assert.equal((await start(ada, 'P1')).status, 200)
      assertError(await start(bo, 'P1'), 409, 19)
      assert.equal((await end(ada)).status, 200)
      assert.equal((await start(bo, 'P1')).status, 200)
      assert.deepEqual(await deskEmails(bo), [DESK_EMAIL])
    })

    test('switching place frees the old one', async () => {
      server = await startServer({ provision: document(), db: await backend.db() })
      const ada = client('agent1')
      const bo = client('agent2')
      assert.equal((await start(ada, 'P1')).status, 200)
      assertError(await start(bo, 'P1'), 409, 19)
      assert.equal((await start(ada, 'P9')).status, 200)
      assert.equal(await placeOf(ada), 'P9')
      assert.equal((await start(bo, 'P1')).status, 200)
      assert.equal(await placeOf(bo), 'P1')
    })

    test('session expiry frees the place (sweep, or a newcomer after the idle time)', async () => {
      server = await startServer({
        provision: document(),
        db: await backend.db(),
        config: { sessionIdleSeconds: 1 },
      })
      const store = server.app.store
      const ada = client('agent1')
      assert.equal((await start(ada, 'P1')).status, 200)
      // ada goes silent: the idle sweep frees the place once her session expired
      await until(
        'the sweep frees P1',
        async () => (await store.getPlaceOccupant(CC_A, 'P1')) === null,
      )

      const cy = client('agent3')
      assert.equal((await start(cy, 'P2')).status, 200)
      // cy goes silent; a newcomer may take the place once cy's session is past the idle time,
      // even before the sweep has run. Basic on every request: bo's sessions expire as fast.
      const bo = new ApiClient(server.apiUrl, 'agent2', PASSWORD, { basicAlways: true })
      await until('bo takes P2', async () => (await start(bo, 'P2')).status === 200)
    })
  })
}

describe('places: subscriptions to a Place workbin follow the place', () => {
  let w: World
  afterEach(async () => {
    await w.close()
  })

  test('taking a place ends others’ subscriptions to it; moving on ends one’s own', async () => {
    w = await World.start()
    const ada = await w.listen('agent1')
    const cy = await w.listen('agent3') // default place P9
    assert.equal((await start(w.api('agent1'), 'P1')).status, 200)
    await w.subscribe('agent1', ada, `/me/workbins/${WB.desk}`)
    await w.subscribe('agent3', cy, `/me/workbins/${WB.desk}`)

    assert.equal((await start(w.api('agent1'), 'P9')).status, 200)
    for (const listener of [cy, ada]) {
      const m = await listener.next()
      assert.equal(m.messageType, 'WorkbinSubscriptionStateChangeMessage')
      assert.equal(m.stateResource, 'Unsubscribed')
      assert.equal(m.id, WB.desk)
    }
    await w.expectQuiet('agent1', ada)
    await w.expectQuiet('agent3', cy)
  })

  test('a Subscribe whose place was read before a move commits ends, as the move would have ended it', async () => {
    w = await World.start()
    const ada = await w.listen('agent1')
    assert.equal((await start(w.api('agent1'), 'P1')).status, 200)
    const { store, notifier } = w.server.app
    const user = (await store.getUser(U.agent1))!
    const cc = (await store.getContactCenter(CC_A))!
    // The interleaving of the race, in order: Subscribe reads its place (P1) ...
    const actor = await actorFor(store, user, cc)
    assert.equal(actor.currentPlace, 'P1')
    const desk = actor.directory.workbins.find((x) => x.id === WB.desk)!
    const target = { workbin: desk, instance: { workbinId: WB.desk, owner: 'P1' } }
    // ... the agent moves to P2 (nothing of theirs at P1 to end yet) ...
    assert.equal((await start(w.api('agent1'), 'P2')).status, 200)
    // ... then the subscription is stored.
    const [ref] = await changeSubscriptions({ store, notifier }, actor, 'Subscribe', [target])
    const subscribed = await ada.next()
    assert.equal(subscribed.stateResource, 'Subscribed')
    assert.equal(subscribed.referenceId, ref)
    const ended = await ada.next()
    assert.equal(ended.stateResource, 'Unsubscribed')
    assert.equal(ended.id, WB.desk)
    assert.deepEqual(await store.listSubscribers(target.instance), [])
    // Nothing more of P1's Desk reaches the agent who left it.
    await w.create({ mediaType: 'workitem', workbin: { id: WB.desk, place: 'P1' } })
    await w.expectQuiet('agent1', ada)
  })

  test('a supervisor watching two Place workbins tells them apart by `place`', async () => {
    w = await World.start()
    const sue = await w.listen('sup1') // default place P9
    assert.equal((await start(w.api('agent1'), 'P1')).status, 200)
    await w.subscribe('sup1', sue, `/me/workbins/${WB.desk}`)
    const r = await w.api('sup1').post(`/users/${U.agent1}/workbins/${WB.desk}`, {
      operationName: 'Subscribe',
    })
    const m = await sue.next()
    assert.deepEqual(
      [m.stateResource, m.workbinUserId, m.place, m.referenceId],
      ['Subscribed', U.agent1, 'P1', r.body.referenceId],
    )
    for (const place of ['P1', 'P9']) {
      const id = await w.create({ mediaType: 'workitem', workbin: { id: WB.desk, place } })
      const added = await sue.next()
      assert.deepEqual([added.action, added.id, added.place], ['ItemAdded', WB.desk, place])
      assert.equal((added.workitemStateResourceV2 as { id: string }).id, id)
    }
    await w.expectQuiet('sup1', sue)
  })
})
