// HTTP sessions: a new one per login, logout, a password change ends them, the per-user cap,
// cookie attributes; and the CometD sessions opened with them.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { HANDSHAKE, RawWs, connectMsg, post, type Msg } from '../bayeux/helpers.ts'
import { U, PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { ApiClient, basic } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { e2eStores } from '../helpers/stores.ts'
import { until } from '../helpers/wait.ts'

const run = promisify(execFile)
// The store ends sessions (cap, password change): those cases on SQLite and on PostgreSQL.
const STORES = await e2eStores()

interface Handshaken {
  clientId: string
  headers: Record<string, string>
  setCookie: string | null
}

/** A long-polling handshake with these request headers (cookie or Basic) and a first connect. */
async function handshake(server: TestServer, headers: Record<string, string>): Promise<Handshaken> {
  const r = await post(server.cometdUrl, [HANDSHAKE], headers)
  assert.equal(r.body[0]?.successful, true, r.text)
  const browser = (r.setCookie ?? '').split(';')[0] ?? ''
  const cookie = [headers.cookie, browser].filter(Boolean).join('; ')
  const s = { clientId: r.body[0]!.clientId as string, headers: { cookie }, setCookie: r.setCookie }
  assert.equal((await connect(server, s)).successful, true)
  return s
}

/** A connect answered at once: its reply. */
async function connect(server: TestServer, s: Handshaken): Promise<Msg> {
  const r = await post(
    server.cometdUrl,
    [connectMsg(s.clientId, { advice: { timeout: 0 } })],
    s.headers,
  )
  const reply = r.body.find((m) => m.channel === '/meta/connect')
  assert.ok(reply, r.text)
  return reply
}

function cometdUsers(server: TestServer): string[] {
  return [...server.app.bayeux.principals()].map((p) => p.userId)
}

async function login(server: TestServer, user: string, password = PASSWORD): Promise<ApiClient> {
  const client = new ApiClient(server.apiUrl, user, password)
  const res = await client.get('/me')
  assert.equal(res.status, 200)
  return client
}

/** A websocket upgraded with these headers, handshaken on it when `handshaken`. */
async function websocket(
  server: TestServer,
  headers: Record<string, string>,
  handshaken = true,
): Promise<RawWs> {
  const ws = await RawWs.open(server.cometdUrl, headers)
  if (handshaken) {
    ws.send([{ ...HANDSHAKE, supportedConnectionTypes: ['websocket'] }])
    const r = await ws.waitFor((m) => m.channel === '/meta/handshake')
    assert.equal(r.successful, true)
  }
  return ws
}

/** The socket's close code once it closes, or null if it is still open after `ms`. */
function closedWithin(ws: RawWs, ms = 3000): Promise<number | null> {
  return Promise.race([ws.closed, new Promise<null>((r) => setTimeout(() => r(null), ms))])
}

/** A handshake on an open websocket: whether it succeeded. */
async function handshakeOn(ws: RawWs): Promise<boolean> {
  const before = ws.messages.length
  ws.send([{ ...HANDSHAKE, id: 'again', supportedConnectionTypes: ['websocket'] }])
  const r = await ws.waitFor((m) => m.channel === '/meta/handshake' && m.id === 'again')
  assert.ok(ws.messages.length > before)
  return r.successful === true
}

function cookieOnly(server: TestServer, of: ApiClient): ApiClient {
  const c = new ApiClient(server.apiUrl)
  c.cookies.set('JSESSIONID', of.cookies.get('JSESSIONID')!)
  return c
}

for (const backend of STORES) {
  describe(`logout and session limits, on ${backend.name}`, { skip: backend.skip }, () => {
    let server: TestServer
    before(async () => {
      server = await startServer({
        provision: basicDocument(),
        db: await backend.db(),
        config: { maxHttpSessionsPerUser: 3 },
      })
    })
    after(() => server.close())

    test('Logout ends the session: its cookie gets 401, Basic logs in again afresh', async () => {
      const a = await login(server, 'agent1')
      const sid = a.cookies.get('JSESSIONID')!
      const out = await a.post('/me', { operationName: 'Logout' })
      assert.equal(out.status, 200)
      assert.deepEqual(out.body, { statusCode: 0 })
      const cleared = out.headers.getSetCookie().find((c) => c.startsWith('JSESSIONID='))
      assert.match(cleared ?? '', /^JSESSIONID=;.*Max-Age=0/)
      assert.equal(await server.app.store.getSession(sid), undefined)

      const stale = new ApiClient(server.apiUrl)
      stale.cookies.set('JSESSIONID', sid)
      const refused = await stale.get('/me')
      assert.equal(refused.status, 401)
      assert.equal(refused.body.statusCode, 20)

      const again = await login(server, 'agent1')
      assert.notEqual(again.cookies.get('JSESSIONID'), sid)
    })

    test('Logout ends the CometD sessions of that login, not those of another', async () => {
      const a = await login(server, 'agent2')
      const b = await login(server, 'agent2')
      const ca = await handshake(server, { cookie: `JSESSIONID=${a.cookies.get('JSESSIONID')}` })
      const cb = await handshake(server, { cookie: `JSESSIONID=${b.cookies.get('JSESSIONID')}` })

      assert.equal((await a.post('/me', { operationName: 'Logout' })).status, 200)

      const ended = await connect(server, ca)
      assert.equal(ended.successful, false)
      assert.equal((ended.advice as { reconnect: string }).reconnect, 'handshake')
      assert.equal((await connect(server, cb)).successful, true)
      assert.equal((await b.get('/me')).status, 200)

      // The logged-out cookie no longer opens a CometD session.
      const r = await post(server.cometdUrl, [HANDSHAKE], {
        cookie: `JSESSIONID=${a.cookies.get('JSESSIONID')}`,
      })
      assert.equal(r.body[0]?.successful, false)
    })

    test('a CometD session of a login continues with Basic alone, until Logout', async () => {
      const a = await login(server, 'agent2')
      const s = await handshake(server, { cookie: `JSESSIONID=${a.cookies.get('JSESSIONID')}` })
      // Later requests lose every cookie (as from a page on another site) and send Basic.
      const basicOnly = { ...s, headers: { authorization: basic('agent2', PASSWORD) } }
      assert.equal((await connect(server, basicOnly)).successful, true)
      const stranger = { ...s, headers: { authorization: basic('agent1', PASSWORD) } }
      assert.match((await connect(server, stranger)).error as string, /^402:/)
      // Its login ends: so does the session, whatever binds the requests.
      assert.equal((await a.post('/me', { operationName: 'Logout' })).status, 200)
      const ended = await connect(server, basicOnly)
      assert.equal(ended.successful, false)
      assert.equal((ended.advice as { reconnect: string }).reconnect, 'handshake')
    })

    test('Logout closes the websockets its cookie opened: no handshake follows on them', async () => {
      const a = await login(server, 'agent2')
      const b = await login(server, 'agent2')
      const cookieA = { cookie: `JSESSIONID=${a.cookies.get('JSESSIONID')}` }
      const withSession = await websocket(server, cookieA)
      const idle = await websocket(server, cookieA, false)
      const other = await websocket(server, { cookie: `JSESSIONID=${b.cookies.get('JSESSIONID')}` })

      assert.equal((await a.post('/me', { operationName: 'Logout' })).status, 200)

      assert.equal(await closedWithin(withSession), 1008)
      assert.equal(await closedWithin(idle), 1008)
      assert.equal(other.closeCode, null)
      assert.equal(await handshakeOn(other), true)
      // A new socket with the logged-out cookie is refused at the upgrade.
      await assert.rejects(RawWs.open(server.cometdUrl, cookieA), /upgrade refused: 401/)
      await other.close()
    })

    test('EndContactCenterSession keeps the HTTP session', async () => {
      const a = await login(server, 'sup1')
      const end = await a.post('/me', { operationName: 'EndContactCenterSession' })
      assert.equal(end.status, 200)
      assert.equal((await cookieOnly(server, a).get('/me')).status, 200)
    })

    test('a login beyond the per-user cap ends the least recently used session', async () => {
      const clients: ApiClient[] = []
      for (let i = 0; i < 4; i++) clients.push(await login(server, 'admin1'))
      const statuses = []
      for (const c of clients) statuses.push((await cookieOnly(server, c).get('/me')).status)
      assert.deepEqual(statuses, [401, 200, 200, 200])
    })

    test('BAYEUX_BROWSER is HttpOnly and SameSite=Lax, like JSESSIONID', async () => {
      const s = await handshake(server, { authorization: basic('api1', PASSWORD) })
      assert.match(s.setCookie ?? '', /^BAYEUX_BROWSER=/)
      assert.match(s.setCookie ?? '', /HttpOnly/)
      assert.match(s.setCookie ?? '', /SameSite=Lax/)
      assert.doesNotMatch(s.setCookie ?? '', /Secure/)
    })
  })
}

describe('cookies behind HTTPS (WORKBINS_COOKIE_SECURE=1)', () => {
  test('JSESSIONID and BAYEUX_BROWSER are Secure and SameSite=Lax', async () => {
    const server = await startServer({ provision: basicDocument(), config: { cookieSecure: true } })
    try {
      const res = await new ApiClient(server.apiUrl, 'agent1', PASSWORD).get('/me')
      const session = res.headers.getSetCookie().find((c) => c.startsWith('JSESSIONID='))
      assert.match(session ?? '', /Secure/)
      const s = await handshake(server, { authorization: basic('agent1', PASSWORD) })
      assert.match(s.setCookie ?? '', /; Secure/)
      assert.match(s.setCookie ?? '', /SameSite=Lax/)
    } finally {
      await server.close()
    }
  })
})

for (const backend of STORES) {
  describe(`a password change by provisioning, on ${backend.name}`, { skip: backend.skip }, () => {
    let server: TestServer
    before(async () => {
      // maxInterval outlasts the CLI run: sessions must end by the password change, not expire.
      server = await startServer({
        provision: basicDocument(),
        db: await backend.db(),
        config: { credentialCheckMs: 50, cometd: { maxInterval: 30_000 } },
      })
    })
    after(() => server.close())

    test('ends the user’s HTTP and CometD sessions, not other users’', async () => {
      const a = await login(server, 'agent1')
      const viaCookie = await handshake(server, {
        cookie: `JSESSIONID=${a.cookies.get('JSESSIONID')}`,
      })
      const viaBasic = await handshake(server, { authorization: basic('agent1', PASSWORD) })
      const overWs = await websocket(server, { authorization: basic('agent1', PASSWORD) }, false)
      const other = await login(server, 'agent2')
      const otherCometd = await handshake(server, {
        cookie: `JSESSIONID=${other.cookies.get('JSESSIONID')}`,
      })

      // `workbins provision` in another process, on the running server's database.
      const doc = basicDocument()
      const agent1 = doc.contactCenters[0]!.users.find((u) => u.userName === 'agent1')!
      delete agent1.passwordHash
      agent1.password = 'a-new-password-2'
      const dir = await mkdtemp(join(tmpdir(), 'workbins-sessions-'))
      const file = join(dir, 'new-password.json')
      await writeFile(file, JSON.stringify(doc))
      try {
        await run(process.execPath, [
          '--import',
          'tsx',
          'src/cli.ts',
          'provision',
          file,
          '--db',
          server.dbPath,
        ])
      } finally {
        await rm(dir, { recursive: true, force: true })
      }

      const refused = await cookieOnly(server, a).get('/me')
      assert.equal(refused.status, 401)
      await until('agent1 CometD sessions end', () => !cometdUsers(server).includes(U.agent1), 3000)
      for (const s of [viaCookie, viaBasic]) {
        const reply = await connect(server, s)
        assert.equal(reply.successful, false)
        assert.equal((reply.advice as { reconnect: string }).reconnect, 'handshake')
      }

      // A socket upgraded with the old password, even one without a session, is closed.
      assert.equal(await closedWithin(overWs), 1008)
      assert.equal((await cookieOnly(server, other).get('/me')).status, 200)
      assert.equal((await connect(server, otherCometd)).successful, true)
      assert.equal((await new ApiClient(server.apiUrl, 'agent1', PASSWORD).get('/me')).status, 401)
      await login(server, 'agent1', 'a-new-password-2')
    })
  })
}

describe('Basic on every request without the cookie', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({
      provision: basicDocument(),
      config: { maxHttpSessionsPerUser: 4, maxUnclaimedSessionsPerUser: 2 },
    })
  })
  after(() => server.close())

  test('ends its own unclaimed sessions first, never the desktop that keeps its cookie', async () => {
    const desktop = await login(server, 'agent1')
    // The desktop's cookie comes back: a client that keeps cookies.
    assert.equal((await cookieOnly(server, desktop).get('/me')).status, 200)
    const cookieless: ApiClient[] = []
    for (let i = 0; i < 10; i++) {
      // A new client each time: Basic, and the cookie the reply sets is never sent back.
      const c = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
      assert.equal((await c.get('/me')).status, 200)
      cookieless.push(c)
    }
    assert.equal((await cookieOnly(server, desktop).get('/me')).status, 200)
    const statuses = []
    for (const c of cookieless) statuses.push((await cookieOnly(server, c).get('/me')).status)
    assert.deepEqual(statuses, [...Array(8).fill(401), 200, 200])
  })
})
