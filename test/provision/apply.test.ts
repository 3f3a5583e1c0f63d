// applyDocument and provisionAtStart (docs/provisioning.md): names resolved, defaults filled,
// interactions stamped, idempotent, all-or-nothing, no clash with another contact center.

import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { GwsError } from '../../src/errors.ts'
import {
  applyDocument,
  DEFAULT_CAPABILITIES,
  loadDemoDocument,
  provisionAtStart,
  ProvisionError,
  receivedAtMs,
  summarize,
  validateDocument,
} from '../../src/provision/index.ts'
import { verifyPassword } from '../../src/store/password.ts'
import type { SqliteStore } from '../../src/store/sqlite/index.ts'
import {
  AGENT1,
  AGENT2,
  baseDoc,
  CC,
  CC2,
  type Doc,
  dump,
  freshStore,
  tempPath,
  WB_AGENT,
  WB_GROUP,
  WB_PLACE,
  WB_PLACE_GROUP,
} from './helpers.ts'

const DEMO_CC = '0851b5d7-1280-432c-9bb7-d22c2aeab2d5'
const OTHER1 = 'f0f0f0f0f0f0f0f0f0f0f0f0f0f00001'
const zero = (r: { changed: Record<string, number> }) =>
  Object.values(r.changed).every((n) => n === 0)

let store: SqliteStore
beforeEach(async () => {
  store = await freshStore()
})
afterEach(() => store.close())

async function rejectsAt(doc: Doc, path: string): Promise<void> {
  const before = dump(store)
  await assert.rejects(applyDocument(store, doc), (err: unknown) => {
    assert.ok(err instanceof ProvisionError, String(err))
    assert.equal(err.issues[0]?.path, path, err.message)
    return true
  })
  assert.deepEqual(dump(store), before, 'a refused document changed the store')
}

describe('the demo document', () => {
  it('validates and loads, and a second load changes nothing', async () => {
    const demo = await loadDemoDocument()
    validateDocument(demo)
    const first = await applyDocument(store, demo)
    assert.equal(first.changed.contactCenters, 2)
    assert.ok(first.changed.users >= 6 && first.changed.interactions >= 5, summarize(first))
    const version = await store.getDirectoryVersion(DEMO_CC)
    const second = await applyDocument(store, await loadDemoDocument())
    assert.ok(zero(second), summarize(second))
    assert.equal(await store.getDirectoryVersion(DEMO_CC), version)
  })

  it('has the documented logins, groups and sample objects', async () => {
    await applyDocument(store, await loadDemoDocument())
    for (const [name, pw, role] of [
      ['agent1', 'agent1pass', 'agent'],
      ['agent2', 'agent2pass', 'agent'],
      ['sup1', 'sup1pass', 'supervisor'],
      ['admin1', 'admin1pass', 'admin'],
      ['api1', 'api1pass', 'apiuser'],
      ['other1', 'other1pass', 'agent'],
    ] as const) {
      const u = await store.getUserByName(name)
      assert.ok(u, name)
      assert.ok(verifyPassword(pw, u.passwordHash), `${name} password`)
      assert.ok(u.roles.includes(role), `${name} roles`)
    }
    assert.equal((await store.getUserByName('agent1'))?.id, AGENT1)
    const dir = await store.getDirectory(DEMO_CC)
    assert.ok(dir?.contactCenter.features.includes('api-multimedia'))
    const sales = dir?.agentGroups.find((g) => g.name === 'Sales')
    const sup1 = await store.getUserByName('sup1')
    assert.deepEqual(sales?.supervisors, [sup1?.id])
    assert.equal(sales?.members.length, 2)
    const types = new Set(dir?.workbins.map((w) => w.type))
    assert.deepEqual([...types].sort(), ['Agent', 'AgentGroup', 'Place', 'PlaceGroup'])
    for (const id of [
      WB_AGENT,
      WB_GROUP,
      WB_PLACE_GROUP,
      'a91ee1c2-9cfe-43b6-8193-fd39cd89d5b4',
      '40b9b24b-0e15-4458-8a11-4a1958068d3e',
    ]) {
      assert.ok(
        dir?.workbins.some((w) => w.id === id),
        id,
      )
    }
    const chat = await store.getInteraction(DEMO_CC, '0001BaBFVPR20035')
    assert.deepEqual(chat?.location, { kind: 'workbin', workbinId: WB_AGENT, owner: AGENT1 })
    const workitem = await store.getInteraction(DEMO_CC, '02F0ASAK8EAFA00W')
    assert.deepEqual(workitem?.location, { kind: 'owner', userId: AGENT1 })
    const other = (await store.listContactCenters()).find((c) => c.name === 'Other')
    assert.ok(other)
    assert.equal((await store.getDirectory(other.id))?.users.length, 1)
  })
})

