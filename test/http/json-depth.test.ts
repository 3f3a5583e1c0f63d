// WORKBINS_JSON_MAX_DEPTH (docs/security.md "REST input"): every REST body is held to a nesting
// depth when it is parsed, before any route runs. Deeper: 400 / 10 naming the setting, and
// nothing changes. Before the limit, `extra` nested 20,000 deep answered 500 (a stack overflow
// where the store wrote it), and 4,000 deep was stored and then broke every paged read of its
// workbin (test/workbins/deep-items.test.ts).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertError, type Data } from '../helpers/assert.ts'
import { DbSnapshot } from '../helpers/db-snapshot.ts'
import { World } from '../helpers/world.ts'

/** `[[…]]` nested `n` deep. */
const nested = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n))

let n = 0
const freshId = () => `DEPTH${String(++n).padStart(11, '0')}`

/**
 * An integration Create whose body nests `depth` deep (body 1, extra 2, the rest in
 * extra.deep), as text: JSON.stringify itself overflows on the deepest.
 */
function create(id: string, depth: number): string {
  const deep = '['.repeat(depth - 2) + ']'.repeat(depth - 2)
  return `{"operationName":"Create","id":"${id}","mediaType":"workitem","owner":"agent3","userData":{"Case":"1"},"extra":{"deep":${deep}}}`
}

const post = (w: World, user: string, path: string, rawBody: string) =>
  w.api(user).request('POST', path, undefined, { rawBody })

function assertTooDeep(reply: { status: number; body: unknown }, max: number): void {
  assertError(reply, 400, 10)
  const message = (reply.body as Data).statusMessage as string
  assert.match(message, /WORKBINS_JSON_MAX_DEPTH/)
  assert.ok(message.includes(`${max} levels`), message)
}

describe('REST body nesting depth', () => {
  describe('default limit (32)', () => {
    let w: World
    let db: DbSnapshot
    before(async () => {
      w = await World.start()
      db = new DbSnapshot(w.server.dbPath)
    })
    after(async () => {
      db.close()
      await w.close()
    })

    it('a Create one level over the limit is 400 / 10 naming the setting and the field; nothing is created', async () => {
      const before = db.take()
      for (const depth of [33, 4000, 20_000]) {
        const id = freshId()
        const r = await post(w, 'api1', '/interactions', create(id, depth))
        assertTooDeep(r, 32)
        assert.match((r.body as Data).statusMessage as string, /in extra\.deep/)
        assertError(await w.api('admin1').get(`/interactions/${id}`), 404, 6)
      }
      assert.equal(db.take(), before)
    })

    it('a Create exactly at the limit is accepted and read back whole', async () => {
      const id = freshId()
      const r = await post(w, 'api1', '/interactions', create(id, 32))
      assert.equal(r.status, 200, JSON.stringify(r.body))
      const got = await w.where(id)
      assert.deepEqual(got.deep, nested(30))
    })

    it('every route is covered, before it runs: a deep field it would ignore is refused too', async () => {
      const before = db.take()
      const deep = nested(40)
      const agent = w.api('agent1')
      const cases: [string, Data][] = [
        ['/me', { operationName: 'StartContactCenterSession', place: 'P1', x: deep }],
        ['/workbins', { operationName: 'RequestAgentStats', x: deep }],
        [
          `/me/workbins/aee812a5-7396-4dd9-b180-230f1c1fb085`,
          { operationName: 'Subscribe', x: deep },
        ],
      ]
      for (const [path, body] of cases) assertTooDeep(await agent.post(path, body), 32)
      // a bare array body, and a deep userData value (not a scalar, but refused first for depth)
      assertTooDeep(await post(w, 'agent1', '/me', JSON.stringify(deep)), 32)
      assertTooDeep(
        await w.api('api1').post('/interactions', {
          operationName: 'Create',
          mediaType: 'workitem',
          owner: 'agent3',
          userData: { a: deep },
        }),
        32,
      )
      assert.equal(db.take(), before)
      // the same requests without the deep field work
      assert.equal(
        (await agent.post('/workbins', { operationName: 'RequestAgentStats' })).status,
        200,
      )
    })
  })

  describe('a configured limit', () => {
    let w: World
    before(async () => {
      w = await World.start({ config: { jsonMaxDepth: 8 } })
    })
    after(() => w.close())

    it('WORKBINS_JSON_MAX_DEPTH=8: 8 levels pass, 9 are refused with 8 in the message', async () => {
      assert.equal((await post(w, 'api1', '/interactions', create(freshId(), 8))).status, 200)
      const id = freshId()
      assertTooDeep(await post(w, 'api1', '/interactions', create(id, 9)), 8)
      assertError(await w.api('admin1').get(`/interactions/${id}`), 404, 6)
    })
  })
})
