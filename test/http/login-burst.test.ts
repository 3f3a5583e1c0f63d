// Failed-login throttling against logins sent at once: one that the logins being verified could
// push past a limit by failing waits for them, so a burst of guesses gets no more passwords
// verified than the limits allow and a right guess inside it is refused, while correct logins
// sent at once are all let in. The right guess goes out once the first guesses are being
// verified (scrypt runs counted in this process, where the server runs), before any has failed.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { scryptRuns } from '../../src/store/password.ts'
import { HANDSHAKE } from '../bayeux/helpers.ts'
import { assertError } from '../helpers/assert.ts'
import { PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { basic, requestFrom } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { until } from '../helpers/wait.ts'

const MAX_PER_NAME = 3
const MAX_PER_ADDRESS = 5
const BURST = 30

interface Burst {
  /** How many of the wrong guesses got each status. */
  statuses: Record<number, number>
  /** Passwords verified during the burst (the right guess's included, if it got that far). */
  verified: number
}

describe('login throttling of logins sent at once', () => {
  let server: TestServer
  const me = (from: string, auth: string) =>
    requestFrom(from, 'GET', `${server.apiUrl}/me`, { authorization: auth })

  before(async () => {
    server = await startServer({
      provision: basicDocument(),
      config: {
        loginWindowSeconds: 60,
        loginMaxFailuresPerName: MAX_PER_NAME,
        loginMaxFailuresPerAddress: MAX_PER_ADDRESS,
      },
    })
  })
  after(() => server.close())

  /** Sends the wrong logins at once, then the right one while they are being verified. */
  async function burst<T>(
    wrong: Array<() => Promise<{ status: number }>>,
    right: () => Promise<T>,
    limit: number,
  ): Promise<Burst & { right: T }> {
    const before = scryptRuns()
    const sent = wrong.map((send) => send())
    await until(
      'the first guesses are being verified',
      () => scryptRuns() - before >= limit,
      8000,
      1,
    )
    const rightReply = await right()
    const statuses: Record<number, number> = {}
    for (const { status } of await Promise.all(sent)) statuses[status] = (statuses[status] ?? 0) + 1
    return { statuses, verified: scryptRuns() - before, right: rightReply }
  }

  test('guesses for one name: no more than its limit are verified, the right one is refused', async () => {
    const wrong = Array.from(
      { length: BURST },
      (_, i) => () => me('127.0.0.2', basic('agent1', `guess-${i}`)),
    )
    const res = await burst(wrong, () => me('127.0.0.2', basic('agent1', PASSWORD)), MAX_PER_NAME)
    assert.deepEqual(res.statuses, { 401: MAX_PER_NAME, 429: BURST - MAX_PER_NAME })
    assert.equal(res.verified, MAX_PER_NAME)
    assertError(res.right, 429, 20)
    assert.ok(Number(res.right.headers['retry-after']) >= 1)
    // The owner, from an address that did not guess, still logs in.
    assert.equal((await me('127.0.0.5', basic('agent1', PASSWORD))).status, 200)
  })

  test('guesses for many names from one address: no more than its limit are verified', async () => {
    const wrong = Array.from(
      { length: BURST },
      (_, i) => () => me('127.0.0.3', basic(`nobody-${i}`, 'x')),
    )
    const res = await burst(
      wrong,
      () => me('127.0.0.3', basic('agent2', PASSWORD)),
      MAX_PER_ADDRESS,
    )
    assert.deepEqual(res.statuses, { 401: MAX_PER_ADDRESS, 429: BURST - MAX_PER_ADDRESS })
    assert.equal(res.verified, MAX_PER_ADDRESS)
    assertError(res.right, 429, 20)
  })

  test('correct logins sent at once from one address, more than its limit, all get in', async () => {
    const users = ['agent1', 'agent2', 'sup1', 'admin1', 'api1']
    const replies = await Promise.all(
      Array.from({ length: 4 * MAX_PER_ADDRESS }, (_, i) =>
        me('127.0.0.5', basic(users[i % users.length] as string, PASSWORD)),
      ),
    )
    assert.deepEqual(
      replies.map((r) => r.status),
      replies.map(() => 200),
    )
  })

  test('CometD handshakes sent at once are throttled the same way', async () => {
    const handshake = (pw: string) =>
      requestFrom<Record<string, unknown>[]>(
        '127.0.0.4',
        'POST',
        `${server.cometdUrl}/handshake`,
        { authorization: basic('agent2', pw) },
        [HANDSHAKE],
      )
    // A handshake's error, as the REST status of the same refusal.
    const status: Record<string, number> = {
      '403:unauthenticated:handshake_denied': 401,
      '403:too_many_failed_logins:handshake_denied': 429,
    }
    const wrong = Array.from({ length: BURST }, (_, i) => async () => {
      const reply = (await handshake(`guess-${i}`)).body[0]!
      return { status: status[String(reply.error)] ?? 0 }
    })
    const res = await burst(wrong, () => handshake(PASSWORD), MAX_PER_NAME)
    assert.deepEqual(res.statuses, { 401: MAX_PER_NAME, 429: BURST - MAX_PER_NAME })
    assert.equal(res.verified, MAX_PER_NAME)
    assert.equal(res.right.body[0]!.error, '403:too_many_failed_logins:handshake_denied')
  })
})
