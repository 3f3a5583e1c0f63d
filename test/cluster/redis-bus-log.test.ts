// The cluster bus logs a Redis outage once and its end once, whichever of its two connections
// (publisher, subscriber) went away: an operator sees every outage, not only the first.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { after, describe, test } from 'node:test'
import { Redis } from 'ioredis'
import pino from 'pino'
import { RedisBus } from '../../src/cluster/redis-bus.ts'
import { REDIS_URL, redisSkipReason } from '../helpers/cluster.ts'
import { until } from '../helpers/wait.ts'

const skip = await redisSkipReason()

describe('cluster bus outage logging', { skip, timeout: 30_000 }, () => {
  const admin = skip ? undefined : new Redis(REDIS_URL)
  after(() => admin?.quit())

  test('an outage of the publisher alone, then of both, is logged each time, and each end', async () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l).msg)
        done()
      },
    })
    const nodeId = `log-${randomBytes(4).toString('hex')}`
    const bus = new RedisBus(REDIS_URL, `test:${nodeId}`, nodeId, pino({ level: 'warn' }, sink), {
      message: () => undefined,
      subscribed: () => undefined,
    })
    await bus.start()
    const count = (what: string) => lines.filter((l) => l.includes(what)).length
    // CLIENT KILL has no NAME filter: find the connection's id by its name.
    const kill = async (name: string) => {
      const list = (await admin!.call('CLIENT', 'LIST')) as string
      const line = list.split('\n').find((l) => l.includes(` name=${name} `))
      const id = / ?id=(\d+)/.exec(line ?? '')?.[1]
      assert.ok(id, `connection ${name} not found`)
      await admin!.call('CLIENT', 'KILL', 'ID', id)
    }
    try {
      await kill(`workbins:${nodeId}:pub`)
      await until('first outage logged', () => count('Redis unreachable') === 1, 5000)
      await until('its end logged', () => count('Redis is back') === 1, 5000)
      await kill(`workbins:${nodeId}:pub`)
      await kill(`workbins:${nodeId}:sub`)
      await until('second outage logged', () => count('Redis unreachable') === 2, 5000)
      await until('its end logged', () => count('Redis is back') === 2, 5000)
      assert.equal(count('Redis unreachable'), 2, lines.join('\n'))
    } finally {
      await bus.close()
    }
  })
})
