// The Store contract suite (src/store/store.ts): every adapter runs it, e.g.
//   storeContract('sqlite file', () => createSqliteStore(path))
// `create` must return a fresh, empty store; the suite migrates and closes it.

import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { GwsError, StatusCode } from '../../src/errors.ts'
import type { Interaction, InteractionLocation } from '../../src/model.ts'
import type { Store } from '../../src/store/store.ts'
import type { FeedRead } from '../../src/store/notification-log.ts'
import {
  AGENT1,
  AGENT2,
  basePlan,
  CC,
  CC2,
  interaction,
  OTHER,
  QUEUE_ID,
  SUP1,
  user,
  WB_AGENT,
  WB_GROUP,
  WB_OTHER,
} from './fixtures.ts'
import { contentPageContract } from './content-page-contract.ts'
import { userDataLimitContract } from './user-data-limit-contract.ts'

function isGws(code: number) {
  return (err: unknown) => err instanceof GwsError && err.statusCode === code
}

const inAgentWb: InteractionLocation = { kind: 'workbin', workbinId: WB_AGENT, owner: AGENT1 }
const ownedByAgent2: InteractionLocation = { kind: 'owner', userId: AGENT2 }

/** The base plan with a second place in CC. */
function withSecondPlace() {
  const plan = basePlan()
  plan.contactCenters[0]!.places.push({ contactCenterId: CC, name: 'Place_7002', placeGroups: [] })
  return plan
}

