// The readiness probe: 200 while the store answers, 503 when it does not, and 503 from the
// first moment of shutdown while everything else is still served (docs/operations.md).

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { HANDSHAKE, connectMsg, held, post } from '../bayeux/helpers.ts'
import { assertError } from '../helpers/assert.ts'
import { PASSWORD, basicDocument } from '../helpers/fixtures/basic.ts'
import { ApiClient, basic } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { until } from '../helpers/wait.ts'

async function get(url: string) {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as unknown, headers: res.headers }
}

describe('/ready', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  test('answers 200 without credentials while the store answers', async () => {
    const r = await get(`${server.url}/ready`)
    assert.equal(r.status, 200)
    assert.deepEqual(r.body, { statusCode: 0, status: 'ready' })
  })

  test('answers 503 in the GWS envelope when the store does not answer; /health stays 200', async () => {
    const s = await startServer()
    try {
      await s.app.store.close()
      const r = await get(`${s.url}/ready`)
      assertError(r, 503, 4)
      assert.equal(r.headers.get('retry-after'), '1')
      assert.equal((await get(`${s.url}/health`)).status, 200)
    } finally {
      await s.close()
    }
  })
})

describe('/ready during shutdown', () => {
  test('turns 503 as soon as shutdown starts, while held connects and REST are still served', async () => {
    const s = await startServer({
      provision: basicDocument(),
      config: { shutdownDelayMs: 3000, cometd: { timeout: 30_000 } },
    })
    const auth = { authorization: basic('agent1', PASSWORD) }
    const hs = await post(s.cometdUrl, [HANDSHAKE], auth)
    const clientId = hs.body[0]?.clientId as string
    const headers = { cookie: (hs.setCookie ?? '').split(';')[0] ?? '' }
    await post(s.cometdUrl, [connectMsg(clientId, { advice: { timeout: 0 } })], headers)
    const isHeld = held(s.app.bayeux, clientId)
    const pending = post(s.cometdUrl, [connectMsg(clientId)], headers)
    await isHeld
    const agent = new ApiClient(s.apiUrl, 'agent1', PASSWORD)

    assert.equal((await get(`${s.url}/ready`)).status, 200)
    const closing = s.close()
    try {
      await until('/ready answers 503', async () => (await get(`${s.url}/ready`)).status === 503)
      assertError(await get(`${s.url}/ready`), 503, 4)
      // Draining: everything but readiness still works, and the long poll is still held.
      assert.equal((await get(`${s.url}/health`)).status, 200)
      assert.equal((await agent.get('/me')).status, 200)
      assert.equal(s.app.bayeux.stats().heldConnects, 1)
      // After the delay the shutdown goes on: the held connect is answered, then all closes.
      assert.equal((await pending).status, 200)
    } finally {
      await Promise.allSettled([pending, closing])
    }
  })
})
