// Which PostgreSQL failures a retry can cure (503) and which mean a bad statement.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mapPgError } from '../../src/store/postgres/pg-errors.ts'
import { StoreUnavailableError } from '../../src/store/store-errors.ts'

const pgError = (code: string): Error => Object.assign(new Error(`pg ${code}`), { code })

test('deadlocks and serialization failures are retryable (503), like a lost connection', () => {
  for (const code of ['40P01', '40001', '08006', '57P01', '57014', '53300']) {
    assert.ok(mapPgError(pgError(code), 'x') instanceof StoreUnavailableError, code)
  }
})

test('a bad statement is not turned into a 503', () => {
  for (const code of ['42601', '22P02']) {
    const err = pgError(code)
    assert.equal(mapPgError(err, 'x'), err, code)
  }
})
