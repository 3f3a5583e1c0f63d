// src/workbins/directory-index.ts: lookup tables per directory snapshot. A new snapshot (a new
// provisioning version) gets its own tables, so a change of membership is seen at once; the
// old snapshot keeps answering as it did for requests still using it.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Directory, User } from '../../src/model.ts'
import { canActOnUser, supervisedReach } from '../../src/workbins/access.ts'
import { indexOf } from '../../src/workbins/directory-index.ts'
import type { Actor } from '../../src/workbins/operation.ts'

const CC = 'cc'
const contactCenter = { id: CC, name: 'CC', features: ['api-multimedia'] }

function user(id: string, roles: User['roles'], place: string | null = null): User {
  return {
    id,
    contactCenterId: CC,
    userName: `name-${id}`,
    passwordHash: 'x',
    firstName: id,
    lastName: id,
    roles,
    place,
  }
}

function directory(version: number, members: string[]): Directory {
  return {
    contactCenter,
    version,
    users: [
      user('sup', ['agent', 'supervisor']),
      user('a1', ['agent'], 'P1'),
      user('a2', ['agent'], 'P2'),
      user('a3', ['agent'], 'P1'),
    ],
    places: [
      { contactCenterId: CC, name: 'P1', placeGroups: ['North'] },
      { contactCenterId: CC, name: 'P2', placeGroups: ['South', 'North'] },
    ],
    placeGroups: [
      { contactCenterId: CC, name: 'North' },
      { contactCenterId: CC, name: 'South' },
    ],
    agentGroups: [
      { contactCenterId: CC, name: 'Sales', members, supervisors: ['sup'] },
      { contactCenterId: CC, name: 'Other', members: ['a3'], supervisors: [] },
    ],
    workbins: [],
    queues: [],
  }
}

function actorOf(dir: Directory, id: string): Actor {
  const me = dir.users.find((u) => u.id === id)!
  return { user: me, contactCenter, directory: dir, currentPlace: null }
}

describe('directory index', () => {
  it("a supervisor's reach: the members, their default places and those places' groups", () => {
    const v1 = directory(1, ['a1', 'a2'])
    const reach = supervisedReach(v1, actorOf(v1, 'sup').user)
    assert.deepEqual([...reach.members].sort(), ['a1', 'a2'])
    assert.deepEqual([...reach.places].sort(), ['P1', 'P2'])
    assert.deepEqual([...reach.placeGroups].sort(), ['North', 'South'])
    assert.deepEqual(
      reach.groups.map((g) => g.name),
      ['Sales'],
    )
    // without the supervisor role nothing is reached, whatever the groups say
    const noRole = { ...actorOf(v1, 'sup').user, roles: ['agent' as const] }
    assert.equal(supervisedReach(v1, noRole).members.size, 0)
    assert.equal(indexOf(v1), indexOf(v1), 'built once per snapshot')
  })

  it('a new directory version is indexed anew; the old snapshot is unchanged', () => {
    const v1 = directory(1, ['a1', 'a2'])
    const v2 = directory(2, ['a1'])
    assert.equal(canActOnUser(actorOf(v1, 'sup'), v1.users[2]!), true)
    assert.equal(canActOnUser(actorOf(v2, 'sup'), v2.users[2]!), false)
    assert.deepEqual([...supervisedReach(v2, v2.users[0]!).placeGroups], ['North'])
    assert.equal(canActOnUser(actorOf(v1, 'sup'), v1.users[2]!), true)
    assert.equal(indexOf(v2).userByName.get('name-a3')?.id, 'a3')
    assert.equal(indexOf(v2).membersOf.get('Other')?.has('a3'), true)
  })
})
