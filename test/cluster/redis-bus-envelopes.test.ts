// What goes on the bus in one envelope: a `released` travels alone, so a node older than that
// type, which drops a whole envelope holding a type it does not know, loses nothing else sent
// in the same turn (a rolling upgrade; docs/operations.md "Upgrades").

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { Redis } from 'ioredis'
import pino from 'pino'
import type { BusEnvelope } from '../../src/cluster/messages.ts'
import { RedisBus } from '../../src/cluster/redis-bus.ts'
import { REDIS_URL, redisSkipReason } from '../helpers/cluster.ts'
import { until } from '../helpers/wait.ts'

const skip = await redisSkipReason()

describe('cluster bus envelopes', { skip, timeout: 30_000 }, () => {
  const listener = skip ? undefined : new Redis(REDIS_URL)
  after(() => listener?.quit())

  test('released goes in an envelope of its own; what was sent with it in another', async () => {
    const nodeId = `env-${randomBytes(4).toString('hex')}`
    const channel = `test:${nodeId}`
    const seen: BusEnvelope[] = []
    listener!.on('message', (ch: string, text: string) => {
      if (ch === channel) seen.push(JSON.parse(text) as BusEnvelope)
    })
    await listener!.subscribe(channel)
    const bus = new RedisBus(REDIS_URL, channel, nodeId, pino({ level: 'silent' }), {
      message: () => undefined,
      subscribed: () => undefined,
    })
    await bus.start()
    try {
      // One turn of the event loop: sent together unless kept apart.
      bus.send({ t: 'subs', userId: 'u1' })
      bus.send({ t: 'released', clientId: 'c1', position: 7 })
      bus.send({ t: 'end', userId: 'u2' })
      await until('two envelopes', () => seen.length >= 2, 5000)
      const types = seen.map((e) => e.m.map((m) => m.t))
      assert.deepEqual(
        types.sort((a, b) => a.length - b.length),
        [['released'], ['subs', 'end']],
      )
    } finally {
      await bus.close()
    }
  })
})
