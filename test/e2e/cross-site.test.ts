// A desktop page on another SITE, in Chromium: desk.other.test calling gws.example.test (both
// mapped to 127.0.0.1). Its browser keeps the SameSite=Lax cookies (JSESSIONID, BAYEUX_BROWSER)
// off these cross-site requests, so the page sends a Basic header on every request: REST, and
// CometD long-polling with the official client (`requestHeaders`). One handshake, then a REST
// Subscribe, heard on /v2/me/workbins (docs/security.md, "Cross-origin browsers").

import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { browserSkip, launchChromium } from '../helpers/browser.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const skip = browserSkip

/** testWorkbin of the demo contact center (docs/workbins-subscriptions.md). */
const WORKBIN = 'aee812a5-7396-4dd9-b180-230f1c1fb085'

/** The desktop's own origin: a page, and the official CometD client's modules. */
async function deskServer(): Promise<{ server: Server; port: number }> {
  const dir = fileURLToPath(new URL('../../node_modules/cometd/', import.meta.url))
  const files = new Map<string, Buffer>()
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.js')) files.set(`/cometd/${f}`, readFileSync(join(dir, f)))
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string
    const body = files.get(path)
    if (body) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      res.end(body)
      return
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end('<!doctype html><title>desk</title><p>desk</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

// A plain JavaScript string: tsx would rewrite a TypeScript function.
const DESK_SCRIPT = `async ({ api, workbin }) => {
  const authorization = 'Basic ' + btoa('agent1:agent1pass')
  const { CometD } = await import('/cometd/cometd.js')
  const cometd = new CometD()
  cometd.unregisterTransport('websocket') // no cookie and no header on a cross-site upgrade
  cometd.configure({
    url: api + '/notifications',
    logLevel: 'off',
    requestHeaders: { Authorization: authorization },
  })
  const seen = { handshakes: 0, failedConnects: [] }
  cometd.addListener('/meta/handshake', () => seen.handshakes++)
  cometd.addListener('/meta/connect', (m) => {
    if (!m.successful) seen.failedConnects.push(m.error)
  })
  const message = await new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('no message; ' + JSON.stringify(seen))), 10000)
    cometd.handshake((h) => {
      if (!h.successful) return reject(new Error('handshake: ' + JSON.stringify(h)))
      cometd.subscribe(
        '/v2/me/workbins',
        (m) => resolve(m.data),
        async (s) => {
          if (!s.successful) return reject(new Error('subscribe: ' + JSON.stringify(s)))
          const r = await fetch(api + '/me/workbins/' + workbin, {
            method: 'POST',
            credentials: 'include',
            headers: { 'Content-Type': 'application/json', Authorization: authorization },
            body: JSON.stringify({ operationName: 'Subscribe' }),
          })
          seen.subscribe = { status: r.status, body: await r.json() }
        },
      )
    })
  })
  await new Promise((resolve) => cometd.disconnect(() => resolve()))
  return { message, ...seen }
}`

describe('a desktop on another site, in Chromium', { skip, timeout: 60_000 }, () => {
  let api: TestServer
  let browser: Browser
  let desk: { server: Server; port: number }
  before(async () => {
    desk = await deskServer()
    api = await startServer({
      demo: true,
      config: { corsOrigins: `http://desk.other.test:${desk.port}` },
    })
    browser = await launchChromium([
      '--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP *.other.test 127.0.0.1',
    ])
  })
  after(async () => {
    await browser?.close()
    await api?.close()
    desk?.server.close()
  })

  it('long-polls CometD with Basic on every request and hears its REST Subscribe', async () => {
    const page = await browser.newPage()
    await page.goto(`http://desk.other.test:${desk.port}/`)
    const port = new URL(api.url).port
    const result = (await page.evaluate(
      `(${DESK_SCRIPT})(${JSON.stringify({ api: `http://gws.example.test:${port}/api/v2`, workbin: WORKBIN })})`,
    )) as {
      message: Record<string, unknown>
      handshakes: number
      failedConnects: string[]
      subscribe: { status: number; body: { statusCode: number; referenceId: number } }
    }
    assert.equal(result.subscribe.status, 200)
    assert.equal(result.subscribe.body.statusCode, 0)
    assert.deepEqual(result.message, {
      messageType: 'WorkbinSubscriptionStateChangeMessage',
      id: WORKBIN,
      stateResource: 'Subscribed',
      referenceId: result.subscribe.body.referenceId,
    })
    // One session all along: no 402 and no handshake loop.
    assert.equal(result.handshakes, 1)
    assert.deepEqual(result.failedConnects, [])
    // The cookies were never stored: the Basic header bound every poll.
    const cookies = await page.context().cookies('http://gws.example.test')
    assert.deepEqual(
      cookies.map((c) => c.name),
      [],
    )
    await page.close()
  })

  it('in a frame of a page on another site, its own origin gets no cookie session either', async () => {
    const page = await browser.newPage()
    const port = new URL(api.url).port
    // The server's own page, framed by a page of another site (a CRM hosting the desktop).
    await page.goto(`http://desk.other.test:${desk.port}/`)
    await page.evaluate(`new Promise((resolve) => {
      const f = document.createElement('iframe')
      f.onload = resolve
      f.src = 'http://gws.example.test:${port}/health'
      document.body.appendChild(f)
    })`)
    const frame = page.frames().find((f) => f.url().startsWith('http://gws.example.test'))
    assert.ok(frame)
    const statuses = await frame.evaluate(`(async () => {
      const basic = { Authorization: 'Basic ' + btoa('agent1:agent1pass') }
      const login = await fetch('/api/v2/me', { headers: basic })
      const cookieOnly = await fetch('/api/v2/me')
      const basicAgain = await fetch('/api/v2/me', { headers: basic })
      return [login.status, cookieOnly.status, basicAgain.status]
    })()`)
    // The frame's requests are cross-site: its login's cookie is neither kept nor sent back.
    assert.deepEqual(statuses, [200, 401, 200])
    await page.close()
  })
})
