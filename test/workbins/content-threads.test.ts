// Whole-content GETs read and built on a content thread (docs/workbins-content.md "Whole content
// on a thread"): the same bytes as the event loop's chunked read, memory shared with the event
// loop given back once a reply is written, the snapshot pinned before the thread waits for the
// store's flush, and the event loop taking over when no thread can read.

import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import http from 'node:http'
import { after, before, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import pino from 'pino'
import { ContentThreads } from '../../src/content-threads/pool.ts'
import { MEDIA_TYPES } from '../../src/model.ts'
import { CC_A, contentDocument, IX, PASSWORD, WB } from '../helpers/fixtures/content.ts'
import { World } from '../helpers/world.ts'

const PUBLIC = 'http://workbins.test/api/v2'
const MEDIA = ['chat', 'email', 'workitem'] as const

/** The content document plus `n` items in agent1's Later workbin, each about `pad` bytes. */
function document(n: number, pad: number) {
  const doc = contentDocument()
  const cc = doc.contactCenters[0] as { interactions: object[] }
  for (let i = 0; i < n; i++) {
    cc.interactions.push({
      id: `THREAD${String(i).padStart(10, '0')}`,
      mediaType: MEDIA[i % 3],
      userData: {
        // multi-byte text and a sort key of mixed types
        Note: `Grüße ✓ 𝄞 ${'x'.repeat(pad)}`,
        ...(i % 4 === 0 ? {} : { Priority: i % 2 === 0 ? i : `p${i % 5}` }),
      },
      receivedDate: `2021-03-0${1 + (i % 7)} 10:${String(i % 60).padStart(2, '0')}:00.000+0000`,
      workbin: { id: WB.later, user: 'agent1' },
    })
  }
  return doc
}

const basic = `Basic ${Buffer.from(`agent1:${PASSWORD}`).toString('base64')}`

async function text(w: World, path: string): Promise<string> {
  const r = await fetch(`${w.server.apiUrl}${path}`, { headers: { authorization: basic } })
  assert.equal(r.status, 200, path)
  const body = await r.text()
  assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(body), path)
  return body
}

/** A counter of /metrics (served on the API port with metricsPort 0). */
async function counter(w: World, name: string): Promise<number> {
  const r = await fetch(`${w.server.url}/metrics`)
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(await r.text())
  return m ? Number(m[1]) : NaN
}

/**
 * GET `path` on a new connection and read nothing for `holdMs`, then the whole body; `started`
 * resolves once the response began (the server is writing it).
 */
function slowGet(w: World, path: string, holdMs: number) {
  let started!: () => void
  const begun = new Promise<void>((resolve) => (started = resolve))
  const body = new Promise<string>((resolve, reject) => {
    const req = http.get(
      `${w.server.apiUrl}${path}`,
      { headers: { authorization: basic }, agent: false },
      (res) => {
        res.pause()
        started()
        setTimeout(() => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
          res.resume()
        }, holdMs)
      },
    )
    req.on('error', reject)
  })
  return { started: begun, body }
}

const URLS = [
  `/me/workbins/${WB.later}?subresources=*`,
  `/me/workbins/${WB.later}?subresources=email,chat`,
  `/me/workbins/${WB.later}/chats?fields=id,state,userData`,
  `/me/workbins/${WB.later}?subresources=*&sort=userData.Priority&order=desc`,
  `/me/workbins?workbinIds=${WB.later},${WB.desk}&subresources=*`,
]

describe('whole content on a content thread', () => {
  let threads: World
  let loop: World

  before(async () => {
    const doc = document(400, 40)
    // one whole content at a time: a slot not given back would refuse every later GET
    const config = {
      publicUrl: PUBLIC,
      contentChunkItems: 7,
      contentWholeMax: 1,
      metrics: true,
      metricsPort: 0,
    }
    threads = await World.start({ document: doc, config })
    loop = await World.start({ document: doc, config: { ...config, contentThreads: 0 } })
  })
  after(async () => {
    await threads?.close()
    await loop?.close()
  })

  it('answers the same bytes as the event loop reading in chunks', async () => {
    // refused requests give their slot back
    for (const bad of ['?subresources=bogus', '/bogus', '?subresources=*&sort=userData.a"b']) {
      const r = await fetch(`${threads.server.apiUrl}/me/workbins/${WB.later}${bad}`, {
        headers: { authorization: basic },
      })
      assert.ok(r.status === 400 || r.status === 404, `${bad}: ${r.status}`)
    }
    for (const url of URLS) {
      const mine = await text(threads, url)
      assert.equal(mine, await text(loop, url), url)
      // and a real reply: the 400 items are there
      if (url.includes('*')) assert.ok(mine.includes('THREAD0000000399'), url)
    }
    // read by the thread, every one of them (two instances for workbinIds)
    assert.equal(await counter(threads, 'workbins_content_thread_reads_total'), URLS.length + 1)
    assert.equal(await counter(threads, 'workbins_content_thread_fallbacks_total'), 0)
    // each built in the shared memory (the empty Desk workbin needs none, and counts as such)
    assert.equal(
      await counter(threads, 'workbins_content_thread_shared_memory_total'),
      URLS.length + 1,
    )
    // without threads nothing of theirs is counted
    assert.ok(Number.isNaN(await counter(loop, 'workbins_content_thread_reads_total')))
  })
})

