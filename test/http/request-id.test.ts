// Request ids: X-Request-Id is taken when it is a safe token, else a random one is made; every
// reply returns it, and every log line of the request carries it (docs/operations.md).

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createLogger } from '../../src/log.ts'
import { PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { ApiClient, basic } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { until } from '../helpers/wait.ts'

type Line = Record<string, unknown>
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers })
  await res.arrayBuffer()
  return { status: res.status, id: res.headers.get('x-request-id') }
}

describe('request ids', () => {
  const lines: Line[] = []
  let server: TestServer
  let agent: ApiClient
  before(async () => {
    const logger = createLogger('debug', {
      write: (line: string) => lines.push(JSON.parse(line) as Line),
    })
    server = await startServer({
      provision: basicDocument(),
      logger,
      config: { loginMaxFailuresPerName: 2, loginMaxFailuresPerAddress: 100 },
    })
    agent = new ApiClient(server.apiUrl, 'agent1', PASSWORD)
  })
  after(() => server.close())

  /** The log lines of one request, once its completion is logged. */
  async function linesOf(id: string): Promise<Line[]> {
    await until(`request ${id} is logged as completed`, () =>
      lines.some((l) => l.reqId === id && l.msg === 'request completed'),
    )
    return lines.filter((l) => l.reqId === id)
  }

  test('a safe X-Request-Id is kept, returned and in the access log lines', async () => {
    const id = 'lb-7f3a.9:01_x'
    const r = await agent.request('GET', '/me', undefined, { headers: { 'x-request-id': id } })
    assert.equal(r.status, 200)
    assert.equal(r.headers.get('x-request-id'), id)
    const msgs = (await linesOf(id)).map((l) => l.msg)
    assert.ok(msgs.includes('incoming request'), msgs.join())
  })

  test('an id that is too long, has unsafe characters or is empty is replaced by a UUID', async () => {
    for (const sent of ['a'.repeat(129), 'a b', 'a"b', 'ü', '']) {
      const r = await get(`${server.apiUrl}/me`, { 'x-request-id': sent })
      assert.equal(r.status, 401)
      assert.match(r.id ?? '', UUID, JSON.stringify(sent))
    }
    assert.equal(
      (await get(`${server.apiUrl}/me`, { 'x-request-id': 'a'.repeat(128) })).id,
      'a'.repeat(128),
    )
  })

  test('without X-Request-Id each request gets its own UUID', async () => {
    const a = await get(`${server.url}/health`)
    const b = await get(`${server.url}/health`)
    assert.match(a.id ?? '', UUID)
    assert.match(b.id ?? '', UUID)
    assert.notEqual(a.id, b.id)
  })

  test('error replies carry it: 404, a bad URL, a refused login', async () => {
    const h = { 'x-request-id': 'err-1' }
    assert.deepEqual(await get(`${server.apiUrl}/nowhere`, h), { status: 404, id: 'err-1' })
    assert.deepEqual(await get(`${server.apiUrl}/workbins/%zz`, h), { status: 400, id: 'err-1' })
  })

  test('the failed-login and throttle lines carry the id of the request that caused them', async () => {
    const wrong = { authorization: basic('agent2', 'wrong') }
    await get(`${server.apiUrl}/me`, { ...wrong, 'x-request-id': 'login-1' })
    await get(`${server.apiUrl}/me`, { ...wrong, 'x-request-id': 'login-2' })
    const first = (await linesOf('login-1')).map((l) => l.msg)
    assert.ok(first.includes('authentication failed'), first.join())
    const second = (await linesOf('login-2')).map((l) => l.msg)
    assert.ok(second.includes('login throttled: too many failed logins for this user name'))
  })

  test('the domain lines of an operation carry it', async () => {
    const r = await agent.request(
      'POST',
      '/me',
      { operationName: 'StartContactCenterSession', place: 'Place_1' },
      { headers: { 'x-request-id': 'ccs-1' } },
    )
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const msgs = (await linesOf('ccs-1')).map((l) => l.msg)
    assert.ok(msgs.includes('contact center session started'), msgs.join())
    const out = await agent.request(
      'POST',
      '/me',
      { operationName: 'Logout' },
      { headers: { 'x-request-id': 'out-1' } },
    )
    assert.equal(out.status, 200)
    assert.ok((await linesOf('out-1')).some((l) => l.msg === 'logged out'))
  })

  test('an unexpected error is logged with the id', async () => {
    const s = await startServer({ provision: basicDocument(), logger: server.app.log })
    try {
      await s.app.store.close()
      const r = await get(`${s.apiUrl}/me`, {
        authorization: basic('agent1', PASSWORD),
        'x-request-id': 'boom-1',
      })
      assert.ok(r.status >= 500, String(r.status))
      assert.equal(r.id, 'boom-1')
      const errorLine = (await linesOf('boom-1')).find((l) => (l.level as number) >= 40 && l.err)
      assert.ok(errorLine, 'an error line with the request id')
    } finally {
      await s.close()
    }
  })
})
