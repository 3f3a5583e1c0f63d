// Durable delivery seen by clients (docs/durable-delivery.md): every message carries its number
// in `ext.seq`; a handshake with `ext.replay` gets what it missed, or is told to re-list; bad
// replay positions are refused; a stored session continues after a restart only from where it
// was bound (its browser cookie or its user's Basic credentials) and only while its login holds.

import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { Message } from 'cometd'
import { CHANNEL, World, api } from '../helpers/world.ts'
import {
  Inbox,
  ReplyError,
  disconnect,
  handshake,
  newClient,
  subscribe,
} from '../helpers/cometd.ts'
import { basic } from '../helpers/http.ts'
import { assertAccepted } from '../helpers/assert.ts'
import { startServer } from '../helpers/server.ts'
import { contentDocument, IX, PASSWORD, U, WB } from '../helpers/fixtures/content.ts'
import { freePort } from '../helpers/crash-load.ts'

const seqOf = (m: Message) => (m.ext as { seq?: number } | undefined)?.seq

function client(w: World, user = 'agent1') {
  return newClient(w.server.cometdUrl, { headers: { Authorization: basic(user, PASSWORD) } })
}

async function failedHandshake(c: ReturnType<typeof newClient>, ext: unknown): Promise<Message> {
  try {
    await handshake(c, { ext })
  } catch (err) {
    assert.ok(err instanceof ReplyError)
    c.disconnect()
    return err.reply
  }
  throw new Error('handshake succeeded')
}