describe('content thread memory', () => {
  let w: World
  const BIG = `/me/workbins/${WB.later}?subresources=*`
  const REVERSED = `${BIG}&order=desc`

  before(async () => {
    // about 6 MB of content against 8 MiB of shared memory: one reply fits, two do not; and more
    // than a paused client's socket takes, so its reply stays in the memory until it reads
    w = await World.start({
      document: document(6000, 700),
      config: { contentThreadMemoryMb: 8, contentWholeMax: 2, metrics: true, metricsPort: 0 },
    })
  })
  after(async () => {
    await w?.close()
  })

  it('is given back once a reply is written, and a reply that does not fit is built apart', async () => {
    const expected = await text(w, BIG)
    const reversed = await text(w, REVERSED)
    assert.notEqual(reversed, expected)
    assert.ok(Buffer.byteLength(expected) > 4_500_000, `${Buffer.byteLength(expected)}`)
    const shared = () => counter(w, 'workbins_content_thread_shared_memory_total')
    const reads = () => counter(w, 'workbins_content_thread_reads_total')
    // one after the other: each reuses the memory of the one before
    assert.equal(await text(w, BIG), expected)
    assert.deepEqual([await reads(), await shared()], [3, 3])
    // at once, read late: the second cannot fit beside the first, which its writes still need
    const a = slowGet(w, BIG, 400)
    const b = slowGet(w, REVERSED, 400)
    await Promise.all([a.started, b.started])
    // and a third whole content is refused while both are being written; a page is not
    const third = await fetch(`${w.server.apiUrl}${BIG}`, { headers: { authorization: basic } })
    assert.equal(third.status, 503)
    assert.equal(third.headers.get('retry-after'), '1')
    const refused = (await third.json()) as { statusCode: number; statusMessage: string }
    assert.equal(refused.statusCode, 4)
    assert.match(refused.statusMessage, /Too many whole-content reads in progress \(2\).*limit=/)
    const page = await text(w, `${BIG}&limit=10`)
    assert.equal((JSON.parse(page) as { nextCursor?: string }).nextCursor !== undefined, true)
    assert.equal(await a.body, expected)
    assert.equal(await b.body, reversed)
    assert.deepEqual([await reads(), await shared()], [5, 4])
    // both written: the memory is whole again
    assert.equal(await text(w, REVERSED), reversed)
    assert.deepEqual([await reads(), await shared()], [6, 5])
  })
})

describe('whole-content replies held, in bytes (WORKBINS_CONTENT_WHOLE_MAX_MB)', () => {
  let w: World
  const BIG = `/me/workbins/${WB.later}?subresources=*`

  before(async () => {
    // about 6 MB of content (more than a paused client's socket takes) against a 1 MB budget
    w = await World.start({
      document: document(6000, 700),
      config: { contentWholeMaxMb: 1, contentWholeMax: 10 },
    })
  })
  after(async () => {
    await w?.close()
  })

  it('refuses a new whole content with 503 while unread replies hold the budget; pages still served', async () => {
    const expected = await text(w, BIG)
    assert.ok(Buffer.byteLength(expected) > 2 ** 20, `${Buffer.byteLength(expected)}`)
    const held = slowGet(w, BIG, 600)
    await held.started
    const refused = await fetch(`${w.server.apiUrl}${BIG}`, { headers: { authorization: basic } })
    assert.equal(refused.status, 503)
    assert.equal(refused.headers.get('retry-after'), '1')
    const body = (await refused.json()) as { statusCode: number; statusMessage: string }
    assert.equal(body.statusCode, 4)
    assert.match(body.statusMessage, /replies waiting to be read hold 1 MB.*limit=/)
    const page = await text(w, `${BIG}&limit=10`)
    assert.equal((JSON.parse(page) as { nextCursor?: string }).nextCursor !== undefined, true)
    assert.equal(await held.body, expected)
    // read: its bytes are given back (released once the response is over)
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(await text(w, BIG), expected)
  })
})

