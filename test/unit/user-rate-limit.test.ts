// UserRateLimit on its own: the bucket's arithmetic, waiting turns and refusals, the bound on
// buckets kept, and properties over any request times: no stretch of time lets more requests
// start than the burst plus the refill, no turn is further away than the longest wait, and a
// refusal's wait is enough.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { pino } from 'pino'
import { UserRateLimit, type RateDecision } from '../../src/http/user-rate-limit.ts'

const log = pino({ level: 'silent' })
const now: RateDecision = { go: true, delayMs: 0 }

describe('UserRateLimit', () => {
  test('the burst goes at once; then turns wait up to maxDelayMs; beyond, refused', () => {
    const r = new UserRateLimit({ perSecond: 10, burst: 3, maxDelayMs: 250, maxTracked: 10 }, log)
    for (let i = 0; i < 3; i++) assert.deepEqual(r.take('u', 0), now)
    assert.deepEqual(r.take('u', 0), { go: true, delayMs: 100 })
    assert.deepEqual(r.take('u', 0), { go: true, delayMs: 200 })
    // The third waiting turn would be 300 ms away: refused, its refusal held maxDelayMs.
    assert.deepEqual(r.take('u', 0), { go: false, retryAfterMs: 300, delayMs: 250 })
    assert.deepEqual(r.take('v', 0), now, 'another user has its own bucket')
    // 40 ms later the next turn is 260 ms away: still refused; at 60 ms it is 240: waits.
    assert.equal(r.take('u', 40).go, false)
    assert.deepEqual(r.take('u', 60), { go: true, delayMs: 240 })
    // A long quiet time refills to the burst, never beyond.
    for (let i = 0; i < 3; i++) assert.deepEqual(r.take('u', 60_000), now)
    assert.deepEqual(r.take('u', 60_000), { go: true, delayMs: 100 })
  })

  test('maxDelayMs 0: refused at once with the wait for one token', () => {
    const r = new UserRateLimit({ perSecond: 10, burst: 1, maxDelayMs: 0, maxTracked: 10 }, log)
    assert.deepEqual(r.take('u', 0), now)
    assert.deepEqual(r.take('u', 0), { go: false, retryAfterMs: 100, delayMs: 0 })
    assert.deepEqual(r.take('u', 100), now)
  })

  test('perSecond 0: nothing waits or is refused, nothing kept', () => {
    const r = new UserRateLimit({ perSecond: 0, burst: 1, maxDelayMs: 0, maxTracked: 10 }, log)
    for (let i = 0; i < 100; i++) assert.deepEqual(r.take('u', 0), now)
    assert.equal(r.tracked, 0)
  })

  test('at most maxTracked buckets: refilled ones go first, then the oldest', () => {
    const r = new UserRateLimit({ perSecond: 1, burst: 2, maxDelayMs: 0, maxTracked: 2 }, log)
    r.take('a', 0)
    r.take('a', 0)
    r.take('b', 1500)
    // At 2500 a's bucket (empty at 0) is full again and goes; b's (taken at 1500) stays.
    r.take('c', 2500)
    assert.equal(r.tracked, 2)
    assert.deepEqual(r.take('b', 2500), now)
    assert.deepEqual(r.take('b', 2500), now, 'b kept its second token')
    assert.equal(r.take('b', 2500).go, false)
    // None refilled: the oldest (b) goes, and starts again full when it comes back.
    r.take('d', 2500)
    assert.equal(r.tracked, 2)
    assert.deepEqual(r.take('b', 2500), now)
  })

  test('property: no stretch of time lets more start than burst + perSecond × its length', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 500 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
        (perSecond, burst, maxDelayMs, gaps) => {
          const r = new UserRateLimit({ perSecond, burst, maxDelayMs, maxTracked: 4 }, log)
          let t = 0
          const starts: number[] = []
          for (const gap of gaps) {
            t += gap
            const d = r.take('u', t)
            assert.ok(d.delayMs >= 0 && d.delayMs <= maxDelayMs)
            if (d.go) starts.push(t + d.delayMs)
            else assert.ok(d.retryAfterMs > maxDelayMs)
          }
          starts.sort((a, b) => a - b)
          for (let i = 0; i < starts.length; i++) {
            for (let j = i; j < starts.length; j++) {
              const span = (starts[j]! - starts[i]!) / 1000
              // +1: a start time is rounded up to a whole ms.
              assert.ok(j - i + 1 <= burst + perSecond * span + 1 + 1e-9)
            }
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  test('property: after a refusal, a request sent when Retry-After says goes through', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 5000 }),
        (perSecond, burst, maxDelayMs, start) => {
          const r = new UserRateLimit({ perSecond, burst, maxDelayMs, maxTracked: 4 }, log)
          let d: RateDecision
          let sent = 0
          do {
            d = r.take('u', start)
            sent++
          } while (d.go && sent < 10_000)
          assert.equal(d.go, false)
          const after = r.take('u', start + d.retryAfterMs)
          assert.ok(after.go)
        },
      ),
    )
  })
})
