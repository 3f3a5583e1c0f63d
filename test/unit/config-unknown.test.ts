// WORKBINS_* variables that name no setting are reported with the settings they are close to.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CONFIG_TABLE } from '../../src/config.ts'
import { unknownSettings } from '../../src/config-unknown.ts'

test('every setting of the table is known; other prefixes and the tests’ own are not reported', () => {
  const env = Object.fromEntries(CONFIG_TABLE.map((r) => [r.env, 'x']))
  assert.deepEqual(
    unknownSettings({ ...env, COMETD_URL: 'x', WORKBINS_TEST_PG_URL: 'x', HOME: '/' }),
    [],
  )
})

test('a misspelt or shortened name is reported with the close settings', () => {
  assert.deepEqual(
    unknownSettings({ WORKBINS_LOGIN_MAX_FAILURES: '5', WORKBINS_METRIC: '1', WORKBINS_NOPE: '1' }),
    [
      {
        name: 'WORKBINS_LOGIN_MAX_FAILURES',
        suggestions: [
          'WORKBINS_LOGIN_MAX_FAILURES_PER_NAME',
          'WORKBINS_LOGIN_MAX_FAILURES_PER_ADDRESS',
        ],
      },
      { name: 'WORKBINS_METRIC', suggestions: ['WORKBINS_METRICS', 'WORKBINS_METRICS_PORT'] },
      { name: 'WORKBINS_NOPE', suggestions: [] },
    ],
  )
})
