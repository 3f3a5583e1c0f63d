// Requests per user (WORKBINS_USER_REQUESTS_PER_SECOND, WORKBINS_USER_REQUEST_BURST,
// WORKBINS_USER_REQUEST_MAX_DELAY_MS): past its bucket a user's request waits for its turn, or,
// when that is too far away, gets 429 / statusCode 4 with Retry-After before anything is done;
// other users are not affected; the bucket refills at the configured rate. 0 turns it off.

import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import { assertAccepted, assertError } from '../helpers/assert.ts'
import { PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { ApiClient } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const WB = 'aee812a5-7396-4dd9-b180-230f1c1fb085'
// One token a second: the bursts below finish well within it even on a loaded host.
const PER_SECOND = 1
const BURST = 6

describe('requests per user', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({
      provision: basicDocument(),
      // No waiting turns here: past the burst, refused at once.
      config: {
        userRequestsPerSecond: PER_SECOND,
        userRequestBurst: BURST,
        userRequestMaxDelayMs: 0,
      },
    })
  })
  after(() => server.close())

  test('past the burst: 429 / 4 with Retry-After, nothing done, others unaffected, then refilled', async () => {
    const agent1 = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    const agent2 = new ApiClient(server.apiUrl, 'agent2', PASSWORD)
    // The login first (one token, and the only password check), then the rest of the burst at
    // once with the cookie, so the bucket has no time to refill between them.
    assert.equal((await agent1.get('/me')).status, 200)
    const burst = await Promise.all(Array.from({ length: BURST - 1 }, () => agent1.get('/me')))
    assert.deepEqual(
      burst.map((r) => r.status),
      Array(BURST - 1).fill(200),
    )
    const refused = await agent1.post(`/me/workbins/${WB}`, { operationName: 'Subscribe' })
    assertError(refused, 429, 4)
    assert.ok(Number(refused.headers.get('retry-after')) >= 1)
    // Not an authentication failure: no Basic challenge that would make a client log in again.
    assert.equal(refused.headers.get('www-authenticate'), null)
    assert.match((refused.body as { statusMessage: string }).statusMessage, /too many requests/i)
    const user = await server.app.store.getUserByName('agent1')
    assert.deepEqual(await server.app.store.listSubscriptions(user!.id), [])

    // Another user has a bucket of its own.
    assert.equal((await agent2.get('/me')).status, 200)

    // After 1 / PER_SECOND s one request goes through again; the refused Subscribe can be resent.
    await delay(1000 / PER_SECOND + 50)
    assertAccepted(await agent1.post(`/me/workbins/${WB}`, { operationName: 'Subscribe' }))
    assert.equal((await server.app.store.listSubscriptions(user!.id)).length, 1)
  })

  test('Basic on every request, no cookie: counted against the user; a refused one opens no session', async () => {
    const replies = await Promise.all(
      // A new client each time: Basic, and no cookie sent back (a script with curl -u).
      Array.from({ length: BURST + 3 }, () =>
        new ApiClient(server.apiUrl, 'api1', PASSWORD).get('/me'),
      ),
    )
    const statuses = replies.map((r) => r.status)
    // Each of these verifies the password (scrypt) before it is counted: if that took over a
    // second, one more token was added meanwhile.
    const accepted = statuses.filter((s) => s === 200).length
    assert.ok(accepted >= BURST && accepted <= BURST + 1, String(statuses))
    assert.equal(statuses.filter((s) => s === 429).length, BURST + 3 - accepted)
    for (const r of replies) {
      const cookie = r.headers.getSetCookie().find((c) => c.startsWith('JSESSIONID='))
      if (r.status === 200) assert.ok(cookie, 'a login opens a session')
      else assert.equal(cookie, undefined, 'a refused request changes nothing')
    }
  })
})

describe('requests per user, waiting turns', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({
      provision: basicDocument(),
      config: { userRequestsPerSecond: 5, userRequestBurst: 2, userRequestMaxDelayMs: 1000 },
    })
  })
  after(() => server.close())

  test('past the burst a request waits for its turn; one whose turn is too far gets 429 after the wait', async () => {
    const agent1 = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    // Logged in first (a password check takes time: logins sent at once arrive spread out),
    // then the bucket refills (one token a 200 ms, two at most).
    assert.equal((await agent1.get('/me')).status, 200)
    await delay(300)
    const timed = async () => {
      const t0 = performance.now()
      const r = await agent1.get('/me')
      return {
        status: r.status,
        ms: performance.now() - t0,
        retryAfter: r.headers.get('retry-after'),
      }
    }
    // 2 at once (the burst), then 7 more at once: turns 200, 400, ..., 1000 ms away wait and
    // are answered; the 6th and 7th turns (1200, 1400 ms) are refused, after the longest wait.
    const replies = await Promise.all(Array.from({ length: 9 }, timed))
    const ok = replies.filter((r) => r.status === 200)
    const refused = replies.filter((r) => r.status === 429)
    assert.equal(ok.length, 7, JSON.stringify(replies))
    assert.equal(refused.length, 2, JSON.stringify(replies))
    // Started at once, answered one turn (200 ms) apart at the least: the last after 1 s.
    const okTimes = ok.map((r) => r.ms).sort((a, b) => a - b)
    assert.ok(okTimes[6]! >= 950, JSON.stringify(okTimes))
    assert.ok(okTimes[4]! >= 550, JSON.stringify(okTimes))
    for (const r of refused) {
      assert.ok(r.ms >= 950, `a refusal is held for the longest wait: ${r.ms} ms`)
      assert.ok(Number(r.retryAfter) >= 1)
    }
  })
})

describe('requests per user, at shutdown', () => {
  test('requests waiting for their turn are answered 503 at once when the server closes', async () => {
    const server = await startServer({
      provision: basicDocument(),
      config: { userRequestsPerSecond: 1, userRequestBurst: 1, userRequestMaxDelayMs: 10_000 },
    })
    const agent1 = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    assert.equal((await agent1.get('/me')).status, 200)
    // Turns 1, 2, 3 s away: waiting.
    const waiting = Array.from({ length: 3 }, () => agent1.get('/me').then((r) => r.status))
    await delay(200)
    const t0 = performance.now()
    await server.close()
    const closeMs = performance.now() - t0
    assert.deepEqual(await Promise.all(waiting), [503, 503, 503])
    // Without the cut it takes ~2.8 s (the last turn is 3 s after the requests).
    assert.ok(closeMs < 2000, `close waited for the turns: ${closeMs} ms`)
  })
})

describe('requests per user, bound off', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({
      provision: basicDocument(),
      config: { userRequestsPerSecond: 0, userRequestBurst: 1 },
    })
  })
  after(() => server.close())

  test('0 = no bound: a burst far past the bucket size is answered', async () => {
    const agent1 = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    assert.equal((await agent1.get('/me')).status, 200)
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async () => (await agent1.get('/me')).status),
    )
    assert.deepEqual(statuses, Array(50).fill(200))
  })
})
