// What the server does for the browser console, without a browser: the static files and
// their headers, the cometd client's modules, no file outside the fixed list, WORKBINS_CONSOLE,
// no Basic challenge for scripts, and GET /me/team.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ApiClient } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const AGENT1 = 'e6f2ad1b26ea4e9b8dd907eabe167522'
const AGENT2 = '5c2ea8d4a1f54c0e9b1d7f3a6e8b2c41'

interface Team {
  place: string | null
  agentGroups: { name: string; member: boolean; supervised: boolean; members: string[] }[]
  placeGroups: string[]
  agents: { id: string; userName: string }[]
}

describe('console static files', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ demo: true })
  })
  after(() => server.close())

  test('/ redirects to /console/, which serves the page with a strict policy', async () => {
    const root = await fetch(`${server.url}/`, { redirect: 'manual' })
    assert.equal(root.status, 302)
    assert.equal(root.headers.get('location'), '/console/')
    for (const path of ['/console/', '/console']) {
      const res = await fetch(server.url + path)
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/)
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
      assert.match(await res.text(), /<label for="login-user">User name<\/label>/)
    }
  })

  test('the app, its style and the cometd client modules are served as JavaScript and CSS', async () => {
    for (const [path, type] of [
      ['/console/app.js', /^text\/javascript/],
      ['/console/style.css', /^text\/css/],
      ['/console/vendor/cometd/cometd.js', /^text\/javascript/],
      ['/console/vendor/cometd/Client.js', /^text\/javascript/],
    ] as const) {
      const res = await fetch(server.url + path)
      assert.equal(res.status, 200, path)
      assert.match(res.headers.get('content-type') ?? '', type, path)
    }
  })

  test('nothing outside the fixed list is served', async () => {
    // next to files that are served
    assert.equal((await fetch(`${server.url}/console/app.js`)).status, 200)
    assert.equal((await fetch(`${server.url}/console/vendor/cometd/Z85.js`)).status, 200)
    for (const path of [
      '/console/..%2Fpackage.json',
      '/console/%2E%2E%2Fsrc%2Fconfig.ts',
      '/console/vendor/cometd/package.json',
      '/console/vendor/cometd/..%2F..%2Fpackage.json',
      '/console/nope.js',
    ]) {
      const res = await fetch(server.url + path)
      assert.equal(res.status, 404, path)
    }
  })

  test('a 401 to a script has no Basic challenge; to anyone else it has', async () => {
    const script = await fetch(`${server.url}/api/v2/me`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    })
    assert.equal(script.status, 401)
    assert.equal(script.headers.get('www-authenticate'), null)
    assert.equal(((await script.json()) as { statusCode: number }).statusCode, 20)
    const other = await fetch(`${server.url}/api/v2/me`)
    assert.equal(other.status, 401)
    assert.match(other.headers.get('www-authenticate') ?? '', /^Basic /)
  })
})

describe('WORKBINS_CONSOLE', () => {
  let on: TestServer
  let off: TestServer
  before(async () => {
    on = await startServer({ demo: true })
    off = await startServer({ demo: true, config: { console: false } })
  })
  after(async () => {
    await on.close()
    await off.close()
  })

  test('1 serves the console, 0 serves none of it', async () => {
    for (const path of ['/', '/console/', '/console/app.js', '/console/vendor/cometd/cometd.js']) {
      const status = async (s: TestServer) =>
        (await fetch(s.url + path, { redirect: 'manual' })).status
      assert.equal(await status(on), path === '/' ? 302 : 200, path)
      assert.equal(await status(off), 404, path)
    }
  })
})

describe('GET /me/team', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ demo: true })
  })
  after(() => server.close())

  const team = async (user: string) => {
    const res = await new ApiClient(server.apiUrl, user, `${user}pass`).get<{
      statusCode: number
      team: Team
    }>('/me/team')
    assert.equal(res.status, 200)
    assert.equal(res.body.statusCode, 0)
    return res.body.team
  }

  test('an agent: their groups and their place groups, no other agent', async () => {
    const t = await team('agent1')
    assert.equal(t.place, 'Place_7001')
    assert.deepEqual(
      t.agentGroups.map((g) => [g.name, g.member, g.supervised, g.members]),
      [
        ['Sales', true, false, []],
        ['MyAgentGroup', true, false, []],
      ],
    )
    assert.deepEqual(t.placeGroups, ['North', 'MyPlaceGroup'])
    assert.deepEqual(t.agents, [])
    // and only for the authenticated
    const anonymous = await new ApiClient(server.apiUrl).get('/me/team')
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.body.statusCode, 20)
  })

  test('a supervisor: the groups they supervise and their members', async () => {
    const t = await team('sup1')
    assert.deepEqual(
      t.agentGroups.map((g) => [g.name, g.member, g.supervised]),
      [
        ['Sales', false, true],
        ['MyAgentGroup', false, true],
      ],
    )
    assert.deepEqual(t.agents.map((a) => a.id).sort(), [AGENT1, AGENT2].sort())
    assert.deepEqual(
      t.agentGroups.find((g) => g.name === 'Sales')?.members.sort(),
      [AGENT1, AGENT2].sort(),
    )
  })

  test('an admin: every group and agent of their contact center, none of another', async () => {
    const t = await team('admin1')
    assert.deepEqual(t.agentGroups.map((g) => g.name).sort(), ['MyAgentGroup', 'Sales'])
    assert.deepEqual(t.placeGroups.sort(), ['MyPlaceGroup', 'North'])
    assert.deepEqual(t.agents.map((a) => a.userName).sort(), ['agent1', 'agent2', 'sup1'])
  })
})
