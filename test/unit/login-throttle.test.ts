// LoginThrottle on its own: windows end, the maps stay bounded, a refused attempt is counted
// without a verification, an attempt that attempts under way could push past a limit waits.

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
    assert.equal(t.begin('ann', 'a', 20), 980)
    assert.equal(t.begin('ann', 'clean', 20), undefined)
    assert.equal(t.begin('ann', 'a', 1000), undefined, 'window over')
  })

  test('an address is refused for every name after its failures', () => {
    const t = new LoginThrottle(opts, log)
    for (const name of ['x', 'y', 'z']) t.failed(name, 'a', 0)
    assert.equal(t.begin('anyone', 'a', 500), 500)
  })

  test('at most maxTracked keys per map: the oldest window is dropped', () => {
    const t = new LoginThrottle({ ...opts, maxPerName: 1 }, log)
    t.failed('n1', 'a1', 0)
    t.failed('n2', 'a2', 1)
    t.failed('n3', 'a3', 2)
    // n1 (and a1) were dropped: a1 is clean again and n1 not under attack.
    t.failed('other', 'a2', 3)
    assert.equal(t.begin('n1', 'a2', 4), undefined)
    assert.notEqual(t.begin('n3', 'a3', 4), undefined)
  })
})

describe('LoginThrottle: attempts under way', () => {
  /** Whether a promise has settled by the time the microtasks queued now have run. */
  async function settled(p: unknown): Promise<boolean> {
    assert.ok(p instanceof Promise, `a wait, not ${String(p)}`)
    let done = false
    void p.then(() => (done = true))
    await Promise.resolve()
    return done
  }

  test('an attempt waits while those under way could reach the address limit', async () => {
    const t = new LoginThrottle(opts, log)
    for (const name of ['x', 'y', 'z']) assert.equal(t.begin(name, 'a', 0), undefined)
    const w = t.begin('w', 'a', 0)
    assert.equal(await settled(w), false, 'three under way, none failed yet')
    t.end('x', 'a') // x logged in: its place is free
    assert.equal(await settled(w), true)
    assert.equal(t.begin('w', 'a', 1), undefined)
    const v = t.begin('v', 'a', 1)
    for (const name of ['y', 'z', 'w']) {
      t.failed(name, 'a', 2)
      t.end(name, 'a')
    }
    assert.equal(await settled(v), true)
    assert.equal(t.begin('v', 'a', 4), 998, 'three failures: refused until the window ends')
  })

  test('an attempt waits while those under way could reach the name limit', async () => {
    const t = new LoginThrottle({ ...opts, maxPerName: 2, maxPerAddress: 10 }, log)
    assert.equal(t.begin('ann', 'a', 0), undefined)
    assert.equal(t.begin('ann', 'a', 0), undefined)
    const third = t.begin('ann', 'a', 0)
    assert.equal(await settled(third), false)
    assert.equal(t.begin('ann', 'clean', 0), undefined, 'the owner, from a clean address')
    for (let i = 0; i < 2; i++) {
      t.failed('ann', 'a', 5)
      t.end('ann', 'a')
    }
    assert.equal(await settled(third), true)
    assert.equal(t.begin('ann', 'a', 10), 995, 'two failures: refused to the address that failed')
    // The owner's second login from the clean address waits for the first, then goes on.
    const again = t.begin('ann', 'clean', 10)
    t.end('ann', 'clean')
    assert.equal(await settled(again), true)
    assert.equal(t.begin('ann', 'clean', 10), undefined)
  })

  test('an attempt begun in one window still counts in the next', async () => {
    const t = new LoginThrottle(opts, log)
    t.failed('x', 'a', 0)
    t.failed('x', 'a', 0)
    assert.equal(t.begin('y', 'a', 999), undefined)
    assert.equal(t.begin('z', 'a', 1000), undefined, 'new window')
    assert.equal(t.begin('z', 'a', 1000), undefined)
    assert.equal(await settled(t.begin('z', 'a', 1000)), false, 'y and both z under way')
  })

  test('IPv6 addresses of one /64 share their attempts under way', async () => {
    const t = new LoginThrottle({ ...opts, maxPerAddress: 1 }, log)
    assert.equal(t.begin('x', '2001:db8:a:b::1', 0), undefined)
    const y = t.begin('y', '2001:db8:a:b::2', 0)
    assert.equal(t.begin('y', '2001:db8:a:c::2', 0), undefined, 'another /64')
    t.end('x', '2001:db8:a:b::1')
    assert.equal(await settled(y), true)
    assert.equal(t.begin('y', '2001:db8:a:b::2', 0), undefined)
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
    assert.notEqual(t.begin('z', '2001:db8:a:b::3', 1), undefined)
    assert.equal(t.begin('z', '2001:db8:a:c::3', 1), undefined)
  })
})
