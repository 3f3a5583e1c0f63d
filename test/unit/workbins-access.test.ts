// Who may act on which workbin instance and the synchronous errors of Subscribe / Unsubscribe
// (docs/workbins-subscriptions.md "Who may do what", "Errors"), as a table over
// src/workbins/access.ts (every role × every workbin type × /me and /users/{userId}). The same
// rules are driven through HTTP + CometD in subscriptions-*.test.ts; this file covers the whole
// matrix quickly and shows each decision in one line.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { GwsError } from '../../src/errors.ts'
import type { Directory, Role, User } from '../../src/model.ts'
import {
  actorFor,
  canActOnUser,
  resolveInstance,
  resolveInstances,
} from '../../src/workbins/access.ts'
import type { TargetSpec } from '../../src/workbins/operation.ts'
import { parseWorkbinIds } from '../../src/workbins/workbin-ids.ts'
import { subscriptionStateMessage } from '../../src/workbins/messages.ts'
import { U, WB, type UserName, subscriptionDocument } from '../helpers/fixtures/subscriptions.ts'

type Doc = ReturnType<typeof subscriptionDocument>
type CcDoc = Doc['contactCenters'][number]

/** The Directory the store would build from the provisioning document. */
function directoryOf(cc: CcDoc): Directory {
  const idOf = (name: string) => U[name as UserName]
  const c = cc as CcDoc & {
    places?: { name: string; placeGroups?: string[] }[]
    placeGroups?: { name: string }[]
    agentGroups?: { name: string; members: string[]; supervisors: string[] }[]
  }
  return {
    contactCenter: { id: cc.id, name: cc.name, features: cc.features },
    version: 1,
    users: cc.users.map((u): User => ({
      id: u.id,
      contactCenterId: cc.id,
      userName: u.userName,
      passwordHash: 'x',
      firstName: u.firstName,
      lastName: u.lastName,
      roles: u.roles as Role[],
      place: (u as { place?: string }).place ?? null,
    })),
    places: (c.places ?? []).map((p) => ({
      contactCenterId: cc.id,
      name: p.name,
      placeGroups: p.placeGroups ?? [],
    })),
    placeGroups: (c.placeGroups ?? []).map((g) => ({ contactCenterId: cc.id, name: g.name })),
    agentGroups: (c.agentGroups ?? []).map((g) => ({
      contactCenterId: cc.id,
      name: g.name,
      members: g.members.map(idOf),
      supervisors: g.supervisors.map(idOf),
    })),
    queues: [],
    workbins: cc.workbins.map((w) => ({
      ...w,
      contactCenterId: cc.id,
      type: w.type as Directory['workbins'][number]['type'],
    })),
  }
}

const directories = subscriptionDocument().contactCenters.map(directoryOf)

/** A store with only what access.ts reads; current places set per test. */
function fakeStore(currentPlaces: Record<string, string> = {}) {
  return {
    getDirectory: async (id: string) => directories.find((d) => d.contactCenter.id === id),
    getDirectoryVersion: async (id: string) =>
      directories.find((d) => d.contactCenter.id === id)?.version,
    getCurrentPlace: async (userId: string) => currentPlaces[userId] ?? null,
    getPlaceOccupant: async (_cc: string, place: string) =>
      Object.entries(currentPlaces).find(([, p]) => p === place)?.[0] ?? null,
  }
}

async function actor(name: UserName, currentPlaces: Record<string, string> = {}) {
  const store = fakeStore(currentPlaces)
  const directory = directories.find((d) => d.users.some((u) => u.id === U[name]))!
  const user = directory.users.find((u) => u.id === U[name])!
  return { store, actor: await actorFor(store, user, directory.contactCenter) }
}

type Expect =
  | { owner: string; workbinUserId?: string; agentGroup?: string; placeGroup?: string }
  | { status: number; code: number }

async function outcome(
  who: UserName,
  workbinId: string,
  spec: TargetSpec,
  currentPlaces?: Record<string, string>,
): Promise<Expect> {
  const { store, actor: a } = await actor(who, currentPlaces)
  try {
    const r = await resolveInstance(store, a, workbinId, spec)
    assert.equal(r.instance.workbinId, workbinId)
    assert.equal(r.workbin.id, workbinId)
    const out: Expect = { owner: r.instance.owner }
    if (r.workbinUserId !== undefined) out.workbinUserId = r.workbinUserId
    if (r.agentGroup !== undefined) out.agentGroup = r.agentGroup
    if (r.placeGroup !== undefined) out.placeGroup = r.placeGroup
    return out
  } catch (err) {
    if (!(err instanceof GwsError)) throw err
    return { status: err.httpStatus, code: err.statusCode }
  }
}