describe('numbered messages and replay', () => {
  const worlds: World[] = []
  after(() => Promise.all(worlds.map((w) => w.close())))
  const start = async () => {
    const w = await World.start({ document: contentDocument() })
    worlds.push(w)
    return w
  }

  // A put or pull is told twice: the interaction's message on its media channel
  // (/v2/me/emails), then the workbin's on /v2/me/workbins; numbers run across channels.
  const ALL = '/v2/me/*'

  it('every message carries ext.seq, one more than the last, data untouched', async () => {
    const w = await start()
    const c = client(w)
    try {
      await handshake(c)
      const box = new Inbox()
      await subscribe(c, ALL, box.push)
      const agent = w.api('agent1')
      assertAccepted(await agent.post(`/me/workbins/${WB.later}`, { operationName: 'Subscribe' }))
      assertAccepted(
        await agent.post(`/me/workbins/${WB.later}`, { operationName: 'AddEmail', id: IX.email1 }),
      )
      const [a, b, c2] = [await box.next(), await box.next(), await box.next()]
      assert.equal(typeof seqOf(a), 'number')
      assert.deepEqual([seqOf(b), seqOf(c2)], [(seqOf(a) as number) + 1, (seqOf(a) as number) + 2])
      assert.deepEqual(
        [a, b, c2].map((m) => [m.channel, (m.data as Record<string, unknown>).messageType]),
        [
          [CHANNEL, 'WorkbinSubscriptionStateChangeMessage'],
          ['/v2/me/emails', 'EmailStateChangeMessage'],
          [CHANNEL, 'WorkbinStateChangeMessage'],
        ],
      )
      assert.equal((a.data as Record<string, unknown>).seq, undefined)
    } finally {
      await disconnect(c)
    }
  })

  it('a handshake naming the last number it saw gets everything after it, in order', async () => {
    const w = await start()
    const first = client(w)
    const again = client(w)
    try {
      await handshake(first)
      const box = new Inbox()
      await subscribe(first, ALL, box.push)
      const agent = w.api('agent1')
      assertAccepted(await agent.post(`/me/workbins/${WB.later}`, { operationName: 'Subscribe' }))
      const seen = seqOf(await box.next()) as number
      await disconnect(first)

      // Missed while no session was open: the put and the pull, two messages each.
      const put = assertAccepted(
        await agent.post(`/me/workbins/${WB.later}`, { operationName: 'AddEmail', id: IX.email1 }),
      )
      const pull = assertAccepted(
        await agent.post(`/me/workbins/${WB.later}`, {
          operationName: 'PullEmail',
          id: IX.email1,
        }),
      )

      const reply = await handshake(again, { ext: { replay: seen } })
      assert.deepEqual((reply.ext as Record<string, unknown>).replay, {
        from: seen,
        recovered: true,
      })
      const box2 = new Inbox()
      await subscribe(again, ALL, box2.push)
      const missed = [await box2.next(), await box2.next(), await box2.next(), await box2.next()]
      assert.deepEqual(
        missed.map(seqOf),
        [1, 2, 3, 4].map((k) => seen + k),
      )
      assert.deepEqual(
        missed.map((m) => [m.channel, (m.data as Record<string, unknown>).referenceId]),
        [
          ['/v2/me/emails', put],
          [CHANNEL, put],
          ['/v2/me/emails', pull],
          [CHANNEL, pull],
        ],
      )
      // And live messages after it, numbered on.
      assertAccepted(await agent.post(`/me/workbins/${WB.later}`, { operationName: 'Unsubscribe' }))
      assert.equal(seqOf(await box2.next()), seen + 5)
    } finally {
      await disconnect(first)
      await disconnect(again)
    }
  })

  // The handshake stores the session before it knows where the session starts; a delivery in
  // that window used to catch it up from the feed's beginning, past the replayed messages, while
  // the reply still said recovered:true.
  it('a replay made while the user’s messages keep coming still gets every one after N', async () => {
    const w = await start()
    const agent = w.api('agent1')
    const stats = () => agent.post('/workbins', { operationName: 'RequestAgentStats' })
    const first = client(w)
    await handshake(first)
    const box = new Inbox()
    await subscribe(first, ALL, box.push)
    for (let i = 0; i < 40; i++) assertAccepted(await stats())
    const history = (await box.count(40)).map(seqOf) as number[]
    await disconnect(first)

    let stop = false
    const traffic = (async () => {
      while (!stop) assertAccepted(await stats())
    })()
    try {
      for (const seen of history.slice(0, 3)) {
        const again = client(w)
        try {
          const reply = await handshake(again, { ext: { replay: seen } })
          assert.deepEqual((reply.ext as Record<string, unknown>).replay, {
            from: seen,
            recovered: true,
          })
          // a client a little way off: its subscribe arrives after more messages were committed
          await new Promise((r) => setTimeout(r, 30))
          const box2 = new Inbox()
          await subscribe(again, ALL, box2.push)
          const got = (await box2.count(60, 10_000)).map(seqOf)
          assert.deepEqual(
            got,
            got.map((_, k) => seen + 1 + k),
            `replay ${seen}`,
          )
        } finally {
          await disconnect(again)
        }
      }
    } finally {
      stop = true
      await traffic
    }
  })

  it('a replay position older than the retention: the handshake says recovered:false', async () => {
    const w = await start()
    const agent = w.api('agent1')
    assertAccepted(await agent.post(`/me/workbins/${WB.later}`, { operationName: 'Subscribe' }))
    assertAccepted(await agent.post(`/me/workbins/${WB.later}`, { operationName: 'Unsubscribe' }))
    await w.server.app.store.advanceFeed(U.agent1, 100)
    await w.server.app.store.sweepNotifications(Date.now() + 1000, 100)
    const c = client(w)
    const reply = await handshake(c, { ext: { replay: 0 } })
    assert.deepEqual((reply.ext as Record<string, unknown>).replay, {
      from: 0,
      recovered: false,
    })
    await disconnect(c)
  })

  it('a malformed or future replay position is refused and opens no session', async () => {
    const w = await start()
    const before = w.server.app.bayeux.stats().sessions
    for (const bad of ['7', -1, 1.5, null, { seq: 1 }]) {
      const r = await failedHandshake(client(w), { replay: bad })
      assert.equal(r.error, '400:replay:replay_invalid', JSON.stringify(bad))
      assert.equal((r.advice as Record<string, unknown>).reconnect, 'none')
    }
    const r = await failedHandshake(client(w), { replay: 1000 })
    assert.equal(r.error, '400:replay=1000:replay_beyond_newest')
    assert.equal(w.server.app.bayeux.stats().sessions, before)
  })
})

