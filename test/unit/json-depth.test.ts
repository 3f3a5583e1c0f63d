// tooDeep (src/json-depth.ts): the depth check every REST body and every interaction of a
// provisioning document passes (WORKBINS_JSON_MAX_DEPTH). A loop, not a recursion: a value
// nested far deeper than the stack allows is measured without overflowing it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatJsonPath, tooDeep } from '../../src/json-depth.ts'

/** `[[…[]…]]`, `n` arrays deep, as JSON.parse builds it (iteratively). */
const nested = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n))

test('depth counts objects and arrays; scalars are 0 deep', () => {
  for (const v of [null, 1, 'x', true]) assert.equal(tooDeep(v, 1), undefined)
  assert.equal(tooDeep({}, 1), undefined)
  assert.equal(tooDeep({ a: 1, b: 'x' }, 1), undefined)
  assert.deepEqual(tooDeep({ a: [] }, 1), ['a'])
  assert.equal(tooDeep({ a: [1, { b: null }] }, 3), undefined)
  assert.deepEqual(tooDeep({ a: [1, { b: null }] }, 2), ['a', 1])
  assert.deepEqual(tooDeep({}, 0), [])
})

test('the path names the first container past the limit, keys and indexes in order', () => {
  const body = { operationName: 'Create', userData: { a: '1' }, extra: { ok: [1], deep: [[[]]] } }
  assert.equal(tooDeep(body, 5), undefined)
  assert.deepEqual(tooDeep(body, 4), ['extra', 'deep', 0, 0])
  assert.deepEqual(tooDeep(body, 3), ['extra', 'deep', 0])
  assert.equal(formatJsonPath(['extra', 'deep', 0, 0]), 'extra.deep[0][0]')
  assert.equal(formatJsonPath(['a b', 3], 'x[1]'), 'x[1]["a b"][3]')
})

test('exactly at the limit passes, one level more does not', () => {
  assert.equal(tooDeep(nested(32), 32), undefined)
  const path = tooDeep(nested(33), 32)
  assert.deepEqual(path, new Array(32).fill(0))
})

test('values nested far deeper than the stack allows are measured without overflow', () => {
  const deep = nested(200_000)
  assert.throws(() => JSON.stringify(deep), RangeError) // what the check keeps out
  assert.equal(tooDeep(deep, 32)?.length, 32)
  assert.equal(tooDeep(deep, 1000)?.length, 1000)
  // and a wide value is walked whole
  const wide = { list: Array.from({ length: 50_000 }, (_, i) => ({ i, tags: ['a'] })) }
  assert.equal(tooDeep(wide, 4), undefined)
  assert.deepEqual(tooDeep(wide, 3), ['list', 0, 'tags'])
})