const NOT_FOUND = { status: 404, code: 6 }
const FORBIDDEN = { status: 403, code: 5 }
const INVALID = { status: 400, code: 2 }

// [who, workbin, spec, expected, current places?]
const CASES: [UserName, string, TargetSpec, Expect, Record<string, string>?][] = [
  // --- an agent on /me (= /workbins/{id}) -----------------------------------------------------
  ['agent1', WB.agent, {}, { owner: U.agent1 }],
  ['agent1', WB.place, {}, { owner: 'P1' }],
  ['agent1', WB.place, {}, { owner: 'P2' }, { [U.agent1]: 'P2' }], // the current place wins
  ['agent3', WB.place, {}, INVALID], // no place at all
  ['agent3', WB.place, {}, { owner: 'P2' }, { [U.agent3]: 'P2' }],
  ['agent1', WB.agentGroup, { agentGroup: 'Sales' }, { owner: 'Sales', agentGroup: 'Sales' }],
  ['agent1', WB.agentGroup, { agentGroup: 'Support' }, FORBIDDEN], // not a member
  ['agent1', WB.agentGroup, { agentGroup: 'Nope' }, INVALID], // unknown group
  ['agent1', WB.agentGroup, {}, INVALID], // missing group parameter
  ['agent1', WB.agentGroup, { agentGroup: '' }, INVALID],
  ['agent1', WB.agentGroup, { placeGroup: 'North' }, INVALID], // wrong group parameter
  ['agent1', WB.placeGroup, { placeGroup: 'North' }, { owner: 'North', placeGroup: 'North' }],
  ['agent1', WB.placeGroup, { placeGroup: 'South' }, FORBIDDEN], // P1 is not in South
  [
    'agent1',
    WB.placeGroup,
    { placeGroup: 'South' },
    { owner: 'South', placeGroup: 'South' },
    {
      [U.agent1]: 'P2',
    },
  ], // the current place's groups count
  ['agent1', WB.placeGroup, { placeGroup: 'West' }, INVALID],
  ['agent1', WB.placeGroup, {}, INVALID],
  ['agent1', WB.placeGroup, { agentGroup: 'Sales' }, INVALID],
  ['agent3', WB.placeGroup, { placeGroup: 'North' }, FORBIDDEN], // no place, no place group
  ['agent1', WB.agent, { agentGroup: 'Sales' }, INVALID], // group parameter on an Agent workbin
  ['agent1', WB.place, { placeGroup: 'North' }, INVALID],
  ['agent1', WB.unknown, {}, NOT_FOUND],
  ['agent1', WB.otherCc, {}, NOT_FOUND], // another contact center's workbin does not exist here
  ['agentB', WB.agent, {}, NOT_FOUND],
  ['agentB', WB.otherCc, {}, { owner: U.agentB }],
  // --- an agent on /users/{userId} -------------------------------------------------------------
  ['agent1', WB.agent, { userId: U.agent1 }, { owner: U.agent1, workbinUserId: U.agent1 }],
  ['agent1', WB.agent, { userId: U.agent3 }, FORBIDDEN], // same group, but not a supervisor
  ['agent1', WB.agent, { userId: U.sup1 }, FORBIDDEN],
  ['agent1', WB.agent, { userId: 'ffffffffffffffffffffffffffffffff' }, NOT_FOUND],
  ['agent1', WB.agent, { userId: U.agentB }, NOT_FOUND], // never across contact centers
  ['agent1', WB.unknown, { userId: U.agent3 }, FORBIDDEN], // the user is checked first
  // --- a supervisor ----------------------------------------------------------------------------
  ['sup1', WB.agent, {}, { owner: U.sup1 }],
  ['sup1', WB.agent, { userId: U.agent1 }, { owner: U.agent1, workbinUserId: U.agent1 }],
  ['sup1', WB.agent, { userId: U.agent3 }, { owner: U.agent3, workbinUserId: U.agent3 }],
  ['sup1', WB.agent, { userId: U.agent2 }, FORBIDDEN], // Support is not supervised by sup1
  ['sup1', WB.agent, { userId: U.admin1 }, FORBIDDEN],
  ['sup1', WB.agent, { userId: U.agentB }, NOT_FOUND],
  ['sup1', WB.place, { userId: U.agent1 }, { owner: 'P1', workbinUserId: U.agent1 }],
  [
    'sup1',
    WB.place,
    { userId: U.agent1 },
    { owner: 'P2', workbinUserId: U.agent1 },
    {
      [U.agent1]: 'P2',
    },
  ], // the agent's current place, read from the store
  ['sup1', WB.place, { userId: U.agent3 }, INVALID], // the agent has no place
  ['sup1', WB.place, {}, { owner: 'P3' }],
  ['sup1', WB.agentGroup, { agentGroup: 'Sales' }, { owner: 'Sales', agentGroup: 'Sales' }],
  ['sup1', WB.agentGroup, { agentGroup: 'Support' }, FORBIDDEN],
  [
    'sup1',
    WB.agentGroup,
    { userId: U.agent1, agentGroup: 'Sales' },
    { owner: 'Sales', agentGroup: 'Sales', workbinUserId: U.agent1 },
  ],
  ['sup1', WB.agentGroup, { userId: U.agent1, agentGroup: 'Support' }, FORBIDDEN],
  ['sup1', WB.placeGroup, { placeGroup: 'North' }, { owner: 'North', placeGroup: 'North' }],
  ['sup1', WB.placeGroup, { placeGroup: 'South' }, FORBIDDEN],
  [
    'sup1',
    WB.placeGroup,
    { userId: U.agent1, placeGroup: 'North' },
    { owner: 'North', placeGroup: 'North', workbinUserId: U.agent1 },
  ],
  ['sup1', WB.placeGroup, { userId: U.agent1, placeGroup: 'South' }, FORBIDDEN],
  // --- admin and apiuser: the whole contact center, nothing else -------------------------------
  ['admin1', WB.agent, { userId: U.agent2 }, { owner: U.agent2, workbinUserId: U.agent2 }],
  ['admin1', WB.agent, { userId: U.sup1 }, { owner: U.sup1, workbinUserId: U.sup1 }],
  ['api1', WB.agent, { userId: U.agent2 }, { owner: U.agent2, workbinUserId: U.agent2 }],
  ['admin1', WB.agentGroup, { agentGroup: 'Support' }, { owner: 'Support', agentGroup: 'Support' }],
  ['api1', WB.placeGroup, { placeGroup: 'South' }, { owner: 'South', placeGroup: 'South' }],
  ['admin1', WB.agentGroup, { userId: U.agent2, agentGroup: 'Sales' }, FORBIDDEN], // agent2 not in Sales
  ['admin1', WB.place, {}, INVALID], // an admin without a place has no Place workbin
  ['admin1', WB.place, { userId: U.agent2 }, { owner: 'P2', workbinUserId: U.agent2 }],
  ['adminB', WB.agent, { userId: U.agent1 }, NOT_FOUND],
  ['adminB', WB.agent, {}, NOT_FOUND],
]

