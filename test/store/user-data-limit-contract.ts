// Store contract: the userData limit (src/store/user-data-limit.ts), run by store-contract.ts on
// every adapter with its default limit. The merged result is what counts, checked in the
// transaction that writes it; a refused change is 400 / 10 and leaves the row as it was.

import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { GwsError, StatusCode } from '../../src/errors.ts'
import type { InteractionLocation, UserData, UserDataChange } from '../../src/model.ts'
import type { Store } from '../../src/store/store.ts'
import { DEFAULT_USER_DATA_LIMIT, userDataBytes } from '../../src/store/user-data-limit.ts'
import { AGENT1, AGENT2, basePlan, CC, interaction, WB_AGENT } from './fixtures.ts'

const { maxBytes, maxKeys } = DEFAULT_USER_DATA_LIMIT
const ID = '0001BaBFVPR20035' // provisioned by basePlan, userData {Workbin: 'testWorkbin'}
const IN_WB: InteractionLocation = { kind: 'workbin', workbinId: WB_AGENT, owner: AGENT1 }
const OWNED: InteractionLocation = { kind: 'owner', userId: AGENT2 }

/** `base` plus a key `pad` whose value makes the whole exactly `bytes` bytes of JSON. */
function filledTo(bytes: number, base: UserData = {}): UserData {
  const room = bytes - userDataBytes({ ...base, pad: '' })
  return { ...base, pad: 'x'.repeat(room) }
}

/** `count` keys k0, k1, ... with the value 0. */
function keys(count: number): UserData {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 0]))
}

function overLimit(setting: string) {
  return (err: unknown) =>
    err instanceof GwsError &&
    err.statusCode === StatusCode.VALIDATION &&
    err.httpStatus === 400 &&
    err.message.includes(setting)
}

const set = (userData: UserData): UserDataChange => ({ set: userData, remove: [] })

export function userDataLimitContract(getStore: () => Store): void {
  describe('userData limit', () => {
    let store: Store
    const stored = async () => (await store.getInteraction(CC, ID))?.userData

    beforeEach(async () => {
      store = getStore()
      await store.applyProvisioning(basePlan())
    })

    it('merges up to the byte limit; one byte more, or a small key over a full map, is refused and changes nothing', async () => {
      const full = filledTo(maxBytes, await stored())
      const ok = await store.updateUserData(CC, ID, IN_WB, set({ pad: full.pad as string }))
      assert.ok(ok.ok)
      assert.equal(userDataBytes(ok.interaction.userData), maxBytes)
      assert.deepEqual(await stored(), full)

      const oneMore = set({ pad: `${full.pad as string}x` })
      await assert.rejects(
        store.updateUserData(CC, ID, IN_WB, oneMore),
        overLimit('WORKBINS_USER_DATA_MAX_BYTES'),
      )
      // Small alone; over the limit once merged with what is stored.
      await assert.rejects(
        store.updateUserData(CC, ID, IN_WB, set({ k: 1 })),
        overLimit('WORKBINS_USER_DATA_MAX_BYTES'),
      )
      assert.deepEqual(await stored(), full)
    })

    it('concurrent merges cannot pass the limit together', async () => {
      const half = Math.floor(maxBytes / 2)
      const results = await Promise.allSettled(
        ['a', 'b'].map((k) => store.updateUserData(CC, ID, IN_WB, set({ [k]: 'x'.repeat(half) }))),
      )
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
      const refused = results.find((r) => r.status === 'rejected')
      assert.ok(refused && overLimit('WORKBINS_USER_DATA_MAX_BYTES')(refused.reason))
      assert.ok(userDataBytes((await stored()) ?? {}) <= maxBytes)
    })

    it('counts keys after the merge', async () => {
      const fill = keys(maxKeys - 1) // and the fixture's Workbin
      assert.ok((await store.updateUserData(CC, ID, IN_WB, set(fill))).ok)
      const before = await stored()
      assert.equal(Object.keys(before ?? {}).length, maxKeys)
      await assert.rejects(
        store.updateUserData(CC, ID, IN_WB, set({ one: 'more' })),
        overLimit('WORKBINS_USER_DATA_MAX_KEYS'),
      )
      // Replacing a key keeps the count.
      assert.ok((await store.updateUserData(CC, ID, IN_WB, set({ k0: 1 }))).ok)
      assert.equal(Object.keys((await stored()) ?? {}).length, maxKeys)
    })

    it('a move that sets keys is refused over the limit and stays where it was; one that sets none is not', async () => {
      const full = filledTo(maxBytes, await stored())
      assert.ok((await store.updateUserData(CC, ID, IN_WB, set(full))).ok)
      const stamps = { state: 'InWorkbin', capabilities: [], userData: set({ Stamp: 'x' }) }
      await assert.rejects(
        store.moveInteraction(CC, ID, IN_WB, OWNED, stamps),
        overLimit('WORKBINS_USER_DATA_MAX_BYTES'),
      )
      const still = await store.getInteraction(CC, ID)
      assert.deepEqual(still?.location, IN_WB)
      assert.deepEqual(still?.userData, full)
      const plain = { state: 'Processing', capabilities: [], userData: set({}) }
      assert.ok((await store.moveInteraction(CC, ID, IN_WB, OWNED, plain)).ok)
      // Removing keys is never refused.
      const trimmed = await store.updateUserData(CC, ID, OWNED, { set: {}, remove: ['pad'] })
      assert.ok(trimmed.ok)
      assert.deepEqual(trimmed.interaction.userData, { Workbin: 'testWorkbin' })
    })

    it('creates an interaction at the limit and refuses one over it', async () => {
      const atLimit = interaction('AAAAAAAAAAAAAAA1', { userData: filledTo(maxBytes) })
      await store.createInteraction(atLimit)
      assert.deepEqual(await store.getInteraction(CC, atLimit.id), atLimit)
      const tooBig = interaction('AAAAAAAAAAAAAAA2', { userData: filledTo(maxBytes + 1) })
      await assert.rejects(
        store.createInteraction(tooBig),
        overLimit('WORKBINS_USER_DATA_MAX_BYTES'),
      )
      const tooMany = interaction('AAAAAAAAAAAAAAA3', { userData: keys(maxKeys + 1) })
      await assert.rejects(
        store.createInteraction(tooMany),
        overLimit('WORKBINS_USER_DATA_MAX_KEYS'),
      )
      assert.equal(await store.getInteraction(CC, tooBig.id), undefined)
      assert.equal(await store.getInteraction(CC, tooMany.id), undefined)
    })

    it('refuses a provisioning plan with a new interaction over the limit, whole', async () => {
      const plan = basePlan()
      const cc = plan.contactCenters[0]!
      cc.contactCenter.name = 'Renamed'
      cc.interactions.push(interaction('AAAAAAAAAAAAAAA4', { userData: filledTo(maxBytes + 1) }))
      await assert.rejects(store.applyProvisioning(plan), overLimit('WORKBINS_USER_DATA_MAX_BYTES'))
      assert.equal(await store.getInteraction(CC, 'AAAAAAAAAAAAAAA4'), undefined)
      assert.equal((await store.getContactCenter(CC))?.name, 'Demo')
    })
  })
}
