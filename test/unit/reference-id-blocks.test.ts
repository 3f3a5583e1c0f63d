// Reference ids from reserved blocks: one reservation per block, increasing ids per user,
// distinct ids for concurrent callers, a request larger than a block.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ReferenceIdBlocks } from '../../src/store/reference-id-blocks.ts'

/** A counter per user like the store's (last reserved id), counting reservations. */
function counter() {
  const last = new Map<string, number>()
  const calls: number[] = []
  const reserve = async (userId: string, n: number) => {
    await new Promise((r) => setImmediate(r))
    calls.push(n)
    const v = (last.get(userId) ?? 0) + n
    last.set(userId, v)
    return v
  }
  return { reserve, calls }
}

describe('reference id blocks', () => {
  it('reserves once per block and hands out increasing ids', async () => {
    const c = counter()
    const blocks = new ReferenceIdBlocks(c.reserve, 4)
    const ids: number[] = []
    for (let i = 0; i < 9; i++) ids.push(...(await blocks.take('u', 1)))
    assert.deepEqual(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert.deepEqual(c.calls, [4, 4, 4])
    assert.deepEqual(await blocks.take('v', 1), [1], 'users have their own counters')
  })

  it('takes a request larger than a block in one reservation', async () => {
    const c = counter()
    const blocks = new ReferenceIdBlocks(c.reserve, 4)
    assert.deepEqual(await blocks.take('u', 2), [1, 2])
    assert.deepEqual(await blocks.take('u', 6), [5, 6, 7, 8, 9, 10])
    assert.deepEqual(await blocks.take('u', 1), [11])
  })

  it('gives concurrent callers distinct ids, later ids above all of them', async () => {
    const c = counter()
    const blocks = new ReferenceIdBlocks(c.reserve, 3)
    const got = (await Promise.all(Array.from({ length: 10 }, () => blocks.take('u', 2)))).flat()
    assert.equal(new Set(got).size, 20)
    const [next] = await blocks.take('u', 1)
    assert.ok(next! > Math.max(...got), `${next} after ${got}`)
  })

  it('block 1 reserves at every call (no ids skipped)', async () => {
    const c = counter()
    const blocks = new ReferenceIdBlocks(c.reserve, 1)
    for (let i = 0; i < 3; i++) await blocks.take('u', 1)
    assert.deepEqual(c.calls, [1, 1, 1])
  })
})
