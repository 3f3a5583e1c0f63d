import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GwsError, StatusCode, httpStatusFor } from '../../src/errors.ts'

test('statusCode → HTTP status mapping (docs/api.md "Conventions")', () => {
  const expected: Record<number, number> = {
    0: 200,
    1: 400,
    2: 400,
    3: 403,
    4: 500,
    5: 403,
    6: 404,
    10: 400,
    11: 400,
    12: 500,
    13: 500,
    14: 500,
    15: 500,
    16: 500,
    17: 500,
    18: 409,
    19: 409,
    20: 401,
  }
  for (const [code, http] of Object.entries(expected)) {
    assert.equal(httpStatusFor(Number(code)), http, `statusCode ${code}`)
  }
})

test('GwsError carries its code, mapped status and envelope body', () => {
  const e = new GwsError(StatusCode.NOT_FOUND, 'Workbin x not found')
  assert.equal(e.httpStatus, 404)
  assert.deepEqual(e.toBody(), { statusCode: 6, statusMessage: 'Workbin x not found' })
})