describe('applyDocument', () => {
  it('is idempotent: the second apply reports zero changes and keeps the password hash', async () => {
    const first = await applyDocument(store, baseDoc())
    assert.ok(!zero(first))
    const hash = (await store.getUser(AGENT1))?.passwordHash
    const before = dump(store)
    const second = await applyDocument(store, baseDoc())
    assert.ok(zero(second), summarize(second))
    assert.equal(summarize(second), 'nothing changed; passwords: 0 unchanged, 5 verified, 0 hashed')
    assert.equal((await store.getUser(AGENT1))?.passwordHash, hash)
    assert.deepEqual(dump(store), before)
  })

  it('hashes passwords (scrypt) and rehashes when the password changes', async () => {
    await applyDocument(store, baseDoc())
    const u = await store.getUser(AGENT1)
    assert.match(u?.passwordHash ?? '', /^scrypt\$16384\$8\$1\$[^$]+\$[^$]+$/)
    assert.ok(verifyPassword('pw1', u!.passwordHash))
    const v = (await store.getDirectoryVersion(CC)) as number
    const doc = baseDoc()
    doc.contactCenters[0].users[0].password = 'new-secret'
    const r = await applyDocument(store, doc)
    assert.equal(r.changed.users, 1)
    const changed = await store.getUser(AGENT1)
    assert.ok(verifyPassword('new-secret', changed!.passwordHash))
    assert.ok(!verifyPassword('pw1', changed!.passwordHash))
    assert.equal(await store.getDirectoryVersion(CC), v + 1)
  })

  it('resolves names and fills defaults', async () => {
    await applyDocument(store, baseDoc())
    const agent2 = await store.getUser(AGENT2)
    assert.deepEqual(
      [agent2?.roles, agent2?.firstName, agent2?.lastName, agent2?.place],
      [['agent'], '', '', null],
    )
    const dir = await store.getDirectory(CC)
    assert.deepEqual(dir?.agentGroups[0]?.members, [AGENT1, AGENT2])
    assert.equal(dir?.workbins.find((w) => w.id === WB_GROUP)?.displayName, 'groupWb')
    assert.deepEqual(dir?.places[1], { contactCenterId: CC, name: 'Place_7002', placeGroups: [] })
    assert.deepEqual(await store.getContactCenter(CC2), { id: CC2, name: 'Other', features: [] })
  })

  it('stamps interactions placed in a workbin and equips owned ones', async () => {
    const doc = baseDoc()
    doc.contactCenters[0].interactions.push(
      {
        id: 'GROUPEMAIL000001',
        mediaType: 'email',
        workbin: { id: WB_GROUP, agentGroup: 'Sales' },
        extra: { subject: 'S', to: ['a@b.c'] },
      },
      {
        id: 'PROMO00000000001',
        mediaType: 'openmedia',
        openmediaType: 'promotion',
        workbin: { id: WB_PLACE_GROUP, placeGroup: 'North' },
      },
      {
        id: 'CUSTOM0000000001',
        mediaType: 'email',
        owner: 'agent2',
        state: 'Invited',
        capabilities: ['Accept'],
      },
    )
    const t0 = Date.now()
    await applyDocument(store, doc)
    const chat = await store.getInteraction(CC, '0001BaBFVPR20035')
    assert.equal(chat?.state, 'InWorkbin')
    assert.deepEqual(chat?.capabilities, [])
    assert.deepEqual(chat?.userData, {
      Subject: 'Hello',
      Workbin: 'testWorkbin',
      WorkbinAgentId: AGENT1,
    })
    assert.equal(chat?.receivedDate, '2016-04-08 15:05:57.000+0300')

    const workitem = await store.getInteraction(CC, '02F0ASAK8EAFA00W')
    assert.equal(workitem?.state, 'Processing')
    assert.deepEqual(workitem?.capabilities, [...DEFAULT_CAPABILITIES.workitem])
    assert.deepEqual(workitem?.userData, {})
    // default receivedDate: now, in the GWS format
    const at = receivedAtMs(workitem?.receivedDate ?? '')
    assert.ok(Math.abs(at - t0) < 60_000, workitem?.receivedDate)

    const email = await store.getInteraction(CC, 'GROUPEMAIL000001')
    assert.deepEqual(email?.location, { kind: 'workbin', workbinId: WB_GROUP, owner: 'Sales' })
    assert.deepEqual(email?.userData, { Workbin: 'groupWb' })
    assert.deepEqual(email?.extra, { subject: 'S', to: ['a@b.c'] })

    const promo = await store.getInteraction(CC, 'PROMO00000000001')
    assert.equal(promo?.openmediaType, 'promotion')
    assert.deepEqual(promo?.location, {
      kind: 'workbin',
      workbinId: WB_PLACE_GROUP,
      owner: 'North',
    })

    const custom = await store.getInteraction(CC, 'CUSTOM0000000001')
    assert.equal(custom?.state, 'Invited')
    assert.deepEqual(custom?.capabilities, ['Accept'])
    assert.deepEqual(custom?.location, { kind: 'owner', userId: AGENT2 })
  })

  it('leaves an existing interaction where it is', async () => {
    await applyDocument(store, baseDoc())
    const from = { kind: 'workbin' as const, workbinId: WB_AGENT, owner: AGENT1 }
    const moved = await store.moveInteraction(
      CC,
      '0001BaBFVPR20035',
      from,
      { kind: 'owner', userId: AGENT2 },
      {
        state: 'Processing',
        capabilities: [],
        userData: { set: {}, remove: [] },
      },
    )
    assert.ok(moved.ok)
    const r = await applyDocument(store, baseDoc())
    assert.ok(zero(r))
    assert.deepEqual((await store.getInteraction(CC, '0001BaBFVPR20035'))?.location, {
      kind: 'owner',
      userId: AGENT2,
    })
  })

  it('lets a later document refer to stored objects and keeps stored features and passwords', async () => {
    await applyDocument(store, baseDoc())
    const hash = (await store.getUser(AGENT1))?.passwordHash
    const r = await applyDocument(store, {
      contactCenters: [
        {
          id: CC,
          name: 'Demo',
          users: [{ id: AGENT1, userName: 'agent1', roles: ['agent'], place: 'Place_7002' }],
          agentGroups: [{ name: 'Support', members: ['agent1', 'agent2'] }],
          interactions: [
            {
              id: 'LATER00000000001',
              mediaType: 'chat',
              workbin: { id: WB_AGENT, user: 'agent2' },
            },
          ],
        },
      ],
    })
    assert.deepEqual(
      {
        users: r.changed.users,
        agentGroups: r.changed.agentGroups,
        interactions: r.changed.interactions,
        contactCenters: r.changed.contactCenters,
      },
      { users: 1, agentGroups: 1, interactions: 1, contactCenters: 0 },
    )
    const u = await store.getUser(AGENT1)
    assert.equal(u?.place, 'Place_7002')
    assert.equal(u?.passwordHash, hash)
    assert.deepEqual((await store.getContactCenter(CC))?.features, ['api-multimedia'])
    const later = await store.getInteraction(CC, 'LATER00000000001')
    assert.equal(later?.userData.WorkbinAgentId, AGENT2)
  })

  it('accepts a pre-hashed password', async () => {
    const doc = baseDoc()
    const hashed = (await import('../../src/store/password.ts')).hashPassword('pre')
    delete doc.contactCenters[0].users[1].password
    doc.contactCenters[0].users[1].passwordHash = hashed
    await applyDocument(store, doc)
    assert.equal((await store.getUser(AGENT2))?.passwordHash, hashed)
  })
})

