// The paging extension of content GETs and the whole content read in chunks
// (docs/workbins-content.md "Paging"). Fixture: test/helpers/fixtures/content.ts plus 30
// interactions in agent1's Later workbin; chunks of 4 items so that the whole-content GET
// takes many turns of the event loop.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { contentDocument, IX, WB } from '../helpers/fixtures/content.ts'
import { assertAccepted, assertError, type Data } from '../helpers/assert.ts'
import { ApiClient } from '../helpers/http.ts'
import { PASSWORD } from '../helpers/fixtures/users.ts'
import { World } from '../helpers/world.ts'

const MEDIA = ['chat', 'email', 'workitem'] as const
const COLLECTION = { chat: 'chats', email: 'emails', workitem: 'workitems' } as const

interface Seeded {
  id: string
  mediaType: (typeof MEDIA)[number]
  receivedDate: string
  priority: number | string | null
}

/** 30 items: dates out of id order, every third one at the same instant, mixed Priority types. */
function seeded(): Seeded[] {
  return Array.from({ length: 30 }, (_, i) => {
    // every third one (the chats) at one instant: ties are broken by id
    const minute = i % 3 === 0 ? 0 : (i * 7) % 30
    const second = i % 3 === 0 ? 0 : i
    return {
      id: `PAGED${String(i).padStart(11, '0')}`,
      mediaType: MEDIA[i % 3]!,
      receivedDate: `2020-05-05 09:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}.000+0000`,
      priority: i % 5 === 0 ? null : i % 2 === 0 ? i : `p${i % 4}`,
    }
  })
}

const LATER = `/me/workbins/${WB.later}`