describe('ContentThreads', () => {
  let w: World
  let owner: string

  before(async () => {
    w = await World.start({ document: document(20, 10) })
    const db = new Database(w.server.dbPath, { readonly: true })
    owner = (
      db.prepare('SELECT workbin_owner FROM interactions WHERE id = ?').get(IX.chat1) as {
        workbin_owner: string
      }
    ).workbin_owner
    db.close()
  })
  after(async () => {
    await w?.close()
  })

  const request = () => ({
    contactCenterId: CC_A,
    instance: { workbinId: WB.later, owner },
    mediaTypes: undefined,
    media: [...MEDIA_TYPES],
    order: { descending: false },
    fields: undefined,
    base: PUBLIC,
  })
  /** A copy of the provisioned chat under `id`, committed by another connection. */
  const insertCopy = (id: string) => {
    const db = new Database(w.server.dbPath)
    db.prepare(
      `INSERT INTO interactions (id, contact_center_id, media_type, openmedia_type, state, user_data,
         received_date, received_at, capabilities, owner_user_id, workbin_id, workbin_owner, extra)
       SELECT ?, contact_center_id, media_type, openmedia_type, state, user_data,
         received_date, received_at, capabilities, owner_user_id, workbin_id, workbin_owner, extra
       FROM interactions WHERE id = ?`,
    ).run(id, IX.chat1)
    db.close()
  }
  const ids = (parts: Record<string, { pieces: Buffer[] }>) =>
    Object.values(parts).flatMap((p) =>
      [
        ...Buffer.concat(p.pieces)
          .toString()
          .matchAll(/"id":"(\w+)"/g),
      ].map((m) => m[1]),
    )

  it('reads the snapshot it pinned, once the store says earlier commits are on disk', async () => {
    let pinned!: () => void
    const pinnedSeen = new Promise<void>((resolve) => (pinned = resolve))
    let flushed!: () => void
    const gate = new Promise<void>((resolve) => (flushed = resolve))
    let asked = 0
    const threads = new ContentThreads({
      file: w.server.dbPath,
      threads: 1,
      nice: 0,
      pageItems: 3,
      sharedBytes: 1 << 20,
      durable: () => {
        asked++
        if (asked === 1) {
          pinned()
          return gate
        }
        return Promise.resolve()
      },
      log: pino({ level: 'silent' }),
    })
    try {
      let done = false
      const first = threads.read(request()).finally(() => (done = true))
      await pinnedSeen
      // committed after the snapshot was pinned: not in this read
      insertCopy('SQLINSERT0000001')
      await new Promise((r) => setTimeout(r, 200))
      assert.equal(done, false, 'answered before the store said the commits were on disk')
      flushed()
      const read = await first
      assert.ok(read)
      const seen = ids(read.parts)
      assert.equal(seen.length, 21) // 20 seeded and the provisioned chat
      read.release()
      // the next read sees it
      const second = await threads.read(request())
      assert.ok(second)
      assert.ok(ids(second.parts).includes('SQLINSERT0000001'))
      assert.equal(ids(second.parts).length, 22)
      assert.deepEqual(threads.stats, { threadReads: 2, sharedMemory: 2, fallbacks: 0 })
    } finally {
      await threads.close()
    }
  })

  it('hands the read back when no thread can open the database, and says so', async () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString())
        cb()
      },
    })
    const threads = new ContentThreads({
      file: `${w.server.dbPath}.missing`,
      threads: 2,
      nice: 19,
      pageItems: 100,
      sharedBytes: 1 << 20,
      durable: () => Promise.resolve(),
      log: pino({ level: 'warn' }, sink),
    })
    try {
      assert.equal(await threads.read(request()), undefined)
      assert.equal(await threads.read(request()), undefined)
      assert.equal(threads.stats.fallbacks, 2)
      assert.equal(threads.stats.threadReads, 0)
      assert.ok(
        lines.some((l) => l.includes('a content thread stopped')),
        lines.join(''),
      )
    } finally {
      await threads.close()
    }
  })
})