describe('access: resolveInstance over roles × workbin types', () => {
  for (const [who, wb, spec, expected, places] of CASES) {
    const name = `${who} ${Object.entries(spec)
      .map(([k, v]) => `${k}=${v === '' ? "''" : v}`)
      .join(' ')} ${Object.keys(WB).find((k) => WB[k as keyof typeof WB] === wb)}${
      places ? ` (current places ${JSON.stringify(places)})` : ''
    } → ${JSON.stringify(expected)}`
    test(name, async () => {
      assert.deepEqual(await outcome(who, wb, spec, places), expected)
    })
  }
})

describe('access: resolveInstances (workbinIds) is all-or-nothing', () => {
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p
      return 'ok'
    } catch (err) {
      assert.ok(err instanceof GwsError)
      return `${err.httpStatus}/${err.statusCode}`
    }
  }

  test('resolves every workbin in order; group parameters apply to group workbins only', async () => {
    const { store, actor: a } = await actor('agent1')
    const r = await resolveInstances(store, a, [WB.agent, WB.agentGroup, WB.place], {
      agentGroup: 'Sales',
    })
    assert.deepEqual(
      r.map((t) => [t.workbin.id, t.instance.owner, t.agentGroup]),
      [
        [WB.agent, U.agent1, undefined],
        [WB.agentGroup, 'Sales', 'Sales'],
        [WB.place, 'P1', undefined],
      ],
    )
  })

  test('one unknown workbin fails the whole request with 404/6, even after a forbidden one', async () => {
    const { store, actor: a } = await actor('agent1')
    assert.equal(await codeOf(resolveInstances(store, a, [WB.agent, WB.unknown], {})), '404/6')
    assert.equal(
      await codeOf(
        resolveInstances(store, a, [WB.agentGroup, WB.unknown], { agentGroup: 'Support' }),
      ),
      '404/6',
    )
  })

  test('one forbidden instance fails the whole request with 403/5', async () => {
    const { store, actor: a } = await actor('agent1')
    assert.equal(
      await codeOf(
        resolveInstances(store, a, [WB.agent, WB.agentGroup], { agentGroup: 'Support' }),
      ),
      '403/5',
    )
  })

  test('a group parameter no listed workbin takes, or a group workbin without one: 400/2', async () => {
    const { store, actor: a } = await actor('agent1')
    assert.equal(
      await codeOf(resolveInstances(store, a, [WB.agent, WB.agent2], { agentGroup: 'Sales' })),
      '400/2',
    )
    assert.equal(await codeOf(resolveInstances(store, a, [WB.agent, WB.agentGroup], {})), '400/2')
  })

  test('a user not visible fails first (403/5); by user every instance names that user', async () => {
    const { store, actor: a } = await actor('sup1')
    assert.equal(
      await codeOf(resolveInstances(store, a, [WB.agent], { userId: U.agent2 })),
      '403/5',
    )
    const r = await resolveInstances(store, a, [WB.agent, WB.agent2], { userId: U.agent1 })
    assert.deepEqual(
      r.map((t) => [t.instance.owner, t.workbinUserId]),
      [
        [U.agent1, U.agent1],
        [U.agent1, U.agent1],
      ],
    )
  })
})

