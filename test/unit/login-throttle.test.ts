// LoginThrottle on its own: windows end, the maps stay bounded, a refused attempt is counted
// without a verification.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { pino } from 'pino'
import { LoginThrottle } from '../../src/http/login-throttle.ts'

const log = pino({ level: 'silent' })
const opts = { windowMs: 1000, maxPerName: 2, maxPerAddress: 3, maxTracked: 2 }

describe('LoginThrottle', () => {
  test('a name is refused to failed addresses only, until its window ends', () => {
    const t = new LoginThrottle(opts, log)
    t.failed('ann', 'a', 0)
    t.failed('ann', 'b', 10)
    assert.equal(t.check('ann', 'a', 20), 980)
    assert.equal(t.check('ann', 'clean', 20), undefined)
    assert.equal(t.check('ann', 'a', 1000), undefined, 'window over')
  })

  test('an address is refused for every name after its failures', () => {
    const t = new LoginThrottle(opts, log)
    for (const name of ['x', 'y', 'z']) t.failed(name, 'a', 0)
    assert.equal(t.check('anyone', 'a', 500), 500)
  })

  test('at most maxTracked keys per map: the oldest window is dropped', () => {
    const t = new LoginThrottle({ ...opts, maxPerName: 1 }, log)
    t.failed('n1', 'a1', 0)
    t.failed('n2', 'a2', 1)
    t.failed('n3', 'a3', 2)
    // n1 (and a1) were dropped: a1 is clean again and n1 not under attack.
    t.failed('other', 'a2', 3)
    assert.equal(t.check('n1', 'a2', 4), undefined)
    assert.notEqual(t.check('n3', 'a3', 4), undefined)
  })
})
