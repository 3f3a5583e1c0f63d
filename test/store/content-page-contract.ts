// Store contract: pageWorkbinContent (keyset pages of workbin content), run by store-contract.ts
// on every adapter, so SQLite and PostgreSQL page in the same order.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Interaction } from '../../src/model.ts'
import type { ContentOrder, ContentPageQuery, Store } from '../../src/store/store.ts'
import { AGENT1, AGENT2, basePlan, CC, CC2, interaction, WB_AGENT } from './fixtures.ts'

const INSTANCE = { workbinId: WB_AGENT, owner: AGENT1 }

/** Every page of the instance, `limit` items at a time, following `next`. */
async function allPages(
  store: Store,
  order: ContentOrder,
  limit: number,
  extra: Partial<ContentPageQuery> = {},
): Promise<string[][]> {
  const pages: string[][] = []
  let after: ContentPageQuery['after']
  for (;;) {
    const page = await store.pageWorkbinContent(CC, INSTANCE, { order, limit, after, ...extra })
    pages.push(page.items.map((i) => i.id))
    if (page.next === null) return pages
    assert.ok(page.items.length === limit, 'only a full page announces a next one')
    after = page.next
    assert.ok(pages.length < 100, 'paging ends')
  }
}

function at(minute: number): string {
  return `2021-03-04 10:${String(minute).padStart(2, '0')}:00.000+0000`
}

async function seed(store: Store, items: [string, Partial<Interaction>][]): Promise<void> {
  await store.applyProvisioning(basePlan())
  for (const [id, over] of items) await store.createInteraction(interaction(id, over))
}

export function contentPageContract(getStore: () => Store): void {
  describe('paged workbin content', () => {
    const byDate: ContentOrder = { descending: false }

    it('pages by receivedDate in the order of the whole list, ties by id by code point', async () => {
      const store = getStore()
      await seed(store, [
        ['PAGEaaaaaaaaaaa1', { receivedDate: at(5) }],
        ['PAGEBBBBBBBBBBB1', { receivedDate: at(5) }], // 'B' < 'a' by code point
        ['PAGE000000000001', { receivedDate: at(1), mediaType: 'email' }],
        ['PAGE000000000002', { receivedDate: at(9) }],
        ['PAGE000000000003', { receivedDate: '2021-03-04 12:03:00.000+0200' }], // 10:03Z
      ])
      const whole = (await store.listWorkbinContent(CC, INSTANCE)).map((i) => i.id)
      const expected = [
        '0001BaBFVPR20035', // the base plan's, 2016
        'PAGE000000000001',
        'PAGE000000000003',
        'PAGEBBBBBBBBBBB1',
        'PAGEaaaaaaaaaaa1',
        'PAGE000000000002',
      ]
      assert.deepEqual(whole, expected)
      for (const limit of [1, 2, 4, 6, 50]) {
        const pages = await allPages(store, byDate, limit)
        assert.deepEqual(pages.flat(), expected, `limit ${limit}`)
      }
      const down = await allPages(store, { descending: true }, 4)
      assert.deepEqual(down, [
        [...expected].reverse().slice(0, 4),
        [...expected].reverse().slice(4),
      ])
      // media filter
      assert.deepEqual((await allPages(store, byDate, 1, { mediaTypes: ['email'] })).flat(), [
        'PAGE000000000001',
      ])
      // other instances and contact centers are apart
      const elsewhere = await store.pageWorkbinContent(CC2, INSTANCE, { order: byDate, limit: 10 })
      assert.deepEqual(elsewhere, { items: [], next: null })
      const agent2 = await store.pageWorkbinContent(
        CC,
        { workbinId: WB_AGENT, owner: AGENT2 },
        { order: byDate, limit: 10 },
      )
      assert.deepEqual(agent2.items, [])
    })

    it('sorts by a userData key: missing and null, then numbers, then strings', async () => {
      const store = getStore()
      await seed(store, [
        ['USERDATA00000001', { receivedDate: at(1), userData: { P: 'b' } }],
        ['USERDATA00000002', { receivedDate: at(2), userData: { P: 10 } }],
        ['USERDATA00000003', { receivedDate: at(3), userData: { P: null } }],
        ['USERDATA00000004', { receivedDate: at(4), userData: { P: 'B' } }],
        ['USERDATA00000005', { receivedDate: at(5), userData: { P: -1.5 } }],
        ['USERDATA00000006', { receivedDate: at(6), userData: { P: 2 } }],
        ['USERDATA00000007', { receivedDate: at(7), userData: { P: 'a' } }],
        ['USERDATA00000008', { receivedDate: at(8), userData: { P: 2 } }],
      ])
      const expected = [
        '0001BaBFVPR20035', // no P (2016)
        'USERDATA00000003', // null
        'USERDATA00000005', // -1.5
        'USERDATA00000006', // 2 (older)
        'USERDATA00000008', // 2
        'USERDATA00000002', // 10
        'USERDATA00000004', // 'B'
        'USERDATA00000007', // 'a'
        'USERDATA00000001', // 'b'
      ]
      for (const limit of [1, 3, 20]) {
        const asc = await allPages(store, { userDataKey: 'P', descending: false }, limit)
        assert.deepEqual(asc.flat(), expected, `limit ${limit}`)
        const desc = await allPages(store, { userDataKey: 'P', descending: true }, limit)
        assert.deepEqual(desc.flat(), [...expected].reverse(), `desc, limit ${limit}`)
      }
    })

    it('a cursor stays valid while items come and go', async () => {
      const store = getStore()
      const ids = Array.from({ length: 6 }, (_, i) => `STABLE00000000${i}0`)
      await seed(
        store,
        ids.map((id, i) => [id, { receivedDate: at(10 + i * 5) }]),
      )
      const first = await store.pageWorkbinContent(CC, INSTANCE, { order: byDate, limit: 3 })
      assert.deepEqual(
        first.items.map((i) => i.id),
        ['0001BaBFVPR20035', ids[0], ids[1]],
      )
      assert.ok(first.next)
      // one arrives before the cursor (not shown: already passed), one after it (shown),
      // and one not yet shown leaves
      await store.createInteraction(interaction('STABLEBEFORE0001', { receivedDate: at(5) }))
      await store.createInteraction(interaction('STABLEAFTER00001', { receivedDate: at(27) }))
      const moved = await store.moveInteraction(
        CC,
        ids[3]!,
        { kind: 'workbin', ...INSTANCE },
        { kind: 'owner', userId: AGENT2 },
        { state: 'Processing', capabilities: [], userData: { set: {}, remove: [] } },
      )
      assert.ok(moved.ok)
      const rest: string[] = []
      let after: ContentPageQuery['after'] = first.next ?? undefined
      while (after) {
        const page = await store.pageWorkbinContent(CC, INSTANCE, {
          order: byDate,
          limit: 2,
          after,
        })
        rest.push(...page.items.map((i) => i.id))
        after = page.next ?? undefined
      }
      assert.deepEqual(rest, [ids[2], 'STABLEAFTER00001', ids[4], ids[5]])
    })
  })
}
