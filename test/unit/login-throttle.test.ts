// LoginThrottle on its own: windows end, the maps stay bounded, a refused attempt is counted
// without a verification.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { pino } from 'pino'
import { LoginThrottle, addressKey } from '../../src/http/login-throttle.ts'

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

describe('addressKey', () => {
  test('IPv4 as is, IPv4-mapped as IPv4, IPv6 by its /64', () => {
    assert.equal(addressKey('127.0.0.2'), '127.0.0.2')
    assert.equal(addressKey('::ffff:10.1.2.3'), '10.1.2.3')
    assert.equal(addressKey('2001:db8:a:b:1:2:3:4'), '2001:db8:a:b::/64')
    assert.equal(addressKey('2001:DB8:a:b::99'), '2001:db8:a:b::/64')
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64')
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64')
    assert.equal(addressKey('::1'), '0:0:0:0::/64')
  })

  test('two addresses of one /64 share a count', () => {
    const t = new LoginThrottle({ ...opts, maxPerAddress: 2 }, log)
    t.failed('x', '2001:db8:a:b::1', 0)
    t.failed('y', '2001:db8:a:b::2', 0)
    assert.notEqual(t.check('z', '2001:db8:a:b::3', 1), undefined)
    assert.equal(t.check('z', '2001:db8:a:c::3', 1), undefined)
  })
})
