// The allocator of a content thread's shared memory (src/content-threads/regions.ts): taken
// ranges never overlap and stay inside the memory, and everything given back merges again.

import assert from 'node:assert/strict'
import { it } from 'node:test'
import fc from 'fast-check'
import { Regions } from '../../src/content-threads/regions.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 300)

it('takes ranges that never overlap, and merges what is given back', () => {
  const step = fc.oneof(
    fc.record({ take: fc.integer({ min: -1, max: 400 }) }),
    fc.record({ give: fc.nat() }),
  )
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.array(step, { maxLength: 60 }),
      (size, steps) => {
        const r = new Regions(size)
        const held = new Map<number, number>()
        for (const s of steps) {
          if ('take' in s) {
            const at = r.take(s.take)
            if (at === undefined) {
              // refused only when no free range is that long (or nothing is asked)
              continue
            }
            assert.ok(s.take > 0 && at >= 0 && at + s.take <= size)
            for (const [o, n] of held) assert.ok(at + s.take <= o || o + n <= at, 'overlap')
            held.set(at, s.take)
          } else {
            const offsets = [...held.keys()]
            const at = offsets.length > 0 ? offsets[s.give % offsets.length]! : s.give
            r.give(at)
            r.give(at) // twice: the second is ignored
            held.delete(at)
          }
          const used = [...held.values()].reduce((a, b) => a + b, 0)
          assert.equal(r.available, size - used)
        }
        for (const at of [...held.keys()]) r.give(at)
        // all back in one piece: the whole memory can be taken at once
        assert.equal(r.take(size), size > 0 ? 0 : undefined)
      },
    ),
    { numRuns: RUNS },
  )
})

it('refuses what no free range holds, though the free bytes add up', () => {
  const r = new Regions(100)
  const a = r.take(40)
  const b = r.take(20)
  const c = r.take(40)
  assert.deepEqual([a, b, c], [0, 40, 60])
  r.give(0)
  r.give(60)
  assert.equal(r.available, 80)
  assert.equal(r.take(50), undefined)
  assert.equal(r.take(40), 0)
  r.give(40)
  assert.equal(r.take(60), 40)
})
