// docs/provisioning.md: unknown keys and broken references are rejected with a message naming the path,
// and nothing is applied.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Value } from '@sinclair/typebox/value'
import fc from 'fast-check'
import { applyDocument, ProvisionError, validateDocument } from '../../src/provision/index.ts'
import { ProvisionDocumentSchema } from '../../src/provision/schema.ts'
import { validateShape } from '../../src/provision/validate.ts'
import type { SqliteStore } from '../../src/store/sqlite/index.ts'
import {
  baseDoc,
  CC,
  type Doc,
  dump,
  freshStore,
  WB_AGENT,
  WB_GROUP,
  WB_PLACE,
  WB_PLACE_GROUP,
} from './helpers.ts'

const c0 = 'contactCenters[0]'

/** `[[…]]` nested `n` deep. */
const nested = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n))

/** [what, mutation, path the error must name] */
const CASES: [string, (d: Doc) => void, string][] = [
  ['unknown top-level key', (d) => (d.extra = 1), 'extra'],
  [
    'unknown user key',
    (d) => (d.contactCenters[0].users[1].nickname = 'x'),
    `${c0}.users[1].nickname`,
  ],
  [
    'unknown workbin-location key',
    (d) => (d.contactCenters[0].interactions[0].workbin.queue = 'q'),
    `${c0}.interactions[0].workbin.queue`,
  ],
  ['missing contactCenters', (d) => delete d.contactCenters, 'contactCenters'],
  ['wrong type', (d) => (d.contactCenters[0].users[0].firstName = 5), `${c0}.users[0].firstName`],
  [
    'missing required key',
    (d) => delete d.contactCenters[0].workbins[1].type,
    `${c0}.workbins[1].type`,
  ],
  [
    'bad workbin type',
    (d) => (d.contactCenters[0].workbins[1].type = 'Team'),
    `${c0}.workbins[1].type`,
  ],
  ['bad contact center id', (d) => (d.contactCenters[1].id = 'not-a-uuid'), 'contactCenters[1].id'],
  [
    'bad user id',
    (d) => (d.contactCenters[0].users[1].id = 'E6F2AD1B26EA4E9B8DD907EABE167522'),
    `${c0}.users[1].id`,
  ],
  [
    'bad workbin id',
    (d) => (d.contactCenters[0].workbins[0].id = 'aee812a5'),
    `${c0}.workbins[0].id`,
  ],
  [
    'bad interaction id',
    (d) => (d.contactCenters[0].interactions[1].id = '02F0ASAK8EAFA00-'),
    `${c0}.interactions[1].id`,
  ],
  [
    'bad role',
    (d) => (d.contactCenters[0].users[0].roles = ['agent', 'root']),
    `${c0}.users[0].roles[1]`,
  ],
  [
    'repeated role',
    (d) => (d.contactCenters[0].users[0].roles = ['agent', 'agent']),
    `${c0}.users[0].roles`,
  ],
  [
    'feature not a string',
    (d) => (d.contactCenters[0].features = ['api-multimedia', 7]),
    `${c0}.features[1]`,
  ],
  [
    'bad media type',
    (d) => (d.contactCenters[0].interactions[1].mediaType = 'fax'),
    `${c0}.interactions[1].mediaType`,
  ],
  [
    'nested userData value',
    (d) => (d.contactCenters[0].interactions[0].userData.Subject = { a: 1 }),
    `${c0}.interactions[0].userData.Subject`,
  ],
  [
    'extra nested deeper than WORKBINS_JSON_MAX_DEPTH (32, counting the interaction)',
    (d) => (d.contactCenters[0].interactions[0].extra = { ok: 1, deep: nested(31) }),
    `${c0}.interactions[0].extra.deep`,
  ],
  [
    'receivedDate format',
    (d) => (d.contactCenters[0].interactions[0].receivedDate = '2016-04-08T15:05:57Z'),
    `${c0}.interactions[0].receivedDate`,
  ],
  [
    'impossible receivedDate',
    (d) => (d.contactCenters[0].interactions[0].receivedDate = '2016-02-30 15:05:57.000+0300'),
    `${c0}.interactions[0].receivedDate`,
  ],
  [
    'duplicate contact center id',
    (d) => (d.contactCenters[1].id = d.contactCenters[0].id),
    'contactCenters[1].id',
  ],
  [
    'duplicate user id',
    (d) => (d.contactCenters[0].users[2].id = d.contactCenters[0].users[0].id),
    `${c0}.users[2].id`,
  ],
  [
    'duplicate userName across contact centers',
    (d) => (d.contactCenters[1].users[0].userName = 'agent2'),
    'contactCenters[1].users[0].userName',
  ],
  [
    'duplicate workbin id across contact centers',
    (d) => (d.contactCenters[1].workbins[0].id = WB_AGENT),
    'contactCenters[1].workbins[0].id',
  ],
  [
    'duplicate workbinName',
    (d) => (d.contactCenters[0].workbins[2].workbinName = 'groupWb'),
    `${c0}.workbins[2].workbinName`,
  ],
  [
    'duplicate place',
    (d) => (d.contactCenters[0].places[1].name = 'Place_7001'),
    `${c0}.places[1].name`,
  ],
  [
    'duplicate place group',
    (d) => d.contactCenters[0].placeGroups.push({ name: 'North' }),
    `${c0}.placeGroups[1].name`,
  ],
  [
    'duplicate agent group',
    (d) => d.contactCenters[0].agentGroups.push({ name: 'Sales' }),
    `${c0}.agentGroups[1].name`,
  ],
  [
    'duplicate interaction id',
    (d) => (d.contactCenters[0].interactions[1].id = '0001BaBFVPR20035'),
    `${c0}.interactions[1].id`,
  ],
  [
    'unknown user place',
    (d) => (d.contactCenters[0].users[3].place = 'Place_9999'),
    `${c0}.users[3].place`,
  ],
  [
    'unknown place group of a place',
    (d) => (d.contactCenters[0].places[0].placeGroups = ['South']),
    `${c0}.places[0].placeGroups[0]`,
  ],
  [
    'unknown group member',
    (d) => (d.contactCenters[0].agentGroups[0].members[1] = 'ghost'),
    `${c0}.agentGroups[0].members[1]`,
  ],
  [
    'unknown group supervisor',
    (d) => (d.contactCenters[0].agentGroups[0].supervisors = ['ghost']),
    `${c0}.agentGroups[0].supervisors[0]`,
  ],
  [
    'member from another contact center',
    (d) => (d.contactCenters[0].agentGroups[0].members = ['other1']),
    `${c0}.agentGroups[0].members[0]`,
  ],
  [
    'unknown interaction workbin',
    (d) =>
      (d.contactCenters[0].interactions[0].workbin.id = '00000000-0000-4000-8000-000000000000'),
    `${c0}.interactions[0].workbin.id`,
  ],
  [
    'workbin of another contact center',
    (d) =>
      (d.contactCenters[1].interactions = [
        { id: 'AAAAAAAAAAAAAAA1', mediaType: 'chat', workbin: { id: WB_AGENT, user: 'other1' } },
      ]),
    'contactCenters[1].interactions[0].workbin.id',
  ],
  [
    'unknown interaction owner',
    (d) => (d.contactCenters[0].interactions[1].owner = 'ghost'),
    `${c0}.interactions[1].owner`,
  ],
  [
    'owner and workbin both',
    (d) => (d.contactCenters[0].interactions[1].workbin = { id: WB_AGENT, user: 'agent1' }),
    `${c0}.interactions[1]`,
  ],
  [
    'neither owner nor workbin',
    (d) => delete d.contactCenters[0].interactions[1].owner,
    `${c0}.interactions[1]`,
  ],
  [
    'Agent workbin with a group owner',
    (d) => (d.contactCenters[0].interactions[0].workbin = { id: WB_AGENT, agentGroup: 'Sales' }),
    `${c0}.interactions[0].workbin`,
  ],
  [
    'AgentGroup workbin with a user owner',
    (d) => (d.contactCenters[0].interactions[0].workbin = { id: WB_GROUP, user: 'agent1' }),
    `${c0}.interactions[0].workbin`,
  ],
  [
    'Place workbin with two owners',
    (d) =>
      (d.contactCenters[0].interactions[0].workbin = {
        id: WB_PLACE,
        place: 'Place_7001',
        user: 'agent1',
      }),
    `${c0}.interactions[0].workbin`,
  ],
  [
    'unknown workbin user',
    (d) => (d.contactCenters[0].interactions[0].workbin.user = 'ghost'),
    `${c0}.interactions[0].workbin.user`,
  ],
  [
    'unknown workbin place',
    (d) => (d.contactCenters[0].interactions[0].workbin = { id: WB_PLACE, place: 'Nowhere' }),
    `${c0}.interactions[0].workbin.place`,
  ],
  [
    'unknown workbin agent group',
    (d) => (d.contactCenters[0].interactions[0].workbin = { id: WB_GROUP, agentGroup: 'Nobody' }),
    `${c0}.interactions[0].workbin.agentGroup`,
  ],
  [
    'unknown workbin place group',
    (d) =>
      (d.contactCenters[0].interactions[0].workbin = { id: WB_PLACE_GROUP, placeGroup: 'South' }),
    `${c0}.interactions[0].workbin.placeGroup`,
  ],
  [
    'openmedia without openmediaType',
    (d) => (d.contactCenters[0].interactions[1].mediaType = 'openmedia'),
    `${c0}.interactions[1].openmediaType`,
  ],
  [
    'openmediaType on a chat',
    (d) => (d.contactCenters[0].interactions[0].openmediaType = 'promotion'),
    `${c0}.interactions[0].openmediaType`,
  ],
  [
    'new user without password',
    (d) =>
      d.contactCenters[1].users.push({
        id: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f00002',
        userName: 'other2',
      }),
    'contactCenters[1].users[1].password',
  ],
  [
    'password and passwordHash',
    (d) => (d.contactCenters[0].users[0].passwordHash = 'scrypt$16384$8$1$c2FsdA==$aGFzaA=='),
    `${c0}.users[0].passwordHash`,
  ],
  [
    'malformed passwordHash',
    (d) => {
      delete d.contactCenters[0].users[0].password
      d.contactCenters[0].users[0].passwordHash = 'md5:abc'
    },
    `${c0}.users[0].passwordHash`,
  ],
  [
    'unknown agent state',
    (d) => (d.contactCenters[0].agentStates = [{ state: 'AfterCallWork', displayName: 'ACW' }]),
    `${c0}.agentStates[0].state`,
  ],
  [
    'agent state without displayName',
    (d) => (d.contactCenters[0].agentStates = [{ state: 'Ready' }]),
    `${c0}.agentStates[0].displayName`,
  ],
  [
    'bad reasonCode',
    (d) =>
      (d.contactCenters[0].agentStates = [
        { state: 'NotReady', displayName: 'Lunch', reasonCode: 'out to lunch' },
      ]),
    `${c0}.agentStates[0].reasonCode`,
  ],
  [
    'reasonCode on Ready',
    (d) =>
      (d.contactCenters[0].agentStates = [
        { state: 'Ready', displayName: 'Ready', reasonCode: 'Lunch' },
      ]),
    `${c0}.agentStates[0].reasonCode`,
  ],
  [
    'duplicate reasonCode',
    (d) =>
      (d.contactCenters[0].agentStates = [
        { state: 'NotReady', displayName: 'Lunch', reasonCode: 'Lunch' },
        { state: 'NotReady', displayName: 'Lunch 2', reasonCode: 'Lunch' },
      ]),
    `${c0}.agentStates[1]`,
  ],
]

