// userData parsing (request bodies) and the change the store applies to stored userData.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GwsError, StatusCode } from '../../src/errors.ts'
import { applyUserDataChange } from '../../src/model.ts'
import { parseUserData } from '../../src/workbins/interactions.ts'

function invalid(message: RegExp) {
  return (err: unknown): boolean =>
    err instanceof GwsError &&
    err.statusCode === StatusCode.INVALID_PARAMETER &&
    message.test(err.message)
}

describe('parseUserData', () => {
  it('keeps strings, finite numbers and null', () => {
    assert.deepEqual(parseUserData({ a: 'x', n: 1.5, z: null }), { a: 'x', n: 1.5, z: null })
    assert.deepEqual(parseUserData(undefined), {})
  })

  it('refuses what is not a flat map of scalars, naming the key', () => {
    assert.throws(() => parseUserData([1]), invalid(/userData must be an object/))
    assert.throws(() => parseUserData({ '': 1 }), invalid(/empty key/))
    assert.throws(() => parseUserData({ a: { b: 1 } }), invalid(/userData\.a must be/))
    assert.throws(() => parseUserData({ a: Number.NaN }), invalid(/userData\.a must be/))
  })

  it('refuses a __proto__ key (as JSON.parse makes it: an own property)', () => {
    const raw = JSON.parse('{"__proto__": null, "a": 1}') as unknown
    assert.throws(() => parseUserData(raw), invalid(/reserved key __proto__/))
  })
})

describe('applyUserDataChange', () => {
  it('removes, then sets, on a copy', () => {
    const stored = { a: 1, b: 'x', c: null }
    const next = applyUserDataChange(stored, { set: { b: 'y', d: 2 }, remove: ['a', 'b'] })
    assert.deepEqual(next, { b: 'y', c: null, d: 2 })
    assert.deepEqual(stored, { a: 1, b: 'x', c: null })
  })
})
