// Which node keeps a CometD session that two nodes took (docs/cluster.md, "Two nodes taking one
// session"), in every order the announcements can cross: two ClusterNodes on the local Redis (a
// channel of their own), each with a stand-in Bayeux server that records which sessions it was
// told to drop. The store's take numbers are given directly here; the three-node test
// (takeover-race.test.ts) draws them from PostgreSQL.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import pino from 'pino'
import type { BayeuxServer } from '../../src/bayeux/index.ts'
import { ClusterNode } from '../../src/cluster/cluster-node.ts'
import type { FeedPump } from '../../src/notifications/feed-pump.ts'
import { REDIS_URL, redisSkipReason } from '../helpers/cluster.ts'
import { until } from '../helpers/wait.ts'

const skip = await redisSkipReason()

/** The sessions a node was told to drop, in order. */
class Node {
  readonly released: string[] = []
  readonly cluster: ClusterNode

  constructor(channel: string, nodeId: string) {
    const bayeux = {
      releaseSession: (clientId: string) => {
        this.released.push(clientId)
        return true
      },
    } as unknown as BayeuxServer
    const pump = { resync: () => undefined } as unknown as FeedPump
    this.cluster = new ClusterNode(
      { url: REDIS_URL, channel, nodeId, holdTtlMs: 10_000 },
      pump,
      () => bayeux,
      pino({ level: 'silent' }),
    )
  }
}

/** Long enough for a bus message to cross many times over (local Redis). */
const settle = () => new Promise((r) => setTimeout(r, 150))

describe('the later take keeps the session', { skip, timeout: 30_000 }, () => {
  let a: Node
  let b: Node

  before(async () => {
    const channel = `workbins:test:${randomBytes(6).toString('hex')}`
    a = new Node(channel, 'node-a')
    b = new Node(channel, 'node-b')
    await Promise.all([a.cluster.start(), b.cluster.start()])
  })
  after(async () => {
    await Promise.all([a?.cluster.close(), b?.cluster.close()])
  })

  test('taken at the same moment: the lower number drops its copy, the higher keeps it', async () => {
    a.cluster.taken('s1', 10)
    b.cluster.taken('s1', 11)
    await until('a dropped s1', () => a.released.includes('s1'), 3000)
    await settle()
    assert.deepEqual(a.released, ['s1'])
    assert.deepEqual(b.released, [], 'b took it later: it keeps it')
  })

  test('one after the other: each take moves the session (round-robin long polling)', async () => {
    a.released.length = 0
    b.released.length = 0
    a.cluster.taken('s2', 20)
    await until('b dropped s2', () => b.released.includes('s2'), 3000)
    b.cluster.taken('s2', 21)
    await until('a dropped s2', () => a.released.includes('s2'), 3000)
    a.cluster.taken('s2', 22)
    await until('b dropped s2 again', () => b.released.length === 2, 3000)
    await settle()
    assert.deepEqual(a.released, ['s2'])
    assert.deepEqual(b.released, ['s2', 's2'])
  })

  test('the earlier take made ready after the later one was announced: its copy goes, once', async () => {
    a.released.length = 0
    b.released.length = 0
    b.cluster.taken('s3', 31)
    await until('a heard of it', () => a.released.includes('s3'), 3000)
    a.released.length = 0
    // a's restore drew 30, before b's 31, but a is ready only now.
    a.cluster.taken('s3', 30)
    await until('a dropped its stale copy', () => a.released.includes('s3'), 3000)
    await settle()
    assert.deepEqual(a.released, ['s3'])
    assert.deepEqual(b.released, [], 'a did not announce its older take: b keeps it')
  })

  test('an announcement without a number (an older node) always moves the session', async () => {
    a.released.length = 0
    b.released.length = 0
    a.cluster.taken('s4', 40)
    await until('b dropped s4', () => b.released.includes('s4'), 3000)
    b.cluster.taken('s4')
    await until('a dropped s4', () => a.released.includes('s4'), 3000)
  })
})