describe('validateDocument', () => {
  it('accepts the base document', () => {
    validateDocument(baseDoc())
  })

  for (const [what, mutate, path] of CASES) {
    it(`rejects ${what} naming ${path}`, () => {
      const doc = baseDoc()
      mutate(doc)
      assert.throws(
        () => validateDocument(doc),
        (err: unknown) => {
          assert.ok(err instanceof ProvisionError, String(err))
          assert.equal(err.issues[0]?.path, path, err.message)
          assert.ok(err.message.startsWith(`${path}: `), err.message)
          return true
        },
      )
    })
  }

  it('lists every problem, not only the first', () => {
    const doc = baseDoc()
    doc.contactCenters[0].users[3].place = 'X'
    doc.contactCenters[0].agentGroups[0].members = ['ghost']
    assert.throws(
      () => validateDocument(doc),
      (err: unknown) =>
        err instanceof ProvisionError &&
        err.issues.length === 2 &&
        err.message.includes(`${c0}.users[3].place`) &&
        err.message.includes(`${c0}.agentGroups[0].members[0]`),
    )
  })

  it('rejects a document that is not an object', () => {
    for (const bad of [null, [], 'x', 3]) assert.throws(() => validateDocument(bad), ProvisionError)
  })

  // The shape is checked by a compiled validator and its errors listed only on failure: the two
  // must agree on every document, or a bad one would pass unlisted.
  it('the compiled shape check refuses exactly the documents that have schema errors', () => {
    const paths = containerPaths(baseDoc())
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
        fc.string({ maxLength: 12 }),
        (path, value, key) => {
          const doc = baseDoc()
          const at = path.reduce((o, k) => o[k], doc)
          const keys = Object.keys(at)
          const target =
            keys.length > 0 && key.length % 2 === 0 ? keys[key.length % keys.length] : key
          if (value === undefined) delete at[target as string]
          // An own property, as JSON.parse makes it: `at.__proto__ = v` would set the prototype.
          else
            Object.defineProperty(at, target as string, {
              value,
              enumerable: true,
              writable: true,
              configurable: true,
            })
          const hasErrors = Value.Errors(ProvisionDocumentSchema, doc).First() !== undefined
          let refused = false
          try {
            validateShape(doc)
          } catch (err) {
            assert.ok(err instanceof ProvisionError, String(err))
            assert.ok(err.issues.length > 0)
            refused = true
          }
          assert.equal(refused, hasErrors)
        },
      ),
      // A failure names its seed: `{ seed, path }` here replays it.
      { numRuns: 500 },
    )
  })
})