export function storeContract(name: string, create: () => Store | Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await create()
      await store.migrate()
    })
    afterEach(async () => {
      await store.close()
    })

    describe('migrate and provisioning', () => {
      it('migrate is safe to call again', async () => {
        await store.migrate()
        assert.equal(await store.isEmpty(), true)
      })

      it('applies a plan, reports what changed, and a second apply changes nothing', async () => {
        assert.equal(await store.isEmpty(), true)
        const first = await store.applyProvisioning(basePlan())
        assert.deepEqual(first.changed, {
          contactCenters: 2,
          placeGroups: 1,
          places: 1,
          users: 4,
          agentGroups: 1,
          workbins: 3,
          queues: 1,
          interactions: 1,
        })
        assert.equal(await store.isEmpty(), false)
        const v1 = await store.getDirectoryVersion(CC)
        const second = await store.applyProvisioning(basePlan())
        assert.ok(
          Object.values(second.changed).every((n) => n === 0),
          JSON.stringify(second),
        )
        assert.equal(await store.getDirectoryVersion(CC), v1)
      })

      it('bumps the directory version of the changed contact center only', async () => {
        await store.applyProvisioning(basePlan())
        const v1 = (await store.getDirectoryVersion(CC)) as number
        const v2 = (await store.getDirectoryVersion(CC2)) as number
        const plan = basePlan()
        plan.contactCenters[0]!.users[1]!.firstName = 'Renamed'
        const r = await store.applyProvisioning(plan)
        assert.equal(r.changed.users, 1)
        assert.equal(await store.getDirectoryVersion(CC), v1 + 1)
        assert.equal(await store.getDirectoryVersion(CC2), v2)
        assert.equal((await store.getUser(AGENT2))?.firstName, 'Renamed')
        assert.equal(await store.getDirectoryVersion('nope'), undefined)
      })

      it('reads the directory back', async () => {
        await store.applyProvisioning(basePlan())
        const dir = await store.getDirectory(CC)
        assert.ok(dir)
        assert.deepEqual(dir.contactCenter, { id: CC, name: 'Demo', features: ['api-multimedia'] })
        assert.deepEqual(
          dir.users.map((u) => u.userName),
          ['agent1', 'agent2', 'sup1'],
        )
        assert.deepEqual(dir.places, [
          { contactCenterId: CC, name: 'Place_7001', placeGroups: ['North'] },
        ])
        assert.deepEqual(dir.placeGroups, [{ contactCenterId: CC, name: 'North' }])
        assert.deepEqual(dir.agentGroups, [
          { contactCenterId: CC, name: 'Sales', members: [AGENT1, AGENT2], supervisors: [SUP1] },
        ])
        assert.deepEqual(
          dir.workbins.map((w) => [w.id, w.type]),
          [
            [WB_AGENT, 'Agent'],
            [WB_GROUP, 'AgentGroup'],
          ],
        )
        assert.equal(await store.getDirectory('unknown'), undefined)
        assert.deepEqual(
          (await store.listContactCenters()).map((c) => c.id),
          [CC, CC2],
        )
      })

      it('finds users by id and by name, and contact centers by id', async () => {
        await store.applyProvisioning(basePlan())
        assert.deepEqual(
          await store.getUser(AGENT1),
          user(AGENT1, 'agent1', CC, { place: 'Place_7001' }),
        )
        assert.equal((await store.getUserByName('other1'))?.contactCenterId, CC2)
        assert.equal(await store.getUserByName('nobody'), undefined)
        assert.equal(await store.getUser('f'.repeat(32)), undefined)
        assert.deepEqual(await store.getContactCenter(CC2), {
          id: CC2,
          name: 'Other',
          features: [],
        })
        assert.equal(await store.getContactCenter('x'), undefined)
      })

      it('keeps userName unique across contact centers, all-or-nothing', async () => {
        await store.applyProvisioning(basePlan())
        const before = await store.getDirectory(CC2)
        const plan = basePlan()
        plan.contactCenters[1]!.workbins[0]!.displayName = 'Changed'
        plan.contactCenters[1]!.users.push(user('c'.repeat(32), 'agent1', CC2))
        await assert.rejects(store.applyProvisioning(plan), isGws(StatusCode.ALREADY_EXISTS))
        assert.deepEqual(await store.getDirectory(CC2), before)
      })

      it('refuses a user or workbin id owned by another contact center', async () => {
        await store.applyProvisioning(basePlan())
        const plan = basePlan()
        plan.contactCenters[1]!.users.push(user(AGENT1, 'agent1', CC2))
        await assert.rejects(store.applyProvisioning(plan), isGws(StatusCode.ALREADY_EXISTS))
        const plan2 = basePlan()
        plan2.contactCenters[1]!.workbins.push({
          ...plan2.contactCenters[0]!.workbins[0]!,
          contactCenterId: CC2,
        })
        await assert.rejects(store.applyProvisioning(plan2), isGws(StatusCode.ALREADY_EXISTS))
        assert.equal((await store.getUser(AGENT1))?.contactCenterId, CC)
      })

      it('leaves an existing interaction where it is', async () => {
        await store.applyProvisioning(basePlan())
        const moved = await store.moveInteraction(
          CC,
          '0001BaBFVPR20035',
          inAgentWb,
          ownedByAgent2,
          {
            state: 'Processing',
            capabilities: ['Complete'],
            userData: { set: {}, remove: [] },
          },
        )
        assert.equal(moved.ok, true)
        const r = await store.applyProvisioning(basePlan())
        assert.equal(r.changed.interactions, 0)
        assert.deepEqual(
          (await store.getInteraction(CC, '0001BaBFVPR20035'))?.location,
          ownedByAgent2,
        )
      })
    })

    describe('per-user state', () => {
      beforeEach(async () => {
        await store.applyProvisioning(basePlan())
      })

      it('keeps the current place', async () => {
        assert.equal(await store.getCurrentPlace(AGENT1), null)
        assert.deepEqual(await store.occupyPlace(AGENT1, CC, 'Place_7001', 0), {
          ok: true,
          released: null,
        })
        assert.equal(await store.getCurrentPlace(AGENT1), 'Place_7001')
        assert.equal(await store.getPlaceOccupant(CC, 'Place_7001'), AGENT1)
        assert.equal(await store.releasePlace(AGENT1), 'Place_7001')
        assert.equal(await store.getCurrentPlace(AGENT1), null)
        assert.equal(await store.getPlaceOccupant(CC, 'Place_7001'), null)
        assert.equal(await store.releasePlace(AGENT1), null)
      })

      it('reserves strictly increasing positive reference ids per user', async () => {
        const a = await store.nextReferenceIds(AGENT1, 1)
        const b = await store.nextReferenceIds(AGENT1, 3)
        const c = await store.nextReferenceIds(AGENT1, 1)
        const all = [...a, ...b, ...c]
        assert.equal(all.length, 5)
        assert.ok(all[0]! > 0)
        for (let i = 1; i < all.length; i++) assert.ok(all[i]! > all[i - 1]!, `${all}`)
        assert.deepEqual(await store.nextReferenceIds(AGENT1, 0), [])
        const other = await store.nextReferenceIds(AGENT2, 1)
        assert.ok(other[0]! > 0)
      })

      it('hands out distinct ids to concurrent callers', async () => {
        const batches = await Promise.all(
          Array.from({ length: 10 }, () => store.nextReferenceIds(AGENT1, 2)),
        )
        const all = batches.flat()
        assert.equal(new Set(all).size, 20)
      })
    })

    describe('place occupancy', () => {
      beforeEach(async () => {
        await store.applyProvisioning(withSecondPlace())
        // live sessions: an occupant without one counts as gone
        for (const [id, userId] of [
          ['s-a1', AGENT1],
          ['s-a2', AGENT2],
        ] as const) {
          await store.createSession({ id, userId, csrfToken: id, createdAt: 0, lastSeenAt: 5000 })
        }
      })

      it('reads a session with its user, contact center and place facts at once', async () => {
        const read = async (id: string) => {
          const c = await store.getSessionCaller(id)
          assert.ok(c, id)
          // the same as the separate reads it replaces
          assert.deepEqual(c.session, await store.getSession(id))
          assert.deepEqual(c.user, await store.getUser(c.session.userId))
          assert.deepEqual(c.contactCenter, await store.getContactCenter(CC))
          assert.equal(c.directoryVersion, await store.getDirectoryVersion(CC))
          assert.equal(c.currentPlace, await store.getCurrentPlace(c.user.id))
          const own = c.user.place
          assert.equal(c.placeOccupant, own ? await store.getPlaceOccupant(CC, own) : null)
          return c
        }
        assert.equal(await store.getSessionCaller('nobody'), undefined)
        let a1 = await read('s-a1')
        assert.equal(a1.user.place, 'Place_7001')
        assert.deepEqual([a1.currentPlace, a1.placeOccupant], [null, null])
        // another agent takes agent1's default place, then agent1 takes another one
        assert.equal((await store.occupyPlace(AGENT2, CC, 'Place_7001', 1000)).ok, true)
        a1 = await read('s-a1')
        assert.deepEqual([a1.currentPlace, a1.placeOccupant], [null, AGENT2])
        assert.equal((await store.occupyPlace(AGENT1, CC, 'Place_7002', 1000)).ok, true)
        a1 = await read('s-a1')
        assert.deepEqual([a1.currentPlace, a1.placeOccupant], ['Place_7002', AGENT2])
        const a2 = await read('s-a2')
        assert.equal(a2.currentPlace, 'Place_7001')
        const plan = withSecondPlace()
        plan.contactCenters[0]!.users[1]!.firstName = 'Renamed'
        await store.applyProvisioning(plan)
        const renamed = await read('s-a2')
        assert.equal(renamed.directoryVersion, a2.directoryVersion + 1)
        assert.equal(renamed.user.firstName, 'Renamed')
      })

      it('one agent per place: a second agent is refused and nothing changes', async () => {
        assert.equal((await store.occupyPlace(AGENT1, CC, 'Place_7001', 1000)).ok, true)
        assert.equal((await store.occupyPlace(AGENT2, CC, 'Place_7002', 1000)).ok, true)
        assert.deepEqual(await store.occupyPlace(AGENT2, CC, 'Place_7001', 1000), {
          ok: false,
          occupant: AGENT1,
        })
        assert.equal(await store.getCurrentPlace(AGENT2), 'Place_7002')
        assert.equal(await store.getPlaceOccupant(CC, 'Place_7001'), AGENT1)
      })

      it('taking one’s own place again is fine; switching frees the old place', async () => {
        assert.equal((await store.occupyPlace(AGENT1, CC, 'Place_7001', 1000)).ok, true)
        assert.deepEqual(await store.occupyPlace(AGENT1, CC, 'Place_7001', 1000), {
          ok: true,
          released: null,
        })
        assert.deepEqual(await store.occupyPlace(AGENT1, CC, 'Place_7002', 1000), {
          ok: true,
          released: 'Place_7001',
        })
        assert.equal(await store.getPlaceOccupant(CC, 'Place_7001'), null)
        assert.equal((await store.occupyPlace(AGENT2, CC, 'Place_7001', 1000)).ok, true)
      })

      it('two agents racing for one place: exactly one wins', async () => {
        for (let round = 0; round < 5; round++) {
          await store.releasePlace(AGENT1)
          await store.releasePlace(AGENT2)
          const results = await Promise.all([
            store.occupyPlace(AGENT1, CC, 'Place_7001', 1000),
            store.occupyPlace(AGENT2, CC, 'Place_7001', 1000),
          ])
          assert.equal(results.filter((r) => r.ok).length, 1)
          const winner = results[0]!.ok ? AGENT1 : AGENT2
          assert.equal(await store.getPlaceOccupant(CC, 'Place_7001'), winner)
        }
      })

      it('the place is free when its agent’s last session is deleted or expires', async () => {
        await store.createSession({
          id: 's-a1b',
          userId: AGENT1,
          csrfToken: 'x',
          createdAt: 0,
          lastSeenAt: 5000,
        })
        await store.occupyPlace(AGENT1, CC, 'Place_7001', 1000)
        await store.deleteSession('s-a1')
        assert.equal(await store.getCurrentPlace(AGENT1), 'Place_7001', 'one session left')
        await store.deleteSession('s-a1b')
        assert.equal(await store.getPlaceOccupant(CC, 'Place_7001'), null)

        await store.occupyPlace(AGENT2, CC, 'Place_7001', 1000)
        assert.equal(await store.deleteSessionsIdleSince(6000), 1)
        assert.equal(await store.getPlaceOccupant(CC, 'Place_7001'), null)
      })

      it('an occupant whose sessions are all idle past staleBefore loses the place', async () => {
        await store.occupyPlace(AGENT1, CC, 'Place_7001', 1000)
        assert.equal((await store.occupyPlace(AGENT2, CC, 'Place_7001', 5000)).ok, false)
        assert.deepEqual(await store.occupyPlace(AGENT2, CC, 'Place_7001', 5001), {
          ok: true,
          released: null,
        })
        assert.equal(await store.getCurrentPlace(AGENT1), null)
        assert.equal(await store.getCurrentPlace(AGENT2), 'Place_7001')
      })

      it('the sweep frees places of users without any session', async () => {
        await store.occupyPlace(SUP1, CC, 'Place_7002', 1000)
        assert.equal(await store.deleteSessionsIdleSince(0), 0)
        assert.equal(await store.getPlaceOccupant(CC, 'Place_7002'), null)
      })
    })

    describe('HTTP sessions', () => {
      beforeEach(async () => {
        await store.applyProvisioning(basePlan())
      })
      const session = (id: string, userId = AGENT1, lastSeenAt = 1000) => ({
        id,
        userId,
        csrfToken: `csrf-${id}`,
        createdAt: 500,
        lastSeenAt,
      })

      it('creates, reads, touches and deletes', async () => {
        await store.createSession(session('s1'))
        assert.deepEqual(await store.getSession('s1'), session('s1'))
        await store.touchSession('s1', 2000)
        assert.equal((await store.getSession('s1'))?.lastSeenAt, 2000)
        await store.deleteSession('s1')
        assert.equal(await store.getSession('s1'), undefined)
      })

      it('refuses a duplicate session id', async () => {
        await store.createSession(session('s1'))
        await assert.rejects(store.createSession(session('s1')), isGws(StatusCode.ALREADY_EXISTS))
      })

      it('expires idle sessions and drops a user’s sessions', async () => {
        await store.createSession(session('old', AGENT1, 100))
        await store.createSession(session('new', AGENT1, 5000))
        await store.createSession(session('b1', AGENT2, 5000))
        await store.createSession(session('b2', AGENT2, 6000))
        assert.equal(await store.deleteSessionsIdleSince(1000), 1)
        assert.equal(await store.getSession('old'), undefined)
        assert.ok(await store.getSession('new'))
        assert.equal(await store.deleteSessionsOfUser(AGENT2), 2)
        assert.equal(await store.getSession('b1'), undefined)
        assert.ok(await store.getSession('new'))
      })

      it('caps a user’s sessions: the least recently seen ones end', async () => {
        await store.createSession(session('a', AGENT1, 3000))
        await store.createSession(session('b', AGENT1, 1000))
        await store.createSession(session('other', AGENT2, 500))
        assert.equal(await store.createSession(session('c', AGENT1, 2000), 2), 1)
        assert.equal(await store.getSession('b'), undefined)
        assert.ok(await store.getSession('a'))
        assert.ok(await store.getSession('c'))
        assert.ok(await store.getSession('other'))
        assert.equal(await store.createSession(session('d', AGENT1, 4000), 2), 1)
        assert.equal(await store.getSession('c'), undefined)
      })

      it('a provisioned password change ends that user’s sessions only', async () => {
        await store.createSession(session('a1', AGENT1))
        await store.createSession(session('a2', AGENT2))
        const renamed = basePlan()
        renamed.contactCenters[0]!.users[0]!.firstName = 'Renamed'
        await store.applyProvisioning(renamed)
        assert.ok(await store.getSession('a1'), 'other changes keep the sessions')
        const changed = basePlan()
        changed.contactCenters[0]!.users[0]!.passwordHash = 'scrypt$16384$8$1$bmV3$bmV3'
        await store.applyProvisioning(changed)
        assert.equal(await store.getSession('a1'), undefined)
        assert.ok(await store.getSession('a2'))
      })
    })

    describe('subscriptions', () => {
      beforeEach(async () => {
        await store.applyProvisioning(basePlan())
      })
      const mine = { workbinId: WB_AGENT, owner: AGENT1 }
      const group = { workbinId: WB_GROUP, owner: 'Sales' }

      it('adds idempotently and lists per user and per instance', async () => {
        await store.addSubscriptions(AGENT1, [mine, group])
        await store.addSubscriptions(AGENT1, [mine])
        await store.addSubscriptions(SUP1, [mine])
        assert.deepEqual(await store.listSubscriptions(AGENT1), [
          { userId: AGENT1, instance: mine },
          { userId: AGENT1, instance: group },
        ])
        assert.deepEqual((await store.listSubscribers(mine)).sort(), [AGENT1, SUP1].sort())
        assert.deepEqual(await store.listSubscribers(group), [AGENT1])
        assert.deepEqual(await store.listSubscribers({ workbinId: WB_AGENT, owner: AGENT2 }), [])
      })

      it('lists a contact center’s subscriptions in one read, by user, and no other’s', async () => {
        const other = { workbinId: WB_OTHER, owner: OTHER }
        await store.addSubscriptions(SUP1, [mine])
        await store.addSubscriptions(AGENT1, [group, mine])
        await store.addSubscriptions(OTHER, [other])
        const listed = await store.listContactCenterSubscriptions(CC)
        const byUser = (id: string) => listed.filter((s) => s.userId === id)
        assert.equal(listed.length, 3)
        // one user's come together and in the order listSubscriptions gives them
        assert.deepEqual(byUser(AGENT1), await store.listSubscriptions(AGENT1))
        assert.deepEqual(byUser(SUP1), [{ userId: SUP1, instance: mine }])
        const firstOf = (id: string) => listed.findIndex((s) => s.userId === id)
        assert.equal(listed.findLastIndex((s) => s.userId === AGENT1) - firstOf(AGENT1), 1)
        assert.deepEqual(await store.listContactCenterSubscriptions(CC2), [
          { userId: OTHER, instance: other },
        ])
      })

      it('removes and says which existed', async () => {
        await store.addSubscriptions(AGENT1, [mine])
        assert.deepEqual(await store.removeSubscriptions(AGENT1, [group, mine, mine]), [
          false,
          true,
          false,
        ])
        assert.deepEqual(await store.listSubscriptions(AGENT1), [])
      })

      it('removes all of a user’s subscriptions and returns them', async () => {
        await store.addSubscriptions(AGENT1, [mine, group])
        await store.addSubscriptions(SUP1, [mine])
        const removed = await store.removeAllSubscriptions(AGENT1)
        assert.equal(removed.length, 2)
        assert.deepEqual(await store.listSubscriptions(AGENT1), [])
        assert.deepEqual(await store.listSubscribers(mine), [SUP1])
      })
    })

    describe('a workbin in use', () => {
      beforeEach(async () => {
        await store.applyProvisioning(basePlan())
      })
      const unused = { interactions: false, subscriptions: false }
      const retyped = (id: string, type: 'Place' | 'PlaceGroup') => {
        const plan = basePlan()
        plan.contactCenters[0]!.workbins.find((w) => w.id === id)!.type = type
        return plan
      }

      it('says whether a workbin holds interactions (any instance) or has subscriptions', async () => {
        assert.deepEqual(await store.workbinInUse(CC, WB_AGENT), {
          interactions: true,
          subscriptions: false,
        })
        assert.deepEqual(await store.workbinInUse(CC, WB_GROUP), unused)
        assert.deepEqual(await store.workbinInUse(CC2, WB_OTHER), unused)
        await store.addSubscriptions(SUP1, [{ workbinId: WB_GROUP, owner: 'Sales' }])
        assert.deepEqual(await store.workbinInUse(CC, WB_GROUP), {
          interactions: false,
          subscriptions: true,
        })
        const none = { set: {}, remove: [] }
        const agent2s: InteractionLocation = { kind: 'workbin', workbinId: WB_AGENT, owner: AGENT2 }
        const patch = { state: 'InWorkbin', capabilities: [], userData: none }
        assert.ok(
          (await store.moveInteraction(CC, '0001BaBFVPR20035', inAgentWb, agent2s, patch)).ok,
        )
        assert.equal((await store.workbinInUse(CC, WB_AGENT)).interactions, true)
        assert.ok(
          (await store.moveInteraction(CC, '0001BaBFVPR20035', agent2s, ownedByAgent2, patch)).ok,
        )
        assert.deepEqual(await store.workbinInUse(CC, WB_AGENT), unused)
      })

      it('refuses to change the type of a workbin in use (IN_USE), all-or-nothing', async () => {
        const before = await store.getDirectory(CC)
        await assert.rejects(
          store.applyProvisioning(retyped(WB_AGENT, 'Place')),
          isGws(StatusCode.IN_USE),
        )
        await store.addSubscriptions(AGENT1, [{ workbinId: WB_GROUP, owner: 'Sales' }])
        const plan = retyped(WB_GROUP, 'PlaceGroup')
        plan.contactCenters[0]!.contactCenter.name = 'Renamed'
        await assert.rejects(store.applyProvisioning(plan), isGws(StatusCode.IN_USE))
        assert.deepEqual(await store.getDirectory(CC), before)
      })

      it('changes the type of an empty workbin without subscribers', async () => {
        const r = await store.applyProvisioning(retyped(WB_GROUP, 'PlaceGroup'))
        assert.equal(r.changed.workbins, 1)
        const wb = (await store.getDirectory(CC))?.workbins.find((w) => w.id === WB_GROUP)
        assert.equal(wb?.type, 'PlaceGroup')
      })
    })

    describe('interactions', () => {
      beforeEach(async () => {
        await store.applyProvisioning(basePlan())
      })

      it('creates and reads back exactly, within its contact center only', async () => {
        const ixn = interaction('AAAAAAAAAAAAAAA1', {
          mediaType: 'openmedia',
          openmediaType: 'promotion',
          userData: { a: 'x', n: 3, z: null },
          extra: { subject: 'Hi', to: ['a@b.c'] },
        })
        await store.createInteraction(ixn)
        assert.deepEqual(await store.getInteraction(CC, ixn.id), ixn)
        assert.equal(await store.getInteraction(CC2, ixn.id), undefined)
        assert.equal(await store.getInteraction(CC, 'BBBBBBBBBBBBBBB1'), undefined)
      })

      it('refuses a taken id with ALREADY_EXISTS (18)', async () => {
        await assert.rejects(
          store.createInteraction(interaction('0001BaBFVPR20035')),
          isGws(StatusCode.ALREADY_EXISTS),
        )
      })

      it('lists workbin content oldest first (across time zones) and filters by media', async () => {
        // 10:00+0300 = 07:00Z is older than 08:00+0000
        await store.createInteraction(
          interaction('AAAAAAAAAAAAAAA1', { receivedDate: '2020-01-01 08:00:00.000+0000' }),
        )
        await store.createInteraction(
          interaction('AAAAAAAAAAAAAAA2', {
            receivedDate: '2020-01-01 10:00:00.000+0300',
            mediaType: 'email',
          }),
        )
        const content = await store.listWorkbinContent(CC, { workbinId: WB_AGENT, owner: AGENT1 })
        assert.deepEqual(
          content.map((i) => i.id),
          ['0001BaBFVPR20035', 'AAAAAAAAAAAAAAA2', 'AAAAAAAAAAAAAAA1'],
        )
        const emails = await store.listWorkbinContent(CC, { workbinId: WB_AGENT, owner: AGENT1 }, [
          'email',
        ])
        assert.deepEqual(
          emails.map((i) => i.id),
          ['AAAAAAAAAAAAAAA2'],
        )
        assert.deepEqual(
          await store.listWorkbinContent(CC2, { workbinId: WB_AGENT, owner: AGENT1 }),
          [],
        )
        assert.deepEqual(
          await store.countWorkbinContent(CC, [
            { workbinId: WB_AGENT, owner: AGENT1 },
            { workbinId: WB_AGENT, owner: AGENT2 },
            { workbinId: WB_GROUP, owner: 'Sales' },
          ]),
          [3, 0, 0],
        )
      })

      it('lists owned interactions, filtered by media', async () => {
        await store.createInteraction(
          interaction('AAAAAAAAAAAAAAA1', { location: ownedByAgent2, state: 'Processing' }),
        )
        await store.createInteraction(
          interaction('AAAAAAAAAAAAAAA2', { location: ownedByAgent2, mediaType: 'email' }),
        )
        assert.deepEqual((await store.listOwnedInteractions(CC, AGENT2)).map((i) => i.id).sort(), [
          'AAAAAAAAAAAAAAA1',
          'AAAAAAAAAAAAAAA2',
        ])
        assert.deepEqual(
          (await store.listOwnedInteractions(CC, AGENT2, ['email'])).map((i) => i.id),
          ['AAAAAAAAAAAAAAA2'],
        )
        assert.deepEqual(await store.listOwnedInteractions(CC, AGENT1), [])
        assert.deepEqual(await store.listOwnedInteractions(CC2, AGENT2), [])
      })

      it('counts what a user handles or is offered (countHandled), per contact center', async () => {
        assert.equal(await store.countHandled(CC, AGENT2), 0)
        await store.createInteraction(interaction('AAAAAAAAAAAAAAA1', { location: ownedByAgent2 }))
        await store.createInteraction(
          interaction('AAAAAAAAAAAAAAA2', { location: ownedByAgent2, mediaType: 'email' }),
        )
        assert.equal(await store.countHandled(CC, AGENT2), 2)
        const none = { set: {}, remove: [] }
        const offered: InteractionLocation = {
          kind: 'invited',
          userId: AGENT2,
          returnTo: { kind: 'owner', userId: AGENT1 },
        }
        const id = '0001BaBFVPR20035'
        const patch = (state: string) => ({ state, capabilities: [], userData: none })
        assert.ok((await store.moveInteraction(CC, id, inAgentWb, offered, patch('Invited'))).ok)
        assert.equal(await store.countHandled(CC, AGENT2), 3, 'an invitation counts')
        assert.equal(await store.countHandled(CC2, AGENT2), 0)
        const done = await store.moveInteraction(
          CC,
          'AAAAAAAAAAAAAAA1',
          ownedByAgent2,
          { kind: 'completed' },
          patch('Completed'),
        )
        assert.ok(done.ok)
        assert.equal(await store.countHandled(CC, AGENT2), 2, 'a completed one does not')
        assert.equal(
          await store.countHandled(CC, AGENT2),
          (await store.listOwnedInteractions(CC, AGENT2)).length,
        )
      })

      it('moves with compare-and-set', async () => {
        const id = '0001BaBFVPR20035'
        const r = await store.moveInteraction(CC, id, inAgentWb, ownedByAgent2, {
          state: 'Processing',
          capabilities: ['Complete'],
          userData: { set: { Workbin: 'testWorkbin', x: 1 }, remove: [] },
        })
        assert.ok(r.ok)
        assert.deepEqual(r.interaction.location, ownedByAgent2)
        assert.equal(r.interaction.state, 'Processing')
        assert.deepEqual(r.interaction.capabilities, ['Complete'])
        assert.deepEqual(r.interaction.userData, { Workbin: 'testWorkbin', x: 1 })

        const again = await store.moveInteraction(CC, id, inAgentWb, ownedByAgent2, {
          state: 'Processing',
          capabilities: [],
          userData: { set: {}, remove: [] },
        })
        assert.equal(again.ok, false)
        assert.ok(!again.ok && again.reason === 'location_changed')
        assert.deepEqual(!again.ok && again.current?.location, ownedByAgent2)

        const missing = await store.moveInteraction(
          CC,
          'ZZZZZZZZZZZZZZZZ',
          inAgentWb,
          ownedByAgent2,
          {
            state: 'x',
            capabilities: [],
            userData: { set: {}, remove: [] },
          },
        )
        assert.deepEqual(missing, { ok: false, reason: 'not_found' })
        const wrongCc = await store.moveInteraction(CC2, id, ownedByAgent2, inAgentWb, {
          state: 'x',
          capabilities: [],
          userData: { set: {}, remove: [] },
        })
        assert.deepEqual(wrongCc, { ok: false, reason: 'not_found' })
      })

      it('lets exactly one of two concurrent pulls win', async () => {
        const id = '0001BaBFVPR20035'
        const patch = { state: 'Processing', capabilities: [], userData: { set: {}, remove: [] } }
        const results = await Promise.all([
          store.moveInteraction(CC, id, inAgentWb, { kind: 'owner', userId: AGENT1 }, patch),
          store.moveInteraction(CC, id, inAgentWb, ownedByAgent2, patch),
        ])
        assert.equal(results.filter((r) => r.ok).length, 1)
        const loser = results.find((r) => !r.ok)
        assert.ok(loser && !loser.ok && loser.reason === 'location_changed')
        const winner = results.find((r) => r.ok)
        assert.deepEqual(
          (await store.getInteraction(CC, id))?.location,
          winner?.ok && winner.interaction.location,
        )
      })

      it('offers, queues and completes with compare-and-set, and lists offers as owned', async () => {
        const id = '0001BaBFVPR20035'
        const none = { set: {}, remove: [] }
        const queued: InteractionLocation = { kind: 'queue', queue: 'Inbound' }
        const offered: InteractionLocation = {
          kind: 'invited',
          userId: AGENT2,
          returnTo: queued,
        }
        const patch = (state: string) => ({ state, capabilities: [], userData: none })
        assert.ok((await store.moveInteraction(CC, id, inAgentWb, queued, patch('Queued'))).ok)
        assert.deepEqual((await store.getInteraction(CC, id))?.location, queued)
        assert.deepEqual(
          await store.listWorkbinContent(CC, { workbinId: WB_AGENT, owner: AGENT1 }),
          [],
        )
        const o = await store.moveInteraction(CC, id, queued, offered, patch('Invited'))
        assert.ok(o.ok)
        assert.deepEqual(o.interaction.location, offered)
        assert.deepEqual(
          (await store.listOwnedInteractions(CC, AGENT2)).map((i) => i.id),
          [id],
        )
        // an answer and the withdrawal race: exactly one wins
        const results = await Promise.all([
          store.moveInteraction(CC, id, offered, ownedByAgent2, patch('Processing')),
          store.moveInteraction(CC, id, offered, queued, patch('Queued')),
        ])
        assert.equal(results.filter((r) => r.ok).length, 1)
        const now = (await store.getInteraction(CC, id)) as Interaction
        const done = await store.moveInteraction(
          CC,
          id,
          now.location,
          { kind: 'completed' },
          patch('Completed'),
        )
        assert.ok(done.ok)
        assert.deepEqual((await store.getInteraction(CC, id))?.location, { kind: 'completed' })
        assert.equal((await store.getInteraction(CC, id))?.state, 'Completed')
        const twice = await store.moveInteraction(
          CC,
          id,
          now.location,
          { kind: 'completed' },
          patch('Completed'),
        )
        assert.ok(!twice.ok && twice.reason === 'location_changed')
        assert.deepEqual(await store.listOwnedInteractions(CC, AGENT2), [])
      })

      it('stamps the offer time and lists offers older than a time, oldest first', async () => {
        const none = { set: {}, remove: [] }
        const queued: InteractionLocation = { kind: 'queue', queue: 'Inbound' }
        const offered: InteractionLocation = {
          kind: 'invited',
          userId: AGENT2,
          returnTo: queued,
        }
        const patch = (state: string) => ({ state, capabilities: [], userData: none })
        const [a, b] = ['AAAAAAAAAAAAAAA1', 'AAAAAAAAAAAAAAA2']
        for (const id of [a, b]) {
          await store.createInteraction(interaction(id))
          assert.ok((await store.moveInteraction(CC, id, inAgentWb, queued, patch('Queued'))).ok)
        }
        const ids = async (before: number, limit = 10) =>
          (await store.listExpiredInvitations(before, limit)).map((i) => i.id)
        assert.deepEqual(await ids(Date.now() + 60_000), [], 'nothing offered yet')
        const beforeA = Date.now() - 1
        assert.ok((await store.moveInteraction(CC, a, queued, offered, patch('Invited'))).ok)
        const afterA = Date.now()
        await new Promise((r) => setTimeout(r, 5))
        assert.ok((await store.moveInteraction(CC, b, queued, offered, patch('Invited'))).ok)
        assert.deepEqual(await ids(beforeA), [])
        assert.deepEqual(await ids(afterA + 1), [a])
        assert.deepEqual(await ids(Date.now() + 1), [a, b])
        assert.deepEqual(await ids(Date.now() + 1, 1), [a], 'bounded, oldest first')
        const listed = (await store.listExpiredInvitations(Date.now() + 1, 1))[0]
        assert.deepEqual(listed, await store.getInteraction(CC, a))
        // leaving `invited` clears the time: withdrawn (back to the queue), accepted
        assert.ok((await store.moveInteraction(CC, a, offered, queued, patch('Queued'))).ok)
        assert.ok((await store.moveInteraction(CC, b, offered, ownedByAgent2, patch('P'))).ok)
        assert.deepEqual(await ids(Date.now() + 60_000), [])
        // offered again: a new time
        await new Promise((r) => setTimeout(r, 2))
        const beforeAgain = Date.now()
        assert.ok((await store.moveInteraction(CC, a, queued, offered, patch('Invited'))).ok)
        assert.deepEqual(await ids(beforeAgain), [])
        assert.deepEqual(await ids(Date.now() + 1), [a])
      })

      it('keeps a transfer invitation apart from an offer: it returns to the transferring agent', async () => {
        const id = '0001BaBFVPR20035'
        const none = { set: {}, remove: [] }
        const patch = (state: string) => ({ state, capabilities: [], userData: none })
        const ownedByAgent1: InteractionLocation = { kind: 'owner', userId: AGENT1 }
        const transferred: InteractionLocation = {
          kind: 'invited',
          userId: AGENT2,
          returnTo: ownedByAgent1,
        }
        const offered: InteractionLocation = {
          kind: 'invited',
          userId: AGENT2,
          returnTo: { kind: 'queue', queue: 'Inbound' },
        }
        assert.ok((await store.moveInteraction(CC, id, inAgentWb, ownedByAgent1, patch('P'))).ok)
        const t = await store.moveInteraction(CC, id, ownedByAgent1, transferred, patch('Invited'))
        assert.ok(t.ok)
        assert.deepEqual(t.interaction.location, transferred)
        assert.deepEqual((await store.getInteraction(CC, id))?.location, transferred)
        // the invitee's, not the transferring agent's; an offer like any other
        assert.deepEqual(
          (await store.listOwnedInteractions(CC, AGENT2)).map((i) => i.id),
          [id],
        )
        assert.deepEqual(await store.listOwnedInteractions(CC, AGENT1), [])
        const expired = await store.listExpiredInvitations(Date.now() + 1, 10)
        assert.deepEqual(
          expired.map((i) => i.location),
          [transferred],
        )
        // compare-and-set compares where it returns: an offer of the same agent is elsewhere
        for (const stale of [offered, ownedByAgent1]) {
          const r = await store.moveInteraction(CC, id, stale, { kind: 'completed' }, patch('C'))
          assert.ok(!r.ok && r.reason === 'location_changed', JSON.stringify(stale))
          const u = await store.updateUserData(CC, id, stale, { set: { k: 'v' }, remove: [] })
          assert.ok(!u.ok && u.reason === 'location_changed', JSON.stringify(stale))
        }
        assert.ok(
          (await store.updateUserData(CC, id, transferred, { set: { k: 'v' }, remove: [] })).ok,
        )
        // refused: back to the agent who transferred it; no longer an offer
        const back = await store.moveInteraction(CC, id, transferred, ownedByAgent1, patch('P'))
        assert.ok(back.ok)
        assert.deepEqual(back.interaction.location, ownedByAgent1)
        assert.equal(back.interaction.userData.k, 'v')
        assert.deepEqual(await store.listExpiredInvitations(Date.now() + 60_000, 10), [])
      })

      it('stamps the completion time and deletes completed interactions older than a time, oldest first, bounded', async () => {
        const none = { set: {}, remove: [] }
        const patch = (state: string) => ({ state, capabilities: [], userData: none })
        const contentIds = async () =>
          (await store.listWorkbinContent(CC, { workbinId: WB_AGENT, owner: AGENT1 })).map(
            (i) => i.id,
          )
        const others = await contentIds()
        assert.ok(others.length > 0)
        const ids = ['CCCCCCCCCCCCCCC1', 'CCCCCCCCCCCCCCC2', 'CCCCCCCCCCCCCCC3', 'CCCCCCCCCCCCCCC4']
        for (const id of ids) await store.createInteraction(interaction(id))
        const complete = async (id: string) =>
          assert.ok(
            (
              await store.moveInteraction(
                CC,
                id,
                inAgentWb,
                { kind: 'completed' },
                patch('Completed'),
              )
            ).ok,
          )
        const [c1, c2, c3, kept] = ids as [string, string, string, string]
        // Not completed: never deleted, whatever the time (queued, in a workbin, handled).
        const queued: InteractionLocation = { kind: 'queue', queue: 'Inbound' }
        assert.ok((await store.moveInteraction(CC, kept, inAgentWb, queued, patch('Queued'))).ok)
        assert.equal(await store.deleteCompletedInteractions(Date.now() + 60_000, 10), 0)
        const before1 = Date.now() - 1
        await complete(c1)
        const after1 = Date.now()
        await new Promise((r) => setTimeout(r, 5))
        await complete(c2)
        await new Promise((r) => setTimeout(r, 5))
        await complete(c3)
        assert.equal(await store.deleteCompletedInteractions(before1, 10), 0, 'none that old')
        assert.equal(await store.deleteCompletedInteractions(after1 + 1, 10), 1, 'only the first')
        assert.equal(await store.getInteraction(CC, c1), undefined)
        assert.equal((await store.getInteraction(CC, c2))?.state, 'Completed')
        assert.equal(await store.deleteCompletedInteractions(Date.now() + 1, 1), 1, 'bounded')
        assert.equal(await store.getInteraction(CC, c2), undefined, 'oldest first')
        assert.equal((await store.getInteraction(CC, c3))?.state, 'Completed')
        assert.equal(await store.deleteCompletedInteractions(Date.now() + 1, 10), 1)
        assert.equal(await store.getInteraction(CC, c3), undefined)
        assert.deepEqual((await store.getInteraction(CC, kept))?.location, queued)
        assert.deepEqual(await contentIds(), others, 'the other interactions stay')
        // A deleted id can be created again (nothing else refers to it).
        await store.createInteraction(interaction(c1))
        assert.equal((await store.getInteraction(CC, c1))?.state, interaction(c1).state)
      })

      it('keeps provisioned queues in the directory', async () => {
        const dir = await store.getDirectory(CC)
        assert.deepEqual(dir?.queues, [
          { id: QUEUE_ID, contactCenterId: CC, name: 'Inbound', description: '', channel: 'chat' },
        ])
        assert.deepEqual((await store.getDirectory(CC2))?.queues, [])
      })

      it('moves between workbin instances and counts follow', async () => {
        const id = '0001BaBFVPR20035'
        const to: InteractionLocation = { kind: 'workbin', workbinId: WB_GROUP, owner: 'Sales' }
        const r = await store.moveInteraction(CC, id, inAgentWb, to, {
          state: 'InWorkbin',
          capabilities: [],
          userData: { set: {}, remove: [] },
        })
        assert.ok(r.ok)
        assert.deepEqual(
          await store.countWorkbinContent(CC, [
            { workbinId: WB_AGENT, owner: AGENT1 },
            { workbinId: WB_GROUP, owner: 'Sales' },
          ]),
          [0, 1],
        )
      })

      it('updates userData with compare-and-set', async () => {
        const id = '0001BaBFVPR20035'
        const set = (userData: Record<string, string>) => ({ set: userData, remove: [] })
        const ok = await store.updateUserData(CC, id, inAgentWb, set({ k: 'v' }))
        assert.ok(ok.ok)
        // merged into the stored userData (the fixture has Workbin)
        const merged = { Workbin: 'testWorkbin', k: 'v' }
        assert.deepEqual((await store.getInteraction(CC, id))?.userData, merged)
        assert.deepEqual(ok.interaction.userData, merged)
        const stale = await store.updateUserData(CC, id, ownedByAgent2, set({ k: 'w' }))
        assert.ok(!stale.ok && stale.reason === 'location_changed')
        assert.deepEqual((await store.getInteraction(CC, id))?.userData, merged)
        const none = await store.updateUserData(CC, 'ZZZZZZZZZZZZZZZZ', inAgentWb, set({}))
        assert.deepEqual(none, { ok: false, reason: 'not_found' })
        const removed = await store.updateUserData(CC, id, inAgentWb, { set: {}, remove: ['k'] })
        assert.ok(removed.ok)
        assert.deepEqual(removed.interaction.userData, { Workbin: 'testWorkbin' })
      })

      it('applies concurrent userData changes to what is stored: none is lost', async () => {
        const id = '0001BaBFVPR20035'
        const changes = Array.from({ length: 20 }, (_, i) => ({
          set: { [`k${i}`]: i },
          remove: [],
        }))
        const results = await Promise.all(
          changes.map((c) => store.updateUserData(CC, id, inAgentWb, c)),
        )
        assert.ok(results.every((r) => r.ok))
        const stored = (await store.getInteraction(CC, id))?.userData ?? {}
        for (let i = 0; i < 20; i++) assert.equal(stored[`k${i}`], i)
        // A move applies its own change (stamps) on top of the stored userData, not of an
        // older copy: keys set in between stay.
        await store.updateUserData(CC, id, inAgentWb, { set: { late: 'yes' }, remove: ['k0'] })
        const moved = await store.moveInteraction(CC, id, inAgentWb, ownedByAgent2, {
          state: 'Processing',
          capabilities: [],
          userData: { set: { Workbin: 'w' }, remove: [] },
        })
        assert.ok(moved.ok)
        assert.equal(moved.interaction.userData.late, 'yes')
        assert.equal(moved.interaction.userData.k0, undefined)
        assert.equal(moved.interaction.userData.k19, 19)
        assert.equal(moved.interaction.userData.Workbin, 'w')
      })

      it('keeps other contact centers apart', async () => {
        await store.createInteraction(
          interaction('OOOOOOOOOOOOOOO1', {
            contactCenterId: CC2,
            location: { kind: 'workbin', workbinId: WB_OTHER, owner: OTHER },
          }),
        )
        assert.equal(await store.getInteraction(CC, 'OOOOOOOOOOOOOOO1'), undefined)
        assert.equal((await store.getInteraction(CC2, 'OOOOOOOOOOOOOOO1'))?.contactCenterId, CC2)
      })
    })

    describe('notification log', () => {
      beforeEach(async () => {
        await store.applyProvisioning(basePlan())
      })
      const mine = { workbinId: WB_AGENT, owner: AGENT1 }
      const group = { workbinId: WB_GROUP, owner: 'Sales' }
      const direct = (userId: string, n: number) => ({
        userId,
        channel: '/v2/me/workbins',
        data: { n },
      })
      const texts = async (userId: string, after = 0) => {
        await store.advanceFeed(userId, 1000)
        const r = await store.readFeed(userId, after, 1000)
        assert.ok(r.ok)
        return r.messages.map((m) => [m.seq, JSON.parse(m.data) as unknown])
      }

      it('numbers nothing at append: an advance of the feed does', async () => {
        await store.appendNotifications([direct(AGENT1, 1)])
        const read = await store.readFeed(AGENT1, 0, 10)
        assert.ok(read.ok)
        assert.equal(read.messages.length, 0)
        assert.equal(await store.advanceFeed(AGENT1, 10), 1)
      })

      it('numbers direct entries per user, in order, from 1', async () => {
        await store.appendNotifications([direct(AGENT1, 1), direct(AGENT2, 2), direct(AGENT1, 3)])
        assert.deepEqual(await texts(AGENT1), [
          [1, { n: 1 }],
          [2, { n: 3 }],
        ])
        assert.deepEqual(await texts(AGENT2), [[1, { n: 2 }]])
        assert.deepEqual(await texts(AGENT1, 1), [[2, { n: 3 }]])
      })

      it('gives an instance entry to its subscribers of the time, the owner variant, not the excluded', async () => {
        await store.addSubscriptions(AGENT1, [mine, group])
        await store.addSubscriptions(SUP1, [mine])
        await store.appendNotifications([
          {
            instance: mine,
            channel: '/v2/me/workbins',
            data: { who: 'others' },
            owner: { userId: AGENT1, data: { who: 'owner' } },
          },
          { instance: group, channel: '/v2/me/workbins', data: { g: 1 }, exclude: [SUP1, AGENT1] },
        ])
        // AGENT2 subscribes after the entries: they are not his.
        await store.addSubscriptions(AGENT2, [group])
        assert.deepEqual(await texts(AGENT1), [[1, { who: 'owner' }]])
        assert.deepEqual(await texts(SUP1), [[1, { who: 'others' }]])
        assert.deepEqual(await texts(AGENT2), [])
        // Unsubscribing first numbers what was pending: SUP1 keeps the entry from before.
        await store.appendNotifications([{ instance: mine, channel: '/c', data: { late: 1 } }])
        await store.removeSubscriptions(SUP1, [mine])
        await store.appendNotifications([{ instance: mine, channel: '/c', data: { after: 1 } }])
        assert.deepEqual(await texts(SUP1, 1), [[2, { late: 1 }]])
      })

      it('appends with a change only when it commits', async () => {
        await store.addSubscriptions(AGENT1, [mine], [direct(AGENT1, 7)])
        await store.removeSubscriptions(AGENT1, [mine, group], (existed) => [
          { userId: AGENT1, channel: '/c', data: { existed } },
        ])
        await store.createInteraction(interaction('LOGLOGLOGLOGLOG1'))
        const ix = (await store.getInteraction(CC, 'LOGLOGLOGLOGLOG1'))!
        const wrong = await store.moveInteraction(
          CC,
          ix.id,
          ownedByAgent2,
          inAgentWb,
          { state: 'InWorkbin', capabilities: [], userData: { set: {}, remove: [] } },
          () => [direct(AGENT1, 99)],
        )
        assert.equal(wrong.ok, false)
        const moved = await store.moveInteraction(
          CC,
          ix.id,
          ix.location,
          inAgentWb,
          { state: 'InWorkbin', capabilities: [], userData: { set: {}, remove: [] } },
          (m) => [{ userId: AGENT1, channel: '/c', data: { state: m.state } }],
        )
        assert.equal(moved.ok, true)
        // One instance: the entries of the answer that happened, whichever it is.
        const single = (existed: boolean[]) => [
          { userId: AGENT1, channel: '/c', data: { single: existed } },
        ]
        assert.deepEqual(await store.removeSubscriptions(AGENT1, [mine], single), [false])
        await store.addSubscriptions(AGENT1, [group])
        assert.deepEqual(await store.removeSubscriptions(AGENT1, [group], single), [true])
        assert.deepEqual(await texts(AGENT1), [
          [1, { n: 7 }],
          [2, { existed: [true, false] }],
          [3, { state: 'InWorkbin' }],
          [4, { single: [false] }],
          [5, { single: [true] }],
        ])
      })

      it('advanceAndReadFeed answers as advanceFeed then readFeed', async () => {
        // SUP1 is read in one call, AGENT2 in two: the same entries, the same answers.
        await store.addSubscriptions(SUP1, [mine])
        await store.addSubscriptions(AGENT2, [mine])
        await store.appendNotifications([
          {
            instance: mine,
            channel: '/c',
            data: { n: 1 },
            owner: { userId: SUP1, data: { o: 1 } },
          },
          { instance: mine, channel: '/c', data: { n: 2 }, exclude: [AGENT2] },
          { instance: mine, channel: '/c', data: { n: 3 } },
        ])
        await store.appendNotifications([direct(SUP1, 4), direct(AGENT2, 4)])
        const data = (r: FeedRead) => (r.ok ? r.messages.map((m) => [m.seq, m.data]) : r)
        const twoCalls = async (after: number, limit: number) => {
          await store.advanceFeed(AGENT2, limit)
          return store.readFeed(AGENT2, after, limit)
        }
        const one = [
          await store.advanceAndReadFeed(SUP1, 0, 2),
          await store.advanceAndReadFeed(SUP1, 2, 2),
          await store.advanceAndReadFeed(SUP1, 4, 2),
          await store.advanceAndReadFeed(SUP1, 9, 2),
        ]
        const two = [
          await twoCalls(0, 2),
          await twoCalls(2, 2),
          await twoCalls(3, 2),
          await twoCalls(9, 2),
        ]
        assert.deepEqual(one.map(data), [
          [
            [1, '{"o":1}'],
            [2, '{"n":2}'],
          ],
          [
            [3, '{"n":3}'],
            [4, '{"n":4}'],
          ],
          [],
          { ok: false, reason: 'future', seq: 4 },
        ])
        assert.deepEqual(two.map(data), [
          [
            [1, '{"n":1}'],
            [2, '{"n":3}'],
          ],
          [[3, '{"n":4}']],
          [],
          { ok: false, reason: 'future', seq: 3 },
        ])
      })

      it('refuses a future position and a swept one; advance is bounded by its limit', async () => {
        // Instance entries are always numbered lazily (direct ones may be numbered at append).
        await store.addSubscriptions(AGENT1, [mine])
        const shared = (n: number) => ({ instance: mine, channel: '/c', data: { n } })
        await store.appendNotifications([shared(1), shared(2), shared(3)])
        assert.equal(await store.advanceFeed(AGENT1, 2), 2)
        assert.equal(await store.advanceFeed(AGENT1, 2), 3)
        assert.deepEqual(await store.readFeed(AGENT1, 4, 10), {
          ok: false,
          reason: 'future',
          seq: 3,
        })
        const swept = await store.sweepNotifications(Date.now() + 1000, 2)
        assert.equal(swept, 2)
        assert.deepEqual(await store.readFeed(AGENT1, 0, 10), { ok: false, reason: 'gone', seq: 3 })
        const rest = await store.readFeed(AGENT1, 2, 10)
        assert.ok(rest.ok && rest.messages.length === 1 && rest.messages[0]!.seq === 3)
        // A feed first read after a sweep starts at the sweep: it never had a number to replay from.
        await store.appendNotifications([direct(AGENT2, 1)])
        await store.sweepNotifications(Date.now() + 1000, 100)
        await store.appendNotifications([direct(AGENT2, 2)])
        assert.equal(await store.advanceFeed(AGENT2, 10), 1)
        assert.equal((await store.readFeed(AGENT2, 0, 10)).ok, true)
      })

      it('sweeps only entries older than the cut, oldest first, at most the limit', async () => {
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
        await store.appendNotifications([direct(AGENT1, 1), direct(AGENT1, 2), direct(AGENT1, 3)])
        await sleep(5)
        const cut = Date.now()
        await sleep(5)
        await store.appendNotifications([direct(AGENT1, 4)])
        assert.equal(await store.sweepNotifications(cut, 2), 2)
        assert.equal(await store.sweepNotifications(cut, 2), 1)
        assert.equal(await store.sweepNotifications(cut, 2), 0)
        // Entry 4 is kept: the feed's newest message (numbered at append or after the sweep).
        const seq = await store.advanceFeed(AGENT1, 10)
        const read = await store.readFeed(AGENT1, seq - 1, 10)
        assert.ok(read.ok, JSON.stringify(read))
        assert.deepEqual(
          read.messages.map((m) => JSON.parse(m.data) as unknown),
          [{ n: 4 }],
        )
      })

      it('stores CometD sessions; positions only grow; idle ones are swept', async () => {
        const s = { clientId: 'c1', userId: AGENT1, record: '{"x":1}', position: 3, lastSeen: 1000 }
        await store.saveCometdSession(s)
        assert.deepEqual(await store.getCometdSession('c1'), s)
        const missing = await store.touchCometdSessions([
          { clientId: 'c1', position: 2, lastSeen: 2000 },
          { clientId: 'nope', position: 9, lastSeen: 2000 },
        ])
        assert.deepEqual(missing, ['nope'], 'the sessions not stored are reported')
        assert.equal((await store.getCometdSession('c1'))?.position, 3)
        await store.touchCometdSessions([{ clientId: 'c1', position: 5, lastSeen: 3000 }])
        await store.saveCometdSession({ ...s, record: '{"x":2}', position: 0, lastSeen: 3500 })
        assert.deepEqual(await store.getCometdSession('c1'), {
          ...s,
          record: '{"x":2}',
          position: 5,
          lastSeen: 3500,
        })
        await store.saveCometdSession({ ...s, clientId: 'c2', userId: AGENT2 })
        await store.saveCometdSession({ ...s, clientId: 'c3', userId: AGENT2 })
        assert.equal(await store.deleteCometdSessionsOfUser(AGENT2), 2)
        assert.equal(await store.getCometdSession('c2'), undefined)
        assert.ok(await store.getCometdSession('c1'), 'other users keep theirs')
        assert.equal(await store.deleteCometdSessionsIdleSince(3000), 0)
        assert.equal(await store.deleteCometdSessionsIdleSince(4000), 1)
        assert.equal(await store.getCometdSession('c1'), undefined)
      })
    })

    describe('agent states and media channels', () => {
      beforeEach(async () => {
        await store.applyProvisioning(basePlan())
        await store.createSession({
          id: 's-ch',
          userId: AGENT1,
          csrfToken: 'x',
          createdAt: 0,
          lastSeenAt: 0,
        })
      })

      it('provisions agent states with the contact center; the same plan again changes nothing', async () => {
        const plan = basePlan()
        const agentStates = [
          { state: 'NotReady' as const, displayName: 'Lunch', reasonCode: 'Lunch' },
          { state: 'Ready' as const, displayName: 'Available' },
        ]
        plan.contactCenters[0]!.contactCenter.agentStates = agentStates
        assert.equal((await store.applyProvisioning(plan)).changed.contactCenters, 1)
        assert.deepEqual((await store.getContactCenter(CC))?.agentStates, agentStates)
        assert.equal((await store.applyProvisioning(plan)).changed.contactCenters, 0)
        assert.equal((await store.getContactCenter(CC2))?.agentStates, undefined)
      })

      it('sets, keeps and drops channels; new ones start NotReady', async () => {
        const first = await store.setChannels(AGENT1, ['chat', 'email'], 1000)
        assert.deepEqual(first, [
          { channel: 'chat', state: 'NotReady', reasonCode: null, since: 1000 },
          { channel: 'email', state: 'NotReady', reasonCode: null, since: 1000 },
        ])
        const ready = await store.setChannelState(AGENT1, 'email', 'Ready', null, 2000)
        assert.deepEqual(ready, { channel: 'email', state: 'Ready', reasonCode: null, since: 2000 })
        const away = await store.setChannelState(AGENT1, 'chat', 'NotReady', 'Lunch', 2500)
        assert.equal(away?.reasonCode, 'Lunch')
        // email keeps its state, chat goes, workitem is new
        assert.deepEqual(await store.setChannels(AGENT1, ['workitem', 'email'], 3000), [
          { channel: 'workitem', state: 'NotReady', reasonCode: null, since: 3000 },
          { channel: 'email', state: 'Ready', reasonCode: null, since: 2000 },
        ])
        assert.deepEqual(await store.listChannels(AGENT1), await store.listChannels(AGENT1))
        assert.equal(await store.setChannelState(AGENT1, 'chat', 'Ready', null, 4000), undefined)
        assert.deepEqual(await store.listChannels(AGENT2), [])
        assert.equal(await store.clearChannels(AGENT1), 2)
        assert.deepEqual(await store.listChannels(AGENT1), [])
      })

      it('a user’s channels go with their last HTTP session', async () => {
        await store.setChannels(AGENT1, ['chat'], 1000)
        await store.setChannelState(AGENT1, 'chat', 'Ready', null, 1000)
        await store.deleteSession('s-ch')
        assert.deepEqual(await store.listChannels(AGENT1), [])
      })
    })
    contentPageContract(() => store)
    userDataLimitContract(() => store)
  })
}
