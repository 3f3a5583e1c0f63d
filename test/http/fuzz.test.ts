// Property-based fuzzing of every REST route and the Bayeux endpoint with fast-check, against
// a real server on the demo world: whatever the method, path, query, headers and body, the
// server answers (no 5xx, no hang), every /api/v2 answer is the GWS envelope, the Bayeux
// endpoint answers a Bayeux reply array or a 4xx, and an error answer changes nothing in the
// store. `npm test` runs a few hundred requests; `npm run fuzz` runs FUZZ_RUNS (10,000).
// A failure prints the seed and the shrunk request: FUZZ_SEED=<seed> reproduces the run.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { DbSnapshot } from '../helpers/db-snapshot.ts'
import { requestArb, send, type FuzzRequest, type RawAnswer } from '../helpers/fuzz-requests.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 500)
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)

const BAYEUX = '/api/v2/notifications'

function pathOf(target: string): string {
  return target.split('?')[0] ?? ''
}

/** The GWS envelope: statusCode a GWS code; on errors exactly statusCode and statusMessage. */
function checkEnvelope(r: FuzzRequest, a: RawAnswer): void {
  if (r.method === 'HEAD') return
  assert.match(a.headers['content-type'] ?? '', /^application\/json/, 'content-type')
  const body = JSON.parse(a.body) as Record<string, unknown>
  assert.ok(body !== null && typeof body === 'object' && !Array.isArray(body), 'an object')
  assert.ok(Number.isInteger(body.statusCode), 'statusCode')
  const code = body.statusCode as number
  assert.ok(code >= 0 && code <= 20, `GWS code ${code}`)
  if (a.status >= 400) {
    assert.deepEqual(Object.keys(body).sort(), ['statusCode', 'statusMessage'])
    assert.equal(typeof body.statusMessage, 'string')
    assert.notEqual(code, 0)
  } else {
    assert.equal(code, 0)
  }
}

/** A Bayeux answer: 200 with an array of messages with a channel, or a 4xx. */
function checkBayeux(r: FuzzRequest, a: RawAnswer): void {
  if (a.status === 200) {
    const replies = JSON.parse(a.body) as unknown
    assert.ok(Array.isArray(replies) && replies.length > 0, 'a reply array')
    for (const m of replies as Record<string, unknown>[]) {
      assert.equal(typeof m.channel, 'string', 'channel')
    }
    return
  }
  assert.ok(a.status >= 400 && a.status < 500, `status ${a.status}`)
  if (a.body !== '' && r.method !== 'HEAD') JSON.parse(a.body)
}

describe(`fuzz: ${RUNS} generated requests`, () => {
  let srv: TestServer
  let port: number
  let db: DbSnapshot
  before(async () => {
    srv = await startServer({ demo: true })
    port = Number(new URL(srv.url).port)
    db = new DbSnapshot(srv.dbPath)
  })
  after(async () => {
    db.close()
    await srv.close()
  })

  it('no 5xx, the envelope on /api/v2, nothing changed by an error', async () => {
    let snapshot = ''
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        snapshot = db.take()
        const a = await send(port, r)
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
        const after = db.take()
        const where = `${r.method} ${r.target.slice(0, 200)} → ${a.status} ${a.body.slice(0, 300)}`
        assert.ok(a.status >= 200 && a.status < 500, `5xx or no status: ${where}`)
        const path = pathOf(r.target)
        if (path === BAYEUX || path.startsWith(`${BAYEUX}/`)) checkBayeux(r, a)
        else if (path === '/api/v2' || path.startsWith('/api/v2/')) checkEnvelope(r, a)
        if (a.status >= 400) assert.equal(after, snapshot, `an error changed the store: ${where}`)
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), includeErrorInReport: true },
    )
    console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`)
  })
})