describe('access: canActOnUser', () => {
  test('supervisor only on members of supervised groups; admin on everyone of the contact center', async () => {
    const users = directories[0]!.users
    const byId = (id: string) => users.find((u) => u.id === id)!
    const { actor: sup } = await actor('sup1')
    const { actor: admin } = await actor('admin1')
    const { actor: agent } = await actor('agent1')
    assert.deepEqual(
      [U.agent1, U.agent2, U.agent3, U.sup1, U.admin1].map((id) => canActOnUser(sup, byId(id))),
      [true, false, true, true, false],
    )
    assert.deepEqual(
      [U.agent1, U.agent2, U.sup1, U.api1].map((id) => canActOnUser(admin, byId(id))),
      [true, true, true, true],
    )
    assert.deepEqual(
      [U.agent1, U.agent3].map((id) => canActOnUser(agent, byId(id))),
      [true, false],
    )
  })
})

describe('parseWorkbinIds', () => {
  test('splits, trims, drops blanks and duplicates', () => {
    assert.deepEqual(parseWorkbinIds(' a, b,,a ,', 10), ['a', 'b'])
    assert.deepEqual(parseWorkbinIds(['a,b', 'c'], 10), ['a', 'b', 'c'])
  })
  test('missing or empty → 400/1; over the limit → 400/10', () => {
    for (const raw of [undefined, '', ' , ']) {
      assert.throws(
        () => parseWorkbinIds(raw, 10),
        (e: unknown) => e instanceof GwsError && e.statusCode === 1 && e.httpStatus === 400,
      )
    }
    assert.throws(
      () => parseWorkbinIds('a,b,c', 2),
      (e: unknown) => e instanceof GwsError && e.statusCode === 10 && e.httpStatus === 400,
    )
  })
})

describe('subscriptionStateMessage', () => {
  test('optional fields are absent unless given; statusMessage only with RequestFailed', () => {
    assert.deepEqual(subscriptionStateMessage({ workbinId: WB.agent }, 'Subscribed', 14), {
      messageType: 'WorkbinSubscriptionStateChangeMessage',
      id: WB.agent,
      stateResource: 'Subscribed',
      referenceId: 14,
    })
    assert.deepEqual(
      subscriptionStateMessage(
        { workbinId: WB.agentGroup, workbinUserId: U.agent1, agentGroup: 'Sales' },
        'RequestFailed',
        3,
        'not subscribed',
      ),
      {
        messageType: 'WorkbinSubscriptionStateChangeMessage',
        id: WB.agentGroup,
        stateResource: 'RequestFailed',
        referenceId: 3,
        workbinUserId: U.agent1,
        agentGroup: 'Sales',
        statusMessage: 'not subscribed',
      },
    )
    assert.equal(
      'statusMessage' in subscriptionStateMessage({ workbinId: 'x' }, 'Unsubscribed', 1, 'ignored'),
      false,
    )
  })
})
