import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  hashPassword,
  isPasswordHash,
  verifyPassword,
  verifyPasswordAsync,
} from '../../src/store/password.ts'

describe('password hashing', () => {
  it('hashes with scrypt in the documented format and verifies', () => {
    const h = hashPassword('s3cret')
    assert.match(h, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
    assert.ok(isPasswordHash(h))
    assert.equal(verifyPassword('s3cret', h), true)
    assert.equal(verifyPassword('s3cret ', h), false)
    assert.equal(verifyPassword('', h), false)
  })

  it('salts every hash', () => {
    const a = hashPassword('same')
    const b = hashPassword('same')
    assert.notEqual(a, b)
    assert.ok(verifyPassword('same', a) && verifyPassword('same', b))
  })

  it('never matches (nor throws on) a malformed or tampered hash', () => {
    const h = hashPassword('pw')
    const parts = h.split('$')
    const tampered = [...parts.slice(0, 5), Buffer.from('x'.repeat(32)).toString('base64')].join(
      '$',
    )
    for (const bad of [
      '',
      'plain',
      'scrypt$1$2$3',
      tampered,
      h.replace('scrypt', 'bcrypt'),
      h.replace('$16384$', '$3$'),
      h.replace('$16384$', '$1073741824$'),
    ]) {
      assert.equal(verifyPassword('pw', bad), false, bad)
    }
  })
})

it('verifyPasswordAsync agrees with verifyPassword and never throws', async () => {
  const h = hashPassword('async-pw')
  assert.equal(await verifyPasswordAsync('async-pw', h), true)
  assert.equal(await verifyPasswordAsync('async-pw!', h), false)
  assert.equal(await verifyPasswordAsync('async-pw', 'scrypt$garbage'), false)
  assert.equal(await verifyPasswordAsync('async-pw', h.replace(/\$16384\$/, '$16383$')), false)
})