describe('interaction depth (WORKBINS_JSON_MAX_DEPTH)', () => {
  /** A document whose second interaction nests `depth` deep: itself 1, extra 2, then extra.deep. */
  const docNesting = (depth: number): Doc => {
    const doc = baseDoc()
    doc.contactCenters[0].interactions[1].extra = { deep: nested(depth - 2) }
    return doc
  }
  const refusal = (max: number) => (err: unknown) => {
    assert.ok(err instanceof ProvisionError, String(err))
    assert.equal(err.issues.length, 1, err.message)
    assert.equal(err.issues[0]?.path, `${c0}.interactions[1].extra.deep`)
    assert.match(err.message, /WORKBINS_JSON_MAX_DEPTH/)
    assert.ok(err.message.includes(`more than ${max} levels`), err.message)
    return true
  }

  it('as deep as a Create body may be passes; one level more is refused naming the field', () => {
    validateDocument(docNesting(32))
    assert.throws(() => validateDocument(docNesting(33)), refusal(32))
  })

  it('follows the configured limit', () => {
    validateDocument(docNesting(40), new Map(), { jsonMaxDepth: 40 })
    assert.throws(() => validateDocument(docNesting(9), new Map(), { jsonMaxDepth: 8 }), refusal(8))
  })

  it('a value far deeper than the stack allows is refused, not a crash', () => {
    assert.throws(() => validateDocument(docNesting(20_000)), refusal(32))
  })

  it('applyDocument refuses it and stores nothing; with a higher limit it is stored', async () => {
    const store = await freshStore()
    try {
      await assert.rejects(applyDocument(store, docNesting(4000)), refusal(32))
      assert.equal(await store.isEmpty(), true)
      await assert.rejects(applyDocument(store, docNesting(41), { jsonMaxDepth: 40 }), refusal(40))
      assert.equal(await store.isEmpty(), true)
      await applyDocument(store, docNesting(40), { jsonMaxDepth: 40 })
      const stored = await store.getInteraction(CC, '02F0ASAK8EAFA00W')
      assert.deepEqual(stored?.extra, { deep: nested(38) })
    } finally {
      await store.close()
    }
  })
})

/** Paths (keys from the root) of every object and array in a document. */
function containerPaths(doc: Doc, from: (string | number)[] = []): (string | number)[][] {
  const out = [from]
  for (const [k, v] of Object.entries(doc)) {
    if (v !== null && typeof v === 'object') out.push(...containerPaths(v, [...from, k]))
  }
  return out
}

describe('applyDocument with an invalid document changes nothing', () => {
  let store: SqliteStore
  before(async () => {
    store = await freshStore()
    await applyDocument(store, baseDoc())
  })
  after(() => store.close())

  for (const [what, mutate, path] of CASES) {
    it(`${what}`, async () => {
      const doc = baseDoc()
      // Make the rest of the document a real change, so "nothing changed" is meaningful.
      doc.contactCenters[0].name = 'Renamed'
      doc.contactCenters[0].users[1].firstName = 'Changed'
      mutate(doc)
      const beforeRows = dump(store)
      await assert.rejects(applyDocument(store, doc), (err: unknown) => {
        assert.ok(err instanceof ProvisionError, String(err))
        assert.ok(err.message.includes(`${path}: `), err.message)
        return true
      })
      assert.deepEqual(dump(store), beforeRows)
    })
  }
})
