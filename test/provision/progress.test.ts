// The progress of the password step (src/provision/progress.ts): count, rate and ETA, handed
// on at most every `everyMs` and once at the end. Time comes from an explicit clock.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  formatProgress,
  progressReporter,
  type ProgressSnapshot,
} from '../../src/provision/index.ts'

describe('provisioning progress', () => {
  it('reports at most every interval, then once at the end, with rate and ETA', () => {
    let now = 0
    const seen: { s: ProgressSnapshot; final: boolean }[] = []
    const p = progressReporter(
      1000,
      (s, final) => seen.push({ s, final }),
      () => now,
    )
    for (let done = 1; done <= 100; done++) {
      now = done * 50 // 20 per second
      p.update(done, 100)
    }
    // 5 s of work at a 1 s interval: 5 reports (t = 1 s … 5 s), then the final one.
    assert.equal(seen.filter((e) => !e.final).length, 5)
    const first = seen[0]!.s
    assert.equal(first.done, 20)
    assert.equal(Math.round(first.perSecond), 20)
    assert.equal(Math.round(first.etaSeconds!), 4)
    assert.equal(formatProgress(first), 'passwords 20/100 (20%)  20/s  ETA 4s')
    const last = p.finish()!
    assert.equal(seen.at(-1)!.final, true)
    assert.equal(formatProgress(last), 'passwords 100/100 (100%)  20/s  ETA 0s')
    p.finish()
    assert.equal(seen.filter((e) => e.final).length, 1)
  })

  it('writes long ETAs in minutes and hours', () => {
    const at = (etaSeconds: number) =>
      formatProgress({ done: 1, total: 10, elapsedMs: 1, perSecond: 1, etaSeconds })
    assert.match(at(62), /ETA 1m02s$/)
    assert.match(at(3 * 3600 + 5 * 60), /ETA 3h05m$/)
    assert.match(
      formatProgress({ done: 0, total: 10, elapsedMs: 0, perSecond: 0, etaSeconds: undefined }),
      /ETA \?$/,
    )
  })
})
