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
import {
  bayeuxRequestArb,
  requestArb,
  send,
  type FuzzRequest,
  type RawAnswer,
} from '../helpers/fuzz-requests.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 500)
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)

const BAYEUX = ['/api/v2/notifications', '/genesys/cometd']

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

/** Run `runs` requests from `arb` against `srv`, checking every answer. */
async function fuzz(srv: TestServer, arb: fc.Arbitrary<FuzzRequest>, runs: number): Promise<void> {
  const port = Number(new URL(srv.url).port)
  const db = new DbSnapshot(srv.dbPath)
  const statuses = new Map<number, number>()
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const before = db.take()
        const a = await send(port, r)
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
        const where = `${r.method} ${r.target.slice(0, 200)} → ${a.status} ${a.body.slice(0, 300)}`
        assert.ok(a.status >= 200 && a.status < 500, `5xx or no status: ${where}`)
        const path = pathOf(r.target)
        if (BAYEUX.some((b) => path === b || path.startsWith(`${b}/`))) checkBayeux(r, a)
        else if (path === '/api/v2' || path.startsWith('/api/v2/')) checkEnvelope(r, a)
        if (a.status >= 400) assert.equal(db.take(), before, `an error changed the store: ${where}`)
      }),
      { numRuns: runs, ...(SEED === undefined ? {} : { seed: SEED }), includeErrorInReport: true },
    )
  } finally {
    db.close()
  }
  console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`)
}

describe(`fuzz: ${RUNS} generated requests`, () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ demo: true })
  })
  after(() => srv.close())

  it('every route and the Bayeux endpoint: no 5xx, the envelope, no change on error', () =>
    fuzz(srv, requestArb, RUNS))
})

describe(`fuzz: ${Math.ceil(RUNS / 5)} Bayeux requests through node:http`, () => {
  // The direct transport serves long-polling by default; the node:http path must hold too.
  let srv: TestServer
  before(async () => {
    srv = await startServer({ demo: true, config: { cometd: { directHttp: false } } })
  })
  after(() => srv.close())

  it('a Bayeux reply array or a 4xx, no change on error', () =>
    fuzz(srv, bayeuxRequestArb, Math.ceil(RUNS / 5)))
})
