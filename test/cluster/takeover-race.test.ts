// Two nodes taking one CometD session at the same moment (docs/cluster.md, "Two nodes taking one
// session"): a session opened on node 0 gets a /meta/connect through node 1 and node 2 at once.
// Both restore it from the store and announce it; each restore drew a number from the store, and
// the higher one keeps the session. Exactly one node holds it afterwards: not none (both copies
// dropped, the client restored again at its next request) and not two. Raw Bayeux over fetch, so
// that which node sees which request is exact; /health counts the sessions each node holds.

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { crashDocument } from '../helpers/crash-load.ts'
import { PASSWORD } from '../helpers/fixtures/users.ts'
import { Cluster, redisSkipReason } from '../helpers/cluster.ts'
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.ts'
import { until } from '../helpers/wait.ts'

const skip = (await postgresSkipReason()) ?? (await redisSkipReason())
const ROUNDS = 8

type Reply = Record<string, unknown>

async function post(base: string, user: string, cookie: string, messages: object[]) {
  const res = await fetch(`${base}/api/v2/notifications`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}`,
      ...(cookie ? { Cookie: cookie } : {}),
    },
    body: JSON.stringify(messages),
  })
  assert.equal(res.status, 200)
  const set = res.headers.get('set-cookie')
  const browser = set ? /BAYEUX_BROWSER=[^;]+/.exec(set) : null
  return { replies: (await res.json()) as Reply[], browser: browser?.[0] }
}

describe('two nodes taking one session at once', { skip, timeout: 120_000 }, () => {
  let db: TestDatabase
  let dir: string
  let cluster: Cluster

  before(async () => {
    db = await createTestDatabase()
    dir = await mkdtemp(join(tmpdir(), 'workbins-takeover-'))
    const doc = join(dir, 'cluster.json')
    await writeFile(doc, JSON.stringify(crashDocument(ROUNDS)))
    cluster = new Cluster(3, {
      WORKBINS_DB: db.url,
      WORKBINS_PROVISION: doc,
      COMETD_TIMEOUT: '2000',
      COMETD_MAX_INTERVAL: '30000',
      COMETD_MAX_SESSIONS_PER_BROWSER: '-1',
      WORKBINS_LOG_LEVEL: process.env.CLUSTER_TEST_LOG_LEVEL ?? 'warn',
    })
    await cluster.start()
  })

  after(async () => {
    await cluster?.stop()
    await db?.drop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** Sessions held in memory on each node. */
  async function held(): Promise<number[]> {
    return Promise.all(
      cluster.nodes.map(async (n) => {
        const body = (await (await fetch(`${n.base}/health`)).json()) as { sessions: number }
        return body.sessions
      }),
    )
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

  test('exactly one of the two nodes keeps it, every time', async (t) => {
    const [n0, n1, n2] = cluster.nodes.map((n) => n.base) as [string, string, string]
    const holders: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const user = `crash${round}`
      assert.deepEqual(await held(), [0, 0, 0], 'no session left from the last round')
      const hs = await post(n0, user, '', [
        { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
      ])
      const clientId = hs.replies[0]?.clientId as string
      assert.equal(hs.replies[0]?.successful, true, JSON.stringify(hs.replies))
      const cookie = hs.browser ?? ''
      assert.ok(cookie, 'the handshake set the browser cookie')
      // Answered at once (timeout 0): the race is in the restores, not in held polls.
      const connect = [
        {
          channel: '/meta/connect',
          clientId,
          connectionType: 'long-polling',
          advice: { timeout: 0 },
        },
      ]
      const both = await Promise.all([
        post(n1, user, cookie, connect),
        post(n2, user, cookie, connect),
      ])
      for (const r of both) assert.equal(r.replies[0]?.successful, true, JSON.stringify(r.replies))
      // The announcements crossed; a stale copy is dropped a turn after its request.
      // Waited for, not asserted here: a wrong count shows below with the numbers.
      await until('the announcements settled', async () => sum(await held()) === 1, 3000).catch(
        () => undefined,
      )
      await new Promise((r) => setTimeout(r, 300))
      const counts = await held()
      assert.equal(counts[0], 0, `node 0 dropped its copy (round ${round}: ${counts.join('/')})`)
      assert.equal(
        sum(counts),
        1,
        `one node holds the session (round ${round}: ${counts.join('/')})`,
      )
      holders.push(counts[1] === 1 ? 'node 1' : 'node 2')
      // The holder still serves it: a connect through it is answered with the same clientId.
      const holder = counts[1] === 1 ? n1 : n2
      const again = await post(holder, user, cookie, connect)
      assert.equal(again.replies[0]?.successful, true, JSON.stringify(again.replies))
      assert.deepEqual(await held(), counts, 'no restore needed on the holder')
      const bye = await post(holder, user, cookie, [{ channel: '/meta/disconnect', clientId }])
      assert.equal(bye.replies[0]?.successful, true, JSON.stringify(bye.replies))
    }
    t.diagnostic(`holders by round: ${holders.join(', ')}`)
  })
})
