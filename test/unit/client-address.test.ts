// The client's address behind a proxy (docs/scaling.md, "Client address"): X-Forwarded-For
// counts only when the socket peer is a trusted proxy, and is read from the right.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clientAddress } from '../../src/http/client-address.ts'
import { ConfigError, loadConfig } from '../../src/config.ts'

const req = (peer: string, xff?: string) => ({
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  socket: { remoteAddress: peer },
})

test('no trusted proxy: the socket peer, whatever X-Forwarded-For says', () => {
  assert.equal(clientAddress('')(req('10.0.0.5', '203.0.113.9')), '10.0.0.5')
})

test('a trusted proxy: the rightmost untrusted address of X-Forwarded-For', () => {
  const of = clientAddress('127.0.0.1, 10.0.0.0/8')
  assert.equal(of(req('127.0.0.1', '203.0.113.9')), '203.0.113.9')
  assert.equal(of(req('127.0.0.1', '198.51.100.1, 203.0.113.9, 10.1.2.3')), '203.0.113.9')
  // Not from a trusted proxy: the header is ignored.
  assert.equal(of(req('192.0.2.7', '203.0.113.9')), '192.0.2.7')
  assert.equal(of(req('127.0.0.1')), '127.0.0.1')
})

test('WORKBINS_TRUST_PROXY that is not an address list is refused', () => {
  assert.throws(() => loadConfig({ WORKBINS_TRUST_PROXY: 'not an address' }), ConfigError)
  assert.equal(loadConfig({ WORKBINS_TRUST_PROXY: 'loopback' }).trustProxy, 'loopback')
})