describe('stored sessions after a restart', () => {
  /** A raw long-polling request, as the client's next connect after a restart. */
  async function connect(
    url: string,
    clientId: string,
    cookie: string,
    ext?: object,
    authorization?: string,
  ) {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie,
        ...(authorization && { authorization }),
      },
      body: JSON.stringify([
        {
          channel: '/meta/connect',
          clientId,
          connectionType: 'long-polling',
          advice: { timeout: 0 },
          ext,
        },
      ]),
    })
    return (await res.json()) as Message[]
  }

  async function handshaken(url: string, user: string, login?: string) {
    const auth: Record<string, string> = login
      ? { cookie: login }
      : { authorization: basic(user, PASSWORD) }
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify([
        { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
      ]),
    })
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string
    const [reply] = (await res.json()) as Message[]
    return { clientId: reply!.clientId as string, cookie }
  }

  it('continue only with their own browser cookie or user, and not after a logout', async () => {
    const port = await freePort()
    const first = await startServer({ provision: contentDocument(), config: { port } })
    const a = await handshaken(first.cometdUrl, 'agent1')
    const b = await handshaken(first.cometdUrl, 'agent2')
    // agent3 handshakes with the JSESSIONID of a REST login, as a desktop does.
    const rest = api(first, 'agent3')
    assert.equal((await rest.get('/me')).status, 200)
    const c = await handshaken(
      first.cometdUrl,
      'agent3',
      `JSESSIONID=${rest.cookies.get('JSESSIONID')}`,
    )
    await first.close({ keepDb: true })

    const second = await startServer({ dbPath: first.dbPath, config: { port } })
    try {
      // agent2's clientId with agent1's cookie: unknown, and nothing changes.
      const stolen = await connect(second.cometdUrl, b.clientId, a.cookie)
      assert.equal(stolen.at(-1)?.error, '402::session_unknown')
      assert.equal(second.app.bayeux.stats().sessions, 0)
      // agent1's own: continues, same clientId.
      const mine = await connect(second.cometdUrl, a.clientId, a.cookie)
      assert.equal(mine.at(-1)?.successful, true)
      assert.equal(second.app.bayeux.stats().sessions, 1)
      // Without its cookie (a page on another site), with Basic: only its own user's continues.
      const agent1 = basic('agent1', PASSWORD)
      const borrowed = await connect(second.cometdUrl, b.clientId, '', undefined, agent1)
      assert.equal(borrowed.at(-1)?.error, '402::session_unknown')
      const wrong = basic('agent2', 'not-the-password')
      const guessed = await connect(second.cometdUrl, b.clientId, '', undefined, wrong)
      assert.equal(guessed.at(-1)?.error, '402::session_unknown')
      assert.equal(second.app.bayeux.stats().sessions, 1)
      const agent2 = basic('agent2', PASSWORD)
      const own = await connect(second.cometdUrl, b.clientId, '', undefined, agent2)
      assert.equal(own.at(-1)?.successful, true, JSON.stringify(own))
      assert.equal(second.app.bayeux.stats().sessions, 2)
      // agent3's login (the HTTP session its handshake opened) ended meanwhile: so does the
      // stored CometD session.
      assert.equal(await second.app.store.deleteSessionsOfUser(U.agent3), 1)
      const ended = await connect(second.cometdUrl, c.clientId, c.cookie)
      assert.equal(ended.at(-1)?.error, '402::session_unknown')
      assert.equal(await second.app.store.getCometdSession(c.clientId), undefined)
    } finally {
      await second.close()
    }
  })
})
