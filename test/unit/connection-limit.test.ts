// The connection bound in all when WORKBINS_MAX_CONNECTIONS is 0: the open-file limit read from
// /proc/self/limits less a reserve for the process's own descriptors (docs/security.md
// "Connections").

import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  FALLBACK_MAX_CONNECTIONS,
  RESERVED_DESCRIPTORS,
  effectiveMaxConnections,
  openFileLimit,
} from '../../src/http/connection-limit.ts'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                1048576              files
Max locked memory         8388608              8388608              bytes
`

test('openFileLimit reads the soft limit of open files', () => {
  assert.equal(openFileLimit(LIMITS), 20000)
  assert.equal(openFileLimit(LIMITS.replace('20000 ', 'unlimited ')), undefined)
  assert.equal(openFileLimit('nothing here'), undefined)
  // This process's own, on Linux.
  if (process.platform === 'linux') assert.ok((openFileLimit() ?? 0) > 0)
})

test('effectiveMaxConnections: the setting, else the limit less the reserve', () => {
  assert.equal(effectiveMaxConnections(500, 20000), 500)
  assert.equal(effectiveMaxConnections(0, 20000), 20000 - RESERVED_DESCRIPTORS)
  assert.equal(effectiveMaxConnections(0, undefined), FALLBACK_MAX_CONNECTIONS)
  // A tiny limit still leaves some connections rather than none.
  assert.equal(effectiveMaxConnections(0, 300), RESERVED_DESCRIPTORS)
})
