// The browser console (console/) driven in a real Chromium (Debian's, through playwright-core)
// against a real server with the demo data: log in, live counts, subscribe, an item put by a
// second agent appears without reloading, pull, a supervisor grabs and assigns, an admin
// creates, log out. With CONSOLE_SCREENSHOTS=<dir> it also writes the screenshots of
// docs/console/.

import assert from 'node:assert/strict'
import { mkdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { ApiClient } from '../helpers/http.ts'
import { browserSkip, launchChromium } from '../helpers/browser.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const SHOTS = process.env.CONSOLE_SCREENSHOTS
const skip = browserSkip

const WAIT = { timeout: 15_000 }

async function shot(page: Page, name: string) {
  if (!SHOTS) return
  await mkdir(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

/** The row of a workbin instance (its row header is the instance's label). */
function instanceRow(page: Page, label: string) {
  return page.locator('tr', { has: page.getByRole('rowheader', { name: label, exact: true }) })
}

async function waitCount(page: Page, label: string, count: number) {
  await instanceRow(page, label)
    .locator('td.count', { hasText: new RegExp(`^${count}$`) })
    .waitFor(WAIT)
}

/** A row of an interactions table, by its caption and the interaction id. */
function itemRow(page: Page, caption: string, id: string) {
  return page
    .locator('table', { has: page.locator('caption', { hasText: caption }) })
    .locator(`tr[data-id="${id}"]`)
}

async function login(page: Page, url: string, user: string) {
  await page.goto(url)
  await page.getByLabel('User name').fill(user)
  await page.getByLabel('Password').fill(`${user}pass`)
  await page.getByRole('button', { name: 'Log in' }).click()
  await connected(page)
}

async function connected(page: Page) {
  await page
    .locator('#connection', { hasText: /^Connected \((websocket|long-polling)\)$/ })
    .waitFor(WAIT)
}

async function logout(page: Page) {
  await page.getByRole('button', { name: 'Log out' }).click()
  await page.getByLabel('User name').waitFor(WAIT)
  assert.equal(await page.getByRole('button', { name: 'Log out' }).isVisible(), false)
}

// Four browser tests take ~30 s alone; with the rest of the suite on two cores, up to ~65 s.
describe('the console in Chromium', { skip, timeout: 120_000 }, () => {
  let server: TestServer
  let browser: Browser
  before(async () => {
    server = await startServer({ demo: true })
    browser = await launchChromium([
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ])
  })
  let restartedDir: string | undefined
  after(async () => {
    await browser?.close()
    await server?.close()
    // the restarted server reused the first one's database, which its close leaves behind
    if (restartedDir) await rm(restartedDir, { recursive: true, force: true })
  })

  test('agent, second agent, supervisor and admin, live', async () => {
    const viewport = { width: 1400, height: 900 }
    const agentCtx = await browser.newContext({ viewport })
    const otherCtx = await browser.newContext({ viewport })
    const ada = await agentCtx.newPage()
    const errors: string[] = []
    ada.on('pageerror', (err) => errors.push(err.message))

    // agent1 logs in with the keyboard only: the login form has the focus at load
    await ada.goto(`${server.url}/`)
    assert.match(ada.url(), /\/console\/$/)
    await ada.getByLabel('User name').waitFor(WAIT)
    await shot(ada, 'login')
    await ada.keyboard.type('agent1')
    await ada.keyboard.press('Tab')
    await ada.keyboard.type('agent1pass')
    await ada.keyboard.press('Enter')
    await connected(ada)

    // counts of my workbins and my groups' workbins
    await waitCount(ada, 'Team workbin · Sales', 1)
    await waitCount(ada, 'Test Workbin', 1)
    await waitCount(ada, 'Place workbin · Place_7001', 1)

    // subscribe (keyboard again) and see the subscription state message
    await ada.getByRole('button', { name: 'Subscribe to Team workbin · Sales' }).focus()
    await ada.keyboard.press('Enter')
    await instanceRow(ada, 'Team workbin · Sales')
      .getByRole('cell', { name: 'Subscribed', exact: true })
      .waitFor(WAIT)
    await ada.getByRole('button', { name: 'Subscribe to Test Workbin' }).click()
    await instanceRow(ada, 'Test Workbin')
      .getByRole('cell', { name: 'Subscribed', exact: true })
      .waitFor(WAIT)
    await ada.getByRole('button', { name: 'Show content of Team workbin · Sales' }).click()
    await itemRow(ada, 'Content of Team workbin · Sales', '03W07R2K4VAYT010').waitFor(WAIT)
    await ada.evaluate(() => ((globalThis as { stay?: number }).stay = 1))

    // agent2, in a second browser context, pulls an email of their own and puts it into the
    // Sales team workbin
    const bob = await otherCtx.newPage()
    bob.on('pageerror', (err) => errors.push(err.message))
    await login(bob, `${server.url}/console/`, 'agent2')
    await bob.getByRole('button', { name: 'Show content of Emails to review' }).click()
    await bob.getByRole('button', { name: 'Pull 0002DEMOEMAIL001' }).click()
    await itemRow(bob, 'Interactions I handle', '0002DEMOEMAIL001').waitFor(WAIT)
    await bob.getByLabel('Interaction', { exact: true }).selectOption('0002DEMOEMAIL001')
    await bob
      .getByLabel('into workbin', { exact: true })
      .selectOption({ label: 'Team workbin · Sales' })
    await bob.getByRole('button', { name: 'Put', exact: true }).click()
    await waitCount(bob, 'Team workbin · Sales', 2)

    // agent1 sees it arrive live, without a reload, and pulls it
    await itemRow(ada, 'Content of Team workbin · Sales', '0002DEMOEMAIL001').waitFor(WAIT)
    await waitCount(ada, 'Team workbin · Sales', 2)
    assert.equal(await ada.evaluate(() => (globalThis as { stay?: number }).stay), 1)
    await ada.getByRole('button', { name: 'Pull 0002DEMOEMAIL001' }).click()
    await itemRow(ada, 'Interactions I handle', '0002DEMOEMAIL001').waitFor(WAIT)
    await waitCount(ada, 'Team workbin · Sales', 1)
    // the event log shows the messages, newest first, expandable
    await ada.locator('#log li summary', { hasText: 'ItemAdded' }).first().waitFor(WAIT)
    await ada.locator('#log li summary', { hasText: 'ItemRemoved' }).first().click()
    await shot(ada, 'agent')

    // agent2 logs out; the supervisor grabs the team email and assigns it to agent1
    await logout(bob)
    await login(bob, `${server.url}/console/`, 'sup1')
    await bob.getByRole('button', { name: 'Show content of Team workbin · Sales' }).click()
    await bob.getByRole('button', { name: 'Pull 03W07R2K4VAYT010' }).click()
    await itemRow(bob, 'Interactions I handle', '03W07R2K4VAYT010').waitFor(WAIT)
    await waitCount(ada, 'Team workbin · Sales', 0)
    await bob.getByRole('button', { name: 'Team', exact: true }).click()
    await bob.getByLabel('Agent', { exact: true }).selectOption({ label: 'Ada Agent (agent1)' })
    await waitCount(bob, 'Test Workbin · Ada Agent (agent1)', 1)
    await bob.getByLabel('Interaction', { exact: true }).selectOption('03W07R2K4VAYT010')
    await bob
      .getByLabel('into workbin', { exact: true })
      .selectOption({ label: 'Test Workbin · Ada Agent (agent1)' })
    await bob.getByRole('button', { name: 'Assign', exact: true }).click()
    await waitCount(bob, 'Test Workbin · Ada Agent (agent1)', 2)
    await waitCount(ada, 'Test Workbin', 2)
    await bob
      .getByRole('button', { name: 'Show content of Test Workbin · Ada Agent (agent1)' })
      .click()
    await itemRow(bob, 'Content of Test Workbin · Ada Agent (agent1)', '03W07R2K4VAYT010').waitFor(
      WAIT,
    )
    await shot(bob, 'supervisor')

    // the admin creates an email into the team workbin; agent1 sees it
    await logout(bob)
    await login(bob, `${server.url}/console/`, 'admin1')
    await bob.getByRole('button', { name: 'Create', exact: true }).first().click()
    await bob.getByLabel('Media').selectOption('email')
    await bob.getByLabel('Subject').fill('Where is my parcel?')
    await bob.getByLabel('Target').selectOption({ label: 'Team workbin · Sales' })
    await bob.locator('#create-submit').click()
    await bob.locator('#notice', { hasText: /^Created [0-9A-Za-z]{16} / }).waitFor(WAIT)
    await shot(bob, 'create')
    await waitCount(ada, 'Team workbin · Sales', 1)
    await ada
      .locator('table', {
        has: ada.locator('caption', { hasText: 'Content of Team workbin · Sales' }),
      })
      .getByRole('cell', { name: 'Where is my parcel?', exact: true })
      .waitFor(WAIT)

    // a wrong password is refused with the server's message, no browser dialog
    await logout(bob)
    await bob.getByLabel('User name').fill('agent2')
    await bob.getByLabel('Password').fill('wrong')
    await bob.getByRole('button', { name: 'Log in' }).click()
    await bob
      .getByRole('alert')
      .filter({ hasText: 'Log in: Invalid user name or password' })
      .waitFor(WAIT)

    await logout(ada)
    assert.deepEqual(errors, [])
  })

  test('offers and transfers: accept, reject, transfer to an agent and to a queue', async () => {
    const errors: string[] = []
    const open = async (user: string) => {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } })
      const page = await ctx.newPage()
      page.on('pageerror', (err) => errors.push(err.message))
      await login(page, `${server.url}/console/`, user)
      // offers reach only an agent at a place, Ready on the media
      await page.getByRole('button', { name: /^Start work at Place_700\d/ }).click()
      for (const channel of ['email', 'workitem']) {
        await page.getByRole('button', { name: `Ready on ${channel}` }).click()
        await page.locator(`#ready-${channel}[aria-pressed="true"]`).waitFor(WAIT)
      }
      return { ctx, page }
    }
    const [{ ctx: adaCtx, page: ada }, { ctx: bobCtx, page: bob }] = await Promise.all([
      open('agent1'),
      open('agent2'),
    ])

    // the admin offers a queued work item and a queued e-mail to agent1 (REST)
    const admin = new ApiClient(server.apiUrl, 'admin1', 'admin1pass')
    const offer = async (mediaType: string, subject: string) => {
      const created = await admin.post<{ id: string }>('/interactions', {
        operationName: 'Create',
        mediaType,
        queue: 'Inbound',
        userData: { Subject: subject },
      })
      assert.equal(created.status, 200, JSON.stringify(created.body))
      const offered = await admin.post(`/interactions/${created.body.id}`, {
        operationName: 'Offer',
        agent: 'agent1',
      })
      assert.equal(offered.status, 200, JSON.stringify(offered.body))
      return created.body.id
    }
    const wi = await offer('workitem', 'Call back')
    const em = await offer('email', 'Refund')
    for (const id of [wi, em]) {
      await itemRow(ada, 'Offered to me', id).waitFor(WAIT)
      await ada.getByRole('button', { name: `Accept ${id}` }).click()
      await itemRow(ada, 'Interactions I handle', id).waitFor(WAIT)
    }
    await itemRow(ada, 'Offered to me', em).waitFor({ ...WAIT, state: 'detached' })

    const transfer = async (page: Page, id: string, to: { agent: string } | { queue: string }) => {
      await page.getByRole('button', { name: `Transfer ${id}` }).click()
      if ('agent' in to) await page.getByLabel('to agent (user name)').fill(to.agent)
      else await page.getByLabel('or to queue').selectOption(to.queue)
      await page.getByRole('button', { name: 'Transfer', exact: true }).click()
    }

    // an unknown agent: the server's message, and the work item stays
    await transfer(ada, wi, { agent: 'nobody' })
    await ada
      .getByRole('alert')
      .filter({ hasText: `Transfer ${wi}: User nobody not found` })
      .waitFor(WAIT)
    await shot(ada, 'transfer')

    // agent1 transfers the work item to agent2, who rejects it: back to agent1
    await ada.getByLabel('to agent (user name)').fill('agent2')
    await ada.getByRole('button', { name: 'Transfer', exact: true }).click()
    await itemRow(bob, 'Offered to me', wi).waitFor(WAIT)
    await itemRow(ada, 'Interactions I handle', wi).waitFor({ ...WAIT, state: 'detached' })
    await shot(bob, 'offered')
    await bob.getByRole('button', { name: `Reject ${wi}` }).click()
    await itemRow(ada, 'Interactions I handle', wi).waitFor(WAIT)
    await itemRow(bob, 'Offered to me', wi).waitFor({ ...WAIT, state: 'detached' })

    // the e-mail (userUri) to agent2, who accepts it: theirs, gone from agent1
    await transfer(ada, em, { agent: 'agent2' })
    await itemRow(bob, 'Offered to me', em).waitFor(WAIT)
    await bob.getByRole('button', { name: `Accept ${em}` }).click()
    await itemRow(bob, 'Interactions I handle', em).waitFor(WAIT)
    await itemRow(ada, 'Interactions I handle', em).waitFor({ ...WAIT, state: 'detached' })
    assert.equal(await itemRow(ada, 'Offered to me', em).count(), 0)

    // agent2 transfers it to a queue (queueName), agent1 the work item too (targetUri)
    await transfer(bob, em, { queue: 'Inbound' })
    await itemRow(bob, 'Interactions I handle', em).waitFor({ ...WAIT, state: 'detached' })
    await transfer(ada, wi, { queue: 'PostProcessing' })
    await itemRow(ada, 'Interactions I handle', wi).waitFor({ ...WAIT, state: 'detached' })
    const stateOf = async (path: string, key: string) =>
      ((await admin.get<Record<string, { state: string }>>(path)).body[key] ?? { state: '' }).state
    assert.equal(await stateOf(`/me/emails/${em}`, 'email'), 'Queued')
    assert.equal(await stateOf(`/workitems/${wi}`, 'workitem'), 'Queued')

    await adaCtx.close()
    await bobCtx.close()
    assert.deepEqual(errors, [])
  })

  test('an offer nobody answers is withdrawn: it leaves the list, with a notice', async () => {
    // a server of its own: a short offer timeout would hurry the other tests' offers
    const quick = await startServer({ demo: true, config: { offerTimeoutSeconds: 2 } })
    const ctx = await browser.newContext()
    try {
      const page = await ctx.newPage()
      await login(page, `${quick.url}/console/`, 'agent1')
      await page.getByRole('button', { name: /^Start work/ }).click()
      await page.getByRole('button', { name: 'Ready on workitem' }).click()
      await page.locator('#ready-workitem[aria-pressed="true"]').waitFor(WAIT)
      const admin = new ApiClient(quick.apiUrl, 'admin1', 'admin1pass')
      const created = await admin.post<{ id: string }>('/interactions', {
        operationName: 'Create',
        mediaType: 'workitem',
        queue: 'Inbound',
      })
      const id = created.body.id
      const offered = await admin.post(`/interactions/${id}`, {
        operationName: 'Offer',
        agent: 'agent1',
      })
      assert.equal(offered.status, 200, JSON.stringify(offered.body))
      await itemRow(page, 'Offered to me', id).waitFor(WAIT)
      await page.locator('#notice', { hasText: `The offer of ${id} was withdrawn.` }).waitFor(WAIT)
      await itemRow(page, 'Offered to me', id).waitFor({ ...WAIT, state: 'detached' })
    } finally {
      await ctx.close()
      await quick.close()
    }
  })

  test('the console recovers by itself when the server restarts, then unsubscribes', async () => {
    const ctx = await browser.newContext()
    const page = await ctx.newPage()
    await login(page, `${server.url}/console/`, 'agent1')
    await page.getByRole('button', { name: 'Subscribe to Place workbin · Place_7001' }).click()
    await instanceRow(page, 'Place workbin · Place_7001')
      .getByRole('cell', { name: 'Subscribed', exact: true })
      .waitFor(WAIT)
    // The count shows '…' until the workbin's content has been read: wait for a number.
    const before = await instanceRow(page, 'Place workbin · Place_7001')
      .locator('td.count', { hasText: /^\d+$/ })
      .textContent(WAIT)

    // same port, same database: the session cookie and the subscription survive
    const port = Number(new URL(server.url).port)
    await server.close({ keepDb: true })
    await page.locator('#connection[data-state="reconnecting"]').waitFor(WAIT)
    restartedDir = dirname(server.dbPath)
    server = await startServer({ demo: true, dbPath: server.dbPath, config: { port } })
    await connected(page)

    // a new item in the subscribed workbin shows up without a reload
    const api1 = new ApiClient(server.apiUrl, 'api1', 'api1pass')
    const created = await api1.post('/interactions', {
      operationName: 'Create',
      mediaType: 'workitem',
      userData: { Subject: 'After the restart' },
      workbin: { id: 'b3c1a2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d', place: 'Place_7001' },
    })
    assert.equal(created.status, 200)
    await waitCount(page, 'Place workbin · Place_7001', Number(before) + 1)

    // the same toggle unsubscribes; the state message says so
    const toggle = page.getByRole('button', { name: 'Subscribe to Place workbin · Place_7001' })
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true')
    await toggle.click()
    await instanceRow(page, 'Place workbin · Place_7001')
      .getByRole('cell', { name: 'Unsubscribed', exact: true })
      .waitFor(WAIT)
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false')
    await ctx.close()
  })
})