describe('applyDocument refuses what another contact center owns, changing nothing', () => {
  beforeEach(async () => {
    await applyDocument(store, baseDoc())
  })
  const other = (extra: Doc) => ({ contactCenters: [{ id: CC2, name: 'Other', ...extra }] })

  it('a userName of another contact center', async () => {
    await rejectsAt(
      other({
        users: [
          { id: OTHER1, userName: 'other1' },
          { id: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f00002', userName: 'agent1', password: 'x' },
        ],
      }),
      'contactCenters[0].users[1].userName',
    )
  })

  it('a userName of another user of the same contact center', async () => {
    await rejectsAt(
      {
        contactCenters: [
          {
            id: CC,
            name: 'Demo',
            users: [{ id: 'a0000000000000000000000000000009', userName: 'agent2', password: 'x' }],
          },
        ],
      },
      'contactCenters[0].users[0].userName',
    )
  })

  it('a user id of another contact center', async () => {
    await rejectsAt(
      other({ users: [{ id: AGENT1, userName: 'someoneElse', password: 'x' }] }),
      'contactCenters[0].users[0].id',
    )
  })

  it('a workbin id of another contact center', async () => {
    await rejectsAt(
      other({ workbins: [{ id: WB_AGENT, workbinName: 'mine', type: 'Agent' }] }),
      'contactCenters[0].workbins[0].id',
    )
  })

  it('a workbinName used by another workbin of the same contact center', async () => {
    await rejectsAt(
      {
        contactCenters: [
          {
            id: CC,
            name: 'Demo',
            workbins: [
              {
                id: '12345678-1234-4234-8234-123456789012',
                workbinName: 'testWorkbin',
                type: 'Agent',
              },
            ],
          },
        ],
      },
      'contactCenters[0].workbins[0].workbinName',
    )
  })

  it('an interaction id of another contact center', async () => {
    await rejectsAt(
      other({
        interactions: [
          {
            id: '0001BaBFVPR20035',
            mediaType: 'chat',
            workbin: { id: '0e0e0e0e-0000-4000-8000-000000000001', user: 'other1' },
          },
        ],
      }),
      'contactCenters[0].interactions[0].id',
    )
  })

  it('and the store itself refuses a clash even without the document checks', async () => {
    const before = dump(store)
    await assert.rejects(
      store.applyProvisioning({
        contactCenters: [
          {
            contactCenter: { id: CC2, name: 'Other', features: ['x'] },
            placeGroups: [],
            places: [],
            users: [],
            agentGroups: [],
            workbins: [
              {
                id: WB_AGENT,
                contactCenterId: CC2,
                workbinName: 'w',
                displayName: 'w',
                type: 'Agent',
              },
            ],
            interactions: [],
          },
        ],
      }),
      GwsError,
    )
    assert.deepEqual(dump(store), before)
  })
})

describe('applyDocument and a stored workbin’s type', () => {
  beforeEach(async () => {
    await applyDocument(store, baseDoc())
  })
  const retype = (id: string, workbinName: string, type: string, extra: Doc = {}) => ({
    contactCenters: [{ id: CC, name: 'Demo', workbins: [{ id, workbinName, type }], ...extra }],
  })
  const refusedWith = async (doc: Doc, says: RegExp) => {
    await rejectsAt(doc, 'contactCenters[0].workbins[0].type')
    await assert.rejects(applyDocument(store, doc), says)
  }

  it('refuses a type change while the workbin holds an interaction, changing nothing', async () => {
    // testWorkbin holds 0001BaBFVPR20035 in agent1's instance (keyed by user id)
    const doc = retype(WB_AGENT, 'testWorkbin', 'Place')
    doc.contactCenters[0].workbins[0].displayName = 'Test Workbin'
    await refusedWith(doc, /cannot change from Agent to Place .* holds interactions: .*Empty it/)
    assert.equal(
      (await store.getDirectory(CC))?.workbins.find((w) => w.id === WB_AGENT)?.type,
      'Agent',
    )
    assert.deepEqual((await store.getInteraction(CC, '0001BaBFVPR20035'))?.location, {
      kind: 'workbin',
      workbinId: WB_AGENT,
      owner: AGENT1,
    })
  })

  it('refuses a type change while anyone subscribes to the (empty) workbin', async () => {
    await store.addSubscriptions(AGENT1, [{ workbinId: WB_PLACE, owner: 'Place_7001' }])
    await refusedWith(
      retype(WB_PLACE, 'placeWb', 'PlaceGroup'),
      /cannot change from Place to PlaceGroup .* has subscriptions: /,
    )
    assert.deepEqual(await store.listSubscribers({ workbinId: WB_PLACE, owner: 'Place_7001' }), [
      AGENT1,
    ])
  })

  it('accepts it for an empty workbin without subscribers, with content of the new type', async () => {
    const r = await applyDocument(
      store,
      retype(WB_PLACE, 'placeWb', 'PlaceGroup', {
        interactions: [
          {
            id: 'RETYPED000000001',
            mediaType: 'chat',
            workbin: { id: WB_PLACE, placeGroup: 'North' },
          },
        ],
      }),
    )
    assert.deepEqual([r.changed.workbins, r.changed.interactions], [1, 1])
    const wb = (await store.getDirectory(CC))?.workbins.find((w) => w.id === WB_PLACE)
    assert.equal(wb?.type, 'PlaceGroup')
    assert.deepEqual(
      (await store.listWorkbinContent(CC, { workbinId: WB_PLACE, owner: 'North' })).map(
        (x) => x.id,
      ),
      ['RETYPED000000001'],
    )
  })

  it('accepts it once the workbin was emptied', async () => {
    const moved = await store.moveInteraction(
      CC,
      '0001BaBFVPR20035',
      { kind: 'workbin', workbinId: WB_AGENT, owner: AGENT1 },
      { kind: 'owner', userId: AGENT1 },
      { state: 'Processing', capabilities: [], userData: { set: {}, remove: [] } },
    )
    assert.ok(moved.ok)
    const r = await applyDocument(store, retype(WB_AGENT, 'testWorkbin', 'Place'))
    assert.equal(r.changed.workbins, 1)
  })
})

describe('provisionAtStart', () => {
  it('loads the demo into an empty store only', async () => {
    const r = await provisionAtStart(store, { demo: true })
    assert.ok(r.demo && !zero(r.demo))
    assert.ok(await store.getUserByName('api1'))
    const again = await provisionAtStart(store, { demo: true })
    assert.equal(again.demo, undefined)
  })

  it('does not load the demo when switched off, nor into a non-empty store', async () => {
    await provisionAtStart(store, { demo: false })
    assert.equal(await store.isEmpty(), true)
    await applyDocument(store, baseDoc())
    await provisionAtStart(store, { demo: true })
    assert.equal(await store.getUserByName('api1'), undefined)
  })

  it('applies a file after the demo and logs what changed', async () => {
    const file = tempPath('doc.json')
    const doc = baseDoc()
    doc.contactCenters = [doc.contactCenters[1]]
    doc.contactCenters[0].id = '22222222-2222-4222-8222-222222222222'
    doc.contactCenters[0].users[0].userName = 'third'
    doc.contactCenters[0].users[0].id = 'f0f0f0f0f0f0f0f0f0f0f0f0f0f00003'
    doc.contactCenters[0].workbins[0].id = '22222222-0000-4000-8000-000000000001'
    writeFileSync(file, JSON.stringify(doc))
    const lines: string[] = []
    const r = await provisionAtStart(
      store,
      { demo: true, provisionFile: file },
      { info: (_o, msg) => lines.push(msg ?? '') },
    )
    assert.ok(r.demo && r.file)
    assert.equal(r.file.changed.contactCenters, 1)
    assert.ok(await store.getUserByName('third'))
    assert.ok(await store.getUserByName('agent1'))
    assert.equal(lines.length, 2)
  })

  it('aborts with a path-naming error on a bad file, and on unreadable or non-JSON files', async () => {
    const bad = tempPath('bad.json')
    const doc = baseDoc()
    doc.contactCenters[0].users[3].place = 'Nowhere'
    writeFileSync(bad, JSON.stringify(doc))
    await assert.rejects(
      provisionAtStart(store, { demo: false, provisionFile: bad }),
      (e: unknown) =>
        e instanceof ProvisionError && e.message.startsWith('contactCenters[0].users[3].place: '),
    )
    assert.equal(await store.isEmpty(), true)
    const notJson = tempPath('x.json')
    writeFileSync(notJson, '{ nope')
    await assert.rejects(
      provisionAtStart(store, { demo: false, provisionFile: notJson }),
      ProvisionError,
    )
    await assert.rejects(
      provisionAtStart(store, { demo: false, provisionFile: tempPath('missing.json') }),
      ProvisionError,
    )
  })

  it('holds the file to WORKBINS_JSON_MAX_DEPTH as the server configures it', async () => {
    const file = tempPath('deep.json')
    const doc = baseDoc()
    // the interaction 1, extra 2, deep 3…40: 40 levels
    doc.contactCenters[0].interactions[1].extra = {
      deep: JSON.parse('['.repeat(38) + ']'.repeat(38)),
    }
    writeFileSync(file, JSON.stringify(doc))
    await assert.rejects(
      provisionAtStart(store, { demo: false, provisionFile: file }),
      (e: unknown) =>
        e instanceof ProvisionError &&
        e.message.startsWith('contactCenters[0].interactions[1].extra.deep: ') &&
        /WORKBINS_JSON_MAX_DEPTH/.test(e.message),
    )
    await assert.rejects(
      provisionAtStart(store, { demo: false, provisionFile: file, jsonMaxDepth: 39 }),
      ProvisionError,
    )
    assert.equal(await store.isEmpty(), true)
    const r = await provisionAtStart(store, { demo: false, provisionFile: file, jsonMaxDepth: 40 })
    assert.equal(r.file?.changed.interactions, 2)
  })
})

describe('applyDocument counts new interactions toward their owner (WORKBINS_MAX_HANDLED_PER_AGENT)', () => {
  /** baseDoc, whose agent1 handles one workitem, with `more` workitems more for agent1. */
  function withOwned(more: number): Doc {
    const doc = baseDoc()
    for (let i = 0; i < more; i++) {
      doc.contactCenters[0].interactions.push({
        id: `OWNEDBYAGENT1${String(i).padStart(3, '0')}`,
        mediaType: 'workitem',
        owner: 'agent1',
      })
    }
    return doc
  }

  async function refusedAt(doc: Doc, max: number, path: string, count: number): Promise<void> {
    const before = dump(store)
    await assert.rejects(applyDocument(store, doc, { maxHandledPerAgent: max }), (err: unknown) => {
      assert.ok(err instanceof ProvisionError, String(err))
      assert.equal(err.issues.length, 1, err.message)
      assert.equal(err.issues[0]?.path, path, err.message)
      assert.match(
        err.message,
        new RegExp(
          `user "agent1" would handle ${count} interactions, more than the ${max} allowed \\(WORKBINS_MAX_HANDLED_PER_AGENT\\)`,
        ),
      )
      return true
    })
    assert.deepEqual(dump(store), before, 'a refused document changed the store')
  }

  it('up to the limit is applied; one more is refused naming its path, whole', async () => {
    await refusedAt(withOwned(2), 2, 'contactCenters[0].interactions[3].owner', 3)
    await applyDocument(store, withOwned(2), { maxHandledPerAgent: 3 })
    assert.equal(await store.countHandled(CC, AGENT1), 3)
  })

  it('counts what the store holds; an interaction already stored is not counted twice', async () => {
    await applyDocument(store, withOwned(2), { maxHandledPerAgent: 3 })
    assert.ok(zero(await applyDocument(store, withOwned(2), { maxHandledPerAgent: 3 })))
    await refusedAt(withOwned(3), 3, 'contactCenters[0].interactions[4].owner', 4)
    // Already over (the limit was lowered): the first new one is refused.
    await refusedAt(withOwned(3), 2, 'contactCenters[0].interactions[4].owner', 4)
    // In a workbin, an interaction is no one's: not counted.
    const doc = withOwned(2)
    doc.contactCenters[0].interactions.push({
      id: 'INWORKBIN0000001',
      mediaType: 'workitem',
      workbin: { id: WB_AGENT, user: 'agent1' },
    })
    await applyDocument(store, doc, { maxHandledPerAgent: 3 })
  })
})
