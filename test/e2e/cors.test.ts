// A desktop page on another origin, in Chromium: it logs in with credentials, reads the CSRF
// headers, starts its session, opens CometD at /genesys/cometd with the official client loaded
// from the server (a cross-origin module) and hears its own ChannelStateChangeMessage; a page
// of an origin that is not allowed can read nothing, and a page of the same site that is not
// allowed cannot open CometD sessions with the user's cookie. The raw-HTTP view of the same
// rules is test/http/cors.test.ts.

import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { browserSkip, launchChromium } from '../helpers/browser.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const skip = browserSkip

/** A plain page server: the desktop's own origin. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end('<!doctype html><title>desk</title><p>desk</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

// The page scripts are plain JavaScript strings: tsx would rewrite a TypeScript function
// (helper calls the page does not have).
const DESK_SCRIPT = `async (base) => {
  const api = base + '/api/v2'
  const me = await fetch(api + '/me', {
    credentials: 'include',
    headers: { Authorization: 'Basic ' + btoa('agent1:agent1pass') },
  })
  const header = me.headers.get('X-CSRF-HEADER') || ''
  const token = me.headers.get('X-CSRF-TOKEN') || ''
  const user = (await me.json()).user.userName
  // From here on the JSESSIONID cookie (credentials) and the CSRF token authenticate.
  const post = async (path, body) => {
    const r = await fetch(api + path, {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json', [header]: token },
      body: JSON.stringify(body),
    })
    return { status: r.status, body: await r.json() }
  }
  const start = await post('/me', { operationName: 'StartContactCenterSession', channels: ['chat'] })
  const { CometD } = await import(base + '/console/vendor/cometd/cometd.js')
  const cometd = new CometD()
  cometd.unregisterTransport('websocket') // XHR long-polling: the CORS path
  cometd.configure({ url: base + '/genesys/cometd', logLevel: 'warn' })
  const handshake = await new Promise((resolve) => cometd.handshake((m) => resolve(m.successful)))
  const data = await new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('no ChannelStateChangeMessage')), 5000)
    cometd.subscribe('/v2/me/channels', (m) => resolve(m.data), () => {
      post('/me/channels/chat', { operationName: 'Ready' })
    })
  })
  cometd.disconnect()
  return { header, tokenLength: token.length, user, start, handshake, data }
}`

const STRANGER_SCRIPT = `async (base) => {
  try {
    await fetch(base + '/api/v2/me', {
      credentials: 'include',
      headers: { Authorization: 'Basic ' + btoa('agent1:agent1pass') },
    })
    return 'read'
  } catch (err) {
    return err.name
  }
}`

describe('a desktop on another origin, in Chromium', { skip, timeout: 60_000 }, () => {
  let api: TestServer
  let browser: Browser
  let desk: { server: Server; origin: string }
  let stranger: { server: Server; origin: string }
  before(async () => {
    desk = await pageServer()
    stranger = await pageServer()
    api = await startServer({ demo: true, config: { corsOrigins: desk.origin, csrf: true } })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await api?.close()
    desk?.server.close()
    stranger?.server.close()
  })

  it('logs in, reads the CSRF token, drives its channel and hears it on CometD', async () => {
    const page = await browser.newPage()
    await page.goto(desk.origin)
    const result = (await page.evaluate(`(${DESK_SCRIPT})(${JSON.stringify(api.url)})`)) as {
      header: string
      tokenLength: number
      user: string
      start: unknown
      handshake: boolean
      data: unknown
    }
    assert.equal(result.header, 'X-CSRF-TOKEN')
    assert.ok(result.tokenLength > 0)
    assert.equal(result.user, 'agent1')
    assert.deepEqual(result.start, { status: 200, body: { statusCode: 0 } })
    assert.equal(result.handshake, true)
    assert.deepEqual(result.data, {
      messageType: 'ChannelStateChangeMessage',
      notificationType: 'StateChange',
      channels: [
        { channel: 'chat', userState: { id: 'Ready', state: 'Ready', displayName: 'Ready' } },
      ],
    })
    await page.close()
  })

  it('gives a page of another origin nothing to read', async () => {
    const page = await browser.newPage()
    await page.goto(stranger.origin)
    const outcome = await page.evaluate(`(${STRANGER_SCRIPT})(${JSON.stringify(api.url)})`)
    assert.equal(outcome, 'TypeError')
    await page.close()
  })
})

// "Simple" POSTs (no preflight, reply unreadable) with the user's cookie: SameSite=Lax cookies
// go with them from any page of the same site.
const BLIND_SCRIPT = `async ([base, n]) => {
  const body = JSON.stringify([
    { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
  ])
  for (let i = 0; i < n; i++) {
    await fetch(base + '/api/v2/notifications/handshake', {
      method: 'POST',
      mode: 'no-cors',
      credentials: 'include',
      headers: { 'Content-Type': 'text/plain' },
      body,
    })
  }
  return n
}`

describe(
  'a same-site page of an origin that is not allowed, in Chromium',
  { skip, timeout: 60_000 },
  () => {
    const MAX_SESSIONS = 2
    let api: TestServer
    let browser: Browser
    let stranger: { server: Server; origin: string }
    before(async () => {
      stranger = await pageServer()
      api = await startServer({
        demo: true,
        config: { cometd: { maxSessionsPerUser: MAX_SESSIONS, maxInterval: 30_000 } },
      })
      browser = await launchChromium([
        // Two origins of one site: gws.example.test (the server), evil.example.test (a page).
        '--host-resolver-rules=MAP *.example.test 127.0.0.1',
      ])
    })
    after(async () => {
      await browser?.close()
      await api?.close()
      stranger?.server.close()
    })

    it("cannot open CometD sessions with the user's cookie", async () => {
      const base = `http://gws.example.test:${new URL(api.url).port}`
      const evil = `http://evil.example.test:${new URL(stranger.origin).port}`
      const page = await browser.newPage()
      // The user logs in on the server's own origin: the JSESSIONID cookie is kept.
      await page.goto(`${base}/health`)
      const login = await page.evaluate(
        `fetch('/api/v2/me', { headers: { Authorization: 'Basic ' + btoa('agent1:agent1pass') } })
        .then((r) => r.status)`,
      )
      assert.equal(login, 200)
      const before = api.app.bayeux.stats().handshakes
      // Another page of the same site sends blind handshakes, enough to fill the user's sessions.
      await page.goto(`${evil}/`)
      const sent = await page.evaluate(`(${BLIND_SCRIPT})(${JSON.stringify([base, MAX_SESSIONS])})`)
      assert.equal(sent, MAX_SESSIONS)
      assert.equal(api.app.bayeux.stats().handshakes, before, 'no session opened')
      // The user's own desktop still opens its session.
      await page.goto(`${base}/health`)
      const mine = await page.evaluate(
        `fetch('/api/v2/notifications/handshake', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify([
          { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
        ]),
      }).then((r) => r.json())`,
      )
      assert.equal((mine as { successful: boolean }[])[0]?.successful, true, JSON.stringify(mine))
      await page.close()
    })
  },
)
