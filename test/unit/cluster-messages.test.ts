// Bus envelopes (src/cluster/messages.ts): anything that is not one is ignored, never thrown.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseEnvelope } from '../../src/cluster/messages.ts'

test('a bus envelope is read back as sent', () => {
  const env = {
    from: 'n1',
    m: [
      { t: 'wake', users: ['u1'], instances: [{ workbinId: 'w', owner: 'g' }] },
      { t: 'taken', clientId: 'c1' },
      { t: 'taken', clientId: 'c1', take: 42 },
      { t: 'changed', clientId: 'c1' },
      { t: 'subs', userId: 'u1' },
      { t: 'subs', userId: 'u1', instances: [{ workbinId: 'w', owner: 'g' }], on: false },
      { t: 'end', userId: 'u1' },
      { t: 'logout', httpSessionId: 'h1' },
      { t: 'resync' },
      { t: 'loginFailed', name: 'agent1', address: '192.0.2.1' },
    ],
  }
  assert.deepEqual(parseEnvelope(JSON.stringify(env)), env)
})

test('what is not an envelope is undefined', () => {
  for (const text of [
    'not json',
    'null',
    '{"m":[]}',
    '{"from":"n","m":[{"t":7}]}',
    '{"from":"n","m":[{"t":"wake","users":[1],"instances":[]}]}',
    '{"from":"n","m":[{"t":"wake","users":[],"instances":[{"workbinId":"w"}]}]}',
    '{"from":"n","m":[{"t":"taken"}]}',
    '{"from":"n","m":[{"t":"taken","clientId":"c","take":"7"}]}',
    '{"from":"n","m":[{"t":"taken","clientId":"c","take":null}]}',
    '{"from":"n","m":[{"t":"subs","userId":"u","instances":[{"workbinId":"w","owner":"g"}]}]}',
    '{"from":"n","m":[{"t":"subs","userId":"u","instances":[{"owner":"g"}],"on":true}]}',
    '{"from":"n","m":[{"t":"loginFailed","name":"agent1"}]}',
    '{"from":"n","m":[{"t":"loginFailed","name":1,"address":"192.0.2.1"}]}',
  ]) {
    assert.equal(parseEnvelope(text), undefined, text)
  }
})

test('a message of a type a newer node sends is skipped; the known ones with it are kept', () => {
  const wake = { t: 'wake', users: ['u1'], instances: [] }
  assert.deepEqual(
    parseEnvelope(JSON.stringify({ from: 'n2', m: [{ t: 'fromTheFuture', x: 1 }, wake] })),
    { from: 'n2', m: [wake] },
  )
  assert.deepEqual(parseEnvelope('{"from":"n2","m":[{"t":"nope"}]}'), { from: 'n2', m: [] })
})
