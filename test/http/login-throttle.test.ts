// Failed-login throttling: per address, per user name (only for addresses that failed), never
// for a valid session cookie; REST 429 + Retry-After, CometD handshake refused with advice.
// Other client addresses: Linux answers all of 127/8 on loopback.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { pino } from 'pino'
import { WebSocket } from 'ws'
import { HANDSHAKE } from '../bayeux/helpers.ts'
import { assertError } from '../helpers/assert.ts'
import { PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { ApiClient, basic, requestFrom } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const MAX_PER_NAME = 3
const MAX_PER_ADDRESS = 5

describe('login throttling', () => {
  let server: TestServer
  const lines: Record<string, unknown>[] = []
  const me = (from: string, auth: string, cookie?: string) =>
    requestFrom(from, 'GET', `${server.apiUrl}/me`, {
      authorization: auth,
      ...(cookie ? { cookie } : {}),
    })

  before(async () => {
    const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) })
    server = await startServer({
      provision: basicDocument(),
      logger,
      config: {
        loginWindowSeconds: 60,
        loginMaxFailuresPerName: MAX_PER_NAME,
        loginMaxFailuresPerAddress: MAX_PER_ADDRESS,
      },
    })
  })
  after(() => server.close())

  test('failures for a name, then 429 with Retry-After and the envelope, even for the right password', async () => {
    for (let i = 0; i < MAX_PER_NAME; i++) {
      assert.equal((await me('127.0.0.2', basic('agent1', `guess-${i}`))).status, 401)
    }
    for (const pw of ['guess-x', PASSWORD]) {
      const res = await me('127.0.0.2', basic('agent1', pw))
      assertError(res, 429, 20)
      const retry = Number(res.headers['retry-after'])
      assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${retry}`)
      assert.equal(res.headers['www-authenticate'], undefined)
      assert.equal(res.headers['set-cookie'], undefined)
    }
  })

  test('the right password from another address still logs in while the name is attacked', async () => {
    const res = await me('127.0.0.3', basic('agent1', PASSWORD))
    assert.equal(res.status, 200)
    // That address fails once: then it is refused for the attacked name too.
    assert.equal((await me('127.0.0.3', basic('agent1', 'guess-y'))).status, 401)
    assert.equal((await me('127.0.0.3', basic('agent1', PASSWORD))).status, 429)
  })

  test('a valid session cookie is never throttled', async () => {
    const client = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
    assert.equal((await client.get('/me')).status, 200)
    const cookie = `JSESSIONID=${client.cookies.get('JSESSIONID')}`
    // Even from the address that is refused logins for agent1.
    const fromAttacker = await requestFrom('127.0.0.2', 'GET', `${server.apiUrl}/me`, { cookie })
    assert.equal(fromAttacker.status, 200)
    // Basic of the same user with the cookie: the session answers, nothing is checked.
    assert.equal((await me('127.0.0.2', basic('agent1', 'guess-z'), cookie)).status, 200)
  })

  test('an address with too many failures is refused for every name, others are not', async () => {
    for (let i = 0; i < MAX_PER_ADDRESS; i++) {
      assert.equal((await me('127.0.0.4', basic(`nobody-${i}`, 'x'))).status, 401)
    }
    assert.equal((await me('127.0.0.4', basic('agent2', PASSWORD))).status, 429)
    const other = new ApiClient(server.apiUrl, 'sup1', PASSWORD)
    assert.equal((await other.get('/me')).status, 200)
    // A cookie of one user does not open the door to Basic logins of another.
    const cookie = `JSESSIONID=${other.cookies.get('JSESSIONID')}`
    assert.equal((await me('127.0.0.4', basic('agent2', PASSWORD), cookie)).status, 429)
    assert.equal((await me('127.0.0.5', basic('agent2', PASSWORD))).status, 200)
  })

  test('a throttled CometD handshake fails with a clear error and advice to retry later', async () => {
    const res = await requestFrom<Record<string, unknown>[]>(
      '127.0.0.4',
      'POST',
      `${server.cometdUrl}/handshake`,
      { authorization: basic('agent2', PASSWORD) },
      [HANDSHAKE],
    )
    assert.equal(res.status, 200)
    const reply = res.body[0]!
    assert.equal(reply.successful, false)
    assert.equal(reply.error, '403:too_many_failed_logins:handshake_denied')
    const advice = reply.advice as { reconnect: string; interval: number }
    assert.equal(advice.reconnect, 'handshake')
    assert.ok(advice.interval >= 1000 && advice.interval <= 60_000, `interval ${advice.interval}`)

    const ws = new WebSocket(server.cometdUrl.replace(/^http/, 'ws'), {
      localAddress: '127.0.0.4',
      headers: { authorization: basic('agent2', PASSWORD) },
    })
    const status = await new Promise<number>((resolve, reject) => {
      ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0))
      ws.on('open', () => reject(new Error('upgrade accepted')))
      ws.on('error', () => {})
    })
    assert.equal(status, 429)
  })

  test('a throttled Basic header does not reach a CometD session without its cookie', async () => {
    const bayeux = (from: string, messages: object[]) =>
      requestFrom<Record<string, unknown>[]>(
        from,
        'POST',
        server.cometdUrl,
        { authorization: basic('sup1', PASSWORD) },
        messages,
      )
    const [hs] = (await bayeux('127.0.0.1', [HANDSHAKE])).body
    assert.equal(hs?.successful, true, JSON.stringify(hs))
    const connect = {
      channel: '/meta/connect',
      clientId: hs!.clientId,
      connectionType: 'long-polling',
    }
    // No BAYEUX_BROWSER cookie (a page on another site): the Basic header binds, unless the
    // login is throttled (127.0.0.4 is refused every name above): then the session is unknown.
    const [refused] = (await bayeux('127.0.0.4', [connect])).body
    assert.equal(refused?.error, '402::session_unknown')
    const [ok] = (await bayeux('127.0.0.1', [connect])).body
    assert.equal(ok?.successful, true, JSON.stringify(ok))
  })

  test('each throttle is logged once per window, not once per attempt', async () => {
    for (let i = 0; i < 5; i++) await me('127.0.0.2', basic('agent1', `more-${i}`))
    const byName = lines.filter(
      (l) => String(l.msg).includes('for this user name') && l.userName === 'agent1',
    )
    assert.equal(byName.length, 1)
    const byAddress = lines.filter(
      (l) => String(l.msg).includes('from this address') && l.address === '127.0.0.4',
    )
    assert.equal(byAddress.length, 1)
  })
})