describe('content paging', () => {
  let w: World
  const items = seeded()

  before(async () => {
    const doc = contentDocument()
    const cc = doc.contactCenters[0] as { interactions: object[] }
    for (const it of items) {
      cc.interactions.push({
        id: it.id,
        mediaType: it.mediaType,
        // multi-byte text: the announced Content-Length counts bytes, not characters
        userData: { Note: 'Grüße ✓ 𝄞', ...(it.priority === null ? {} : { Priority: it.priority }) },
        receivedDate: it.receivedDate,
        workbin: { id: WB.later, user: 'agent1' },
      })
    }
    // on the event loop (content threads: test/workbins/content-threads.test.ts)
    w = await World.start({
      document: doc,
      config: { contentChunkItems: 4, contentPageMax: 50, contentThreads: 0 },
    })
  })
  after(async () => {
    await w.close()
  })

  /** Every page of `url`, following nextCursor; the ids of each collection in page order. */
  async function pages(url: string, start?: string): Promise<{ pages: Data[]; ids: string[] }> {
    const out: Data[] = []
    const ids: string[] = []
    let cursor = start
    for (let n = 0; n < 100; n++) {
      const sep = url.includes('?') ? '&' : '?'
      const r = await w
        .api('agent1')
        .get(cursor === undefined ? url : `${url}${sep}cursor=${encodeURIComponent(cursor)}`)
      assert.equal(r.status, 200, JSON.stringify(r.body))
      out.push(r.body)
      // `/{mediaType}` answers its collection at the top level, the workbin nests it
      const wb = (r.body.workbin ?? r.body) as Record<string, unknown>
      for (const v of Object.values(wb)) {
        if (Array.isArray(v)) ids.push(...(v as { id: string }[]).map((x) => x.id))
      }
      cursor = r.body.nextCursor as string | undefined
      if (cursor === undefined) return { pages: out, ids }
    }
    throw new Error('paging did not end')
  }

  const byDate = (a: { receivedDate: string; id: string }, b: typeof a) =>
    a.receivedDate.localeCompare(b.receivedDate) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

  it('the whole content, read in chunks, is the GWS reply: every item once, oldest first', async () => {
    const r = await w.api('agent1').get(`${LATER}?subresources=*`)
    assert.equal(r.status, 200)
    assert.match(String(r.headers.get('content-type')), /^application\/json/)
    assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(JSON.stringify(r.body)))
    assert.equal(r.body.nextCursor, undefined)
    const wb = r.body.workbin as Record<string, { id: string; receivedDate: string }[]>
    const all = [...items, { id: IX.chat1, mediaType: 'chat', receivedDate: '2016' }]
    for (const m of MEDIA) {
      const expected = all.filter((i) => i.mediaType === m).sort(byDate)
      assert.deepEqual(
        wb[COLLECTION[m]]!.map((i) => i.id),
        expected.map((i) => i.id),
        m,
      )
    }
    for (const empty of ['openmedia', 'facebook', 'tweets', 'facebooksessions']) {
      assert.deepEqual(wb[empty], [])
    }
    // one page as large as the content is the same reply
    const one = await w.api('agent1').get(`${LATER}?subresources=*&limit=50`)
    assert.deepEqual(one.body, r.body)
    // and so is every page of 4 put together
    const byFour = await pages(`${LATER}?subresources=*&limit=4`)
    assert.equal(byFour.pages.length, Math.ceil((items.length + 1) / 4))
    const everyId = Object.values(wb)
      .filter(Array.isArray)
      .flatMap((v) => v.map((x) => x.id))
    assert.deepEqual(byFour.ids.sort(), everyId.sort())
    // fields trim every chunk alike
    const trimmed = await w.api('agent1').get(`${LATER}/chats?fields=id,state`)
    const chats = (trimmed.body as unknown as Record<string, Data[]>).chats!
    assert.equal(chats.length, 11)
    for (const c of chats) assert.deepEqual(Object.keys(c), ['id', 'state'])
  })

  it('the whole content lets the event loop run between chunks', async () => {
    // through fastify inject(): no socket, so every turn of the loop taken while the request
    // runs is one the server gave up
    const client = new ApiClient(w.server.apiUrl, 'agent1', PASSWORD, { inject: w.server.app.http })
    assert.equal((await client.get('/me')).status, 200) // log in first: the session is set
    let turns = 0
    let done = false
    const reply = client.get(`${LATER}?subresources=*`).finally(() => (done = true))
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve))
      turns++
    }
    assert.equal((await reply).status, 200)
    const chunks = Math.ceil((items.length + 1) / 4)
    assert.ok(turns >= chunks - 1, `${turns} turns of the event loop for ${chunks} chunks`)
  })

  it('pages by receivedDate (both orders) add up to the whole content', async () => {
    const whole = all()
      .sort(byDate)
      .map((i) => i.id)
    for (const limit of [1, 4, 7]) {
      const up = await pages(`${LATER}?subresources=*&limit=${limit}`)
      assert.equal(up.pages.length, Math.ceil(whole.length / limit))
      // within a page each collection is in order; across the pages, the items follow each other
      assert.deepEqual(up.ids.slice().sort(), whole.slice().sort())
      const ordered = up.pages.flatMap((p) => idsByDate(p))
      assert.deepEqual(ordered, whole, `limit ${limit}`)
      const down = await pages(`${LATER}?subresources=*&limit=${limit}&order=desc`)
      assert.deepEqual(
        down.pages.flatMap((p) => idsByDate(p).reverse()),
        [...whole].reverse(),
      )
    }
    const chats = await pages(`${LATER}/chats?limit=3`)
    assert.deepEqual(
      chats.ids,
      all()
        .filter((i) => i.mediaType === 'chat')
        .sort(byDate)
        .map((i) => i.id),
    )
  })

  it('sorts by a userData key: none or null, numbers, strings', async () => {
    const rank = (p: Seeded['priority']) => (p === null ? 0 : typeof p === 'number' ? 1 : 2)
    const expected = all()
      .sort((a, b) => {
        const pa = a.priority ?? null
        const pb = b.priority ?? null
        if (rank(pa) !== rank(pb)) return rank(pa) - rank(pb)
        if (pa !== pb && pa !== null && pb !== null) return pa < pb ? -1 : 1
        return byDate(a, b)
      })
      .map((i) => i.id)
    const up = await pages(`${LATER}/workitems?limit=2&sort=userData.Priority`)
    assert.deepEqual(
      up.ids,
      expected.filter((id) => all().find((i) => i.id === id)?.mediaType === 'workitem'),
    )
    const down = await pages(`${LATER}?subresources=*&limit=5&sort=userData.Priority&order=desc`)
    assert.deepEqual(
      down.pages.flatMap((p) => sortedIn(p, expected).reverse()),
      [...expected].reverse(),
    )
    // the whole content takes the same sort
    const whole = await w.api('agent1').get(`${LATER}/emails?sort=userData.Priority`)
    assert.deepEqual(
      ((whole.body as Data).emails as Data[]).map((e) => e.id),
      expected.filter((id) => all().find((i) => i.id === id)?.mediaType === 'email'),
    )
  })

  it('a cursor stays valid while items are pulled and put back', async () => {
    const whole = all()
      .filter((i) => i.mediaType === 'chat')
      .sort(byDate)
      .map((i) => i.id)
    const first = await w.api('agent1').get(`${LATER}/chats?limit=3`)
    const shown = ((first.body as Data).chats as Data[]).map((c) => c.id)
    assert.deepEqual(shown, whole.slice(0, 3))
    const cursor = first.body.nextCursor as string
    const [, , seenPulled, , nextPulled, , gone] = whole
    // one already shown leaves and comes back; one not yet shown leaves and comes back; one
    // not yet shown leaves for good
    for (const id of [seenPulled, nextPulled, gone]) {
      assertAccepted(await w.api('agent1').post(LATER, { operationName: 'PullChat', id }))
    }
    for (const id of [seenPulled, nextPulled]) {
      assertAccepted(await w.api('agent1').post(LATER, { operationName: 'AddChat', id }))
    }
    const rest = await pages(`${LATER}/chats?limit=2`, cursor)
    assert.deepEqual(
      rest.ids,
      whole.slice(3).filter((id) => id !== gone),
    )
    assertAccepted(await w.api('agent1').post(LATER, { operationName: 'AddChat', id: gone }))
  })

  it('refuses bad paging parameters with 400 / 2', async () => {
    const cursor = (await w.api('agent1').get(`${LATER}/chats?limit=1`)).body.nextCursor as string
    assert.equal(typeof cursor, 'string')
    const bad = [
      'limit=0',
      'limit=51',
      'limit=abc',
      'limit=1.5',
      'limit=1&limit=2',
      'cursor=',
      'cursor=not-a-cursor',
      'cursor=%E2%9C%93',
      `cursor=${cursor.slice(0, -2)}`,
      `cursor=${Buffer.from('[1,"receivedDate",0,0,0,"",1,"../../etc"]').toString('base64url')}`,
      `cursor=${cursor}&sort=userData.Priority`,
      `cursor=${cursor}&order=desc`,
      'order=up',
      'sort=subject',
      'sort=userData.',
      'sort=userData.a%22b',
    ]
    for (const q of bad) {
      assertError(await w.api('agent1').get(`${LATER}/chats?${q}`), 400, 2)
    }
    assertError(
      await w.api('agent1').get(`/me/workbins?workbinIds=${WB.later}&subresources=*&limit=5`),
      400,
      2,
    )
    // the target is resolved first: an unknown user is 404 / 6 whatever the paging
    assertError(
      await w.api('agent1').get(`/users/${'0'.repeat(32)}/workbins/${WB.later}/chats?limit=1`),
      404,
      6,
    )
  })

  function all(): (
    Seeded | { id: string; mediaType: string; receivedDate: string; priority: null }
  )[] {
    return [
      ...items,
      {
        id: IX.chat1,
        mediaType: 'chat',
        receivedDate: '2016-04-08 12:06:57.000+0000',
        priority: null,
      },
    ]
  }

  /** The ids of one page, all collections merged back into the page's order (by date). */
  function idsByDate(page: Data): string[] {
    return sortedIn(
      page,
      all()
        .sort(byDate)
        .map((i) => i.id),
    )
  }

  /** The ids of one page, in the order they have in `order`. */
  function sortedIn(page: Data, order: string[]): string[] {
    const wb = (page.workbin ?? page) as Record<string, unknown>
    const ids = Object.values(wb)
      .filter(Array.isArray)
      .flatMap((v) => (v as { id: string }[]).map((x) => x.id))
    return order.filter((id) => ids.includes(id))
  }
})
