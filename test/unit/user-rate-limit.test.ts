// UserRateLimit on its own: the bucket's arithmetic, the bound on buckets kept, and a property
// over any request times: no window of time lets through more than the burst plus the refill.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { pino } from 'pino'
import { UserRateLimit } from '../../src/http/user-rate-limit.ts'

const log = pino({ level: 'silent' })

describe('UserRateLimit', () => {
  test('a full bucket lets the burst through, then refuses with the wait for one token', () => {
    const r = new UserRateLimit({ perSecond: 10, burst: 3, maxTracked: 10 }, log)
    for (let i = 0; i < 3; i++) assert.equal(r.take('u', 0), undefined)
    assert.equal(r.take('u', 0), 100)
    assert.equal(r.take('u', 40), 60, 'part of a token refilled')
    assert.equal(r.take('u', 100), undefined)
    assert.equal(r.take('v', 100), undefined, 'another user has its own bucket')
    // A long quiet time refills to the burst, never beyond.
    for (let i = 0; i < 3; i++) assert.equal(r.take('u', 60_000), undefined)
    assert.ok(r.take('u', 60_000) !== undefined)
  })

  test('perSecond 0: nothing refused, nothing kept', () => {
    const r = new UserRateLimit({ perSecond: 0, burst: 1, maxTracked: 10 }, log)
    for (let i = 0; i < 100; i++) assert.equal(r.take('u', 0), undefined)
    assert.equal(r.tracked, 0)
  })

  test('at most maxTracked buckets: refilled ones go first, then the oldest', () => {
    const r = new UserRateLimit({ perSecond: 1, burst: 2, maxTracked: 2 }, log)
    r.take('a', 0)
    r.take('a', 0)
    r.take('b', 1500)
    // At 2500 a's bucket (empty at 0) is full again and goes; b's (taken at 1500) stays.
    r.take('c', 2500)
    assert.equal(r.tracked, 2)
    assert.equal(r.take('b', 2500), undefined)
    assert.equal(r.take('b', 2500), undefined, 'b kept its second token')
    assert.equal(r.take('b', 2500) !== undefined, true)
    // None refilled: the oldest (b) goes, and starts again full when it comes back.
    r.take('d', 2500)
    assert.equal(r.tracked, 2)
    assert.equal(r.take('b', 2500), undefined)
  })

  test('property: no window lets through more than burst + perSecond × its length', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
        (perSecond, burst, gaps) => {
          const r = new UserRateLimit({ perSecond, burst, maxTracked: 4 }, log)
          let now = 0
          const accepted: number[] = []
          for (const gap of gaps) {
            now += gap
            const wait = r.take('u', now)
            if (wait === undefined) accepted.push(now)
            else assert.ok(wait > 0 && wait <= Math.ceil(1000 / perSecond))
          }
          for (let i = 0; i < accepted.length; i++) {
            for (let j = i; j < accepted.length; j++) {
              const span = (accepted[j]! - accepted[i]!) / 1000
              assert.ok(j - i + 1 <= burst + perSecond * span + 1e-9)
            }
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  test('property: the wait it names is enough', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 5000 }),
        (perSecond, burst, start) => {
          const r = new UserRateLimit({ perSecond, burst, maxTracked: 4 }, log)
          for (let i = 0; i < burst; i++) assert.equal(r.take('u', start), undefined)
          const wait = r.take('u', start)
          assert.ok(wait !== undefined)
          assert.equal(r.take('u', start + wait), undefined)
        },
      ),
    )
  })
})
