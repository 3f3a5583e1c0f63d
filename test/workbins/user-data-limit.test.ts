// The userData limit end to end (docs/interactions.md "userData"): every way userData enters an
// interaction counts the result against WORKBINS_USER_DATA_MAX_BYTES / _MAX_KEYS (small here);
// up to the limit works, one byte or key more is 400 / 10 naming the setting, and nothing
// changes or is sent. Runs on SQLite and on PostgreSQL (test/helpers/stores.ts).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MEDIA_TYPES, type UserData } from '../../src/model.ts'
import { userDataBytes } from '../../src/store/user-data-limit.ts'
import { assertAccepted, assertError, type Data, type Reply } from '../helpers/assert.ts'
import { openDesk, queuesDocument, QUEUE, type Desk } from '../helpers/desk.ts'
import { U, WB } from '../helpers/fixtures/content.ts'
import { e2eStores } from '../helpers/stores.ts'
import { World } from '../helpers/world.ts'

const MAX_BYTES = 1024
const MAX_KEYS = 8
const LIMITS = { userDataMaxBytes: MAX_BYTES, userDataMaxKeys: MAX_KEYS }

/** `base` plus a key `pad` whose value makes the whole exactly `bytes` bytes of JSON. */
function filledTo(bytes: number, base: UserData = {}): UserData {
  const room = bytes - userDataBytes({ ...base, pad: '' })
  return { ...base, pad: 'x'.repeat(room) }
}

/** 400 / 10 in the GWS envelope, its message naming the setting and its value. */
function assertOverLimit(reply: Reply, setting: 'BYTES' | 'KEYS'): void {
  assertError(reply, 400, 10)
  const message = (reply.body as Data).statusMessage as string
  assert.match(message, new RegExp(`WORKBINS_USER_DATA_MAX_${setting}`))
  assert.ok(message.includes(String(setting === 'BYTES' ? MAX_BYTES : MAX_KEYS)), message)
}

/**
 * A refused Create names "the new interaction", never an id: a generated one never exists, and
 * the refused interaction is not there under a given one either.
 */
function assertNamesNewInteraction(reply: Reply, id?: string): void {
  const message = (reply.body as Data).statusMessage as string
  assert.match(message, /^userData of the new interaction would /)
  if (id !== undefined) assert.ok(!message.includes(id), message)
}

let n = 0
/** A fresh interaction id (16 characters of [0-9A-Za-z]). */
const freshId = () => `LIMIT${String(++n).padStart(11, '0')}`

for (const store of await e2eStores()) {
  describe(`userData limit on ${store.name}`, { skip: store.skip }, () => {
    let w: World
    let desk: Desk

    before(async () => {
      w = await World.start({ document: queuesDocument(), db: await store.db(), config: LIMITS })
      desk = await openDesk(w.server, 'agent1')
    })
    after(async () => {
      await desk?.close()
      await w?.close()
    })

    const op = (user: string, id: string, body: Data) =>
      w.api(user).post(`/me/workitems/${id}`, body)
    const userDataOf = async (id: string) => (await w.where(id)).userData as UserData

    /** A workitem `owner` handles, created by the integration; agent1's message consumed. */
    async function handledBy(owner: string, userData: UserData = {}): Promise<string> {
      const id = await w.create({ mediaType: 'workitem', owner, userData })
      if (owner === 'agent1')
        assert.equal((await desk.next()).data.notificationType, 'StatusChange')
      return id
    }

    it('AttachUserData merges up to the limit; one byte more is refused, unchanged and untold', async () => {
      const id = await handledBy('agent1')
      assertAccepted(
        await op('agent1', id, {
          operationName: 'AttachUserData',
          userData: { a: 'x'.repeat(500) },
        }),
      )
      assert.equal((await desk.next()).data.notificationType, 'PropertiesUpdated')
      const full = filledTo(MAX_BYTES, await userDataOf(id))
      assertAccepted(
        await op('agent1', id, { operationName: 'AttachUserData', userData: { pad: full.pad } }),
      )
      const told = (await desk.next()).data
      assert.equal(userDataBytes((told.workitem as Data).userData as UserData), MAX_BYTES)
      assert.deepEqual(await userDataOf(id), full)

      const oneMore = { pad: `${full.pad as string}x` }
      for (const operationName of ['AttachUserData', 'UpdateUserData']) {
        assertOverLimit(await op('agent1', id, { operationName, userData: oneMore }), 'BYTES')
      }
      // A key small on its own is over the limit once merged with what is stored.
      assertOverLimit(
        await op('agent1', id, { operationName: 'AttachUserData', userData: { b: 1 } }),
        'BYTES',
      )
      assert.deepEqual(await userDataOf(id), full)
      const own = await w.api('agent1').get(`/me/workitems/${id}`)
      assert.deepEqual((own.body.workitem as Data).userData, full)

      // Removing keys always works; its message is the next one: the refusals sent nothing.
      const ref = assertAccepted(
        await op('agent1', id, { operationName: 'DeleteUserData', keys: ['pad'] }),
      )
      const next = (await desk.next()).data
      assert.equal(next.referenceId, ref)
      assert.deepEqual((next.workitem as Data).userData, { a: 'x'.repeat(500) })
    })

    it('counts keys after the merge', async () => {
      const id = await handledBy('agent1')
      const eight = Object.fromEntries(Array.from({ length: MAX_KEYS }, (_, i) => [`k${i}`, i]))
      assertAccepted(await op('agent1', id, { operationName: 'AttachUserData', userData: eight }))
      await desk.next()
      assertOverLimit(
        await op('agent1', id, { operationName: 'AttachUserData', userData: { k8: 8 } }),
        'KEYS',
      )
      assert.deepEqual(await userDataOf(id), eight)
      // Overwriting a key adds none.
      assertAccepted(
        await op('agent1', id, { operationName: 'UpdateUserData', userData: { k0: 'zero' } }),
      )
      await desk.next()
    })

    it('a put whose workbin stamps would pass the limit is refused; the interaction stays with its agent', async () => {
      const id = await handledBy('agent2', filledTo(MAX_BYTES - 10))
      const put = () =>
        w.api('agent2').post(`/me/workbins/${WB.later}`, { operationName: 'AddWorkitem', id })
      assertOverLimit(await put(), 'BYTES')
      assert.equal((await w.where(id)).owner, U.agent2)
      assertAccepted(await op('agent2', id, { operationName: 'DeleteUserData', keys: ['pad'] }))
      assertAccepted(await put())
      assert.equal((await userDataOf(id)).Workbin, 'Later')
    })

    it('the integration Create refuses userData over the limit for every media, and creates nothing', async () => {
      for (const mediaType of MEDIA_TYPES) {
        const id = freshId()
        const r = await w.api('api1').post('/interactions', {
          operationName: 'Create',
          id,
          mediaType,
          ...(mediaType === 'openmedia' ? { openmediaType: 'promotion' } : {}),
          owner: 'agent3',
          userData: filledTo(MAX_BYTES + 1),
        })
        assertOverLimit(r, 'BYTES')
        assertNamesNewInteraction(r, id)
        assertError(await w.api('admin1').get(`/interactions/${id}`), 404, 6)
      }
      const tooMany = Object.fromEntries(
        Array.from({ length: MAX_KEYS + 1 }, (_, i) => [`k${i}`, i]),
      )
      const keys = await w.api('api1').post('/interactions', {
        operationName: 'Create',
        mediaType: 'email',
        queue: 'Inbound',
        userData: tooMany,
      })
      assertOverLimit(keys, 'KEYS')
      assertNamesNewInteraction(keys)
      // In a workbin the stamps count too.
      const stamped = await w.api('api1').post('/interactions', {
        operationName: 'Create',
        mediaType: 'email',
        workbin: { id: WB.later, user: 'agent3' },
        userData: filledTo(MAX_BYTES - 10),
      })
      assertOverLimit(stamped, 'BYTES')
      assertNamesNewInteraction(stamped)
      const atLimit = await w.create({
        mediaType: 'chat',
        owner: 'agent3',
        userData: filledTo(MAX_BYTES),
      })
      assert.equal(userDataBytes(await userDataOf(atLimit)), MAX_BYTES)
    })

    it('a desktop Create counts its Queue key and refuses one byte more', async () => {
      const queueUri = `${w.server.apiUrl}/queues/${QUEUE.inbound.id}`
      const { pad } = filledTo(MAX_BYTES, { Queue: QUEUE.inbound.name })
      const mine = async () =>
        ((await w.api('agent2').get('/me/workitems')).body.uris as string[]).length
      const before = await mine()
      for (const path of ['/me/workitems', '/me/openmedia/promotion']) {
        const r = await w.api('agent2').post(path, {
          operationName: 'Create',
          queueUri,
          userData: { pad: `${pad as string}x` },
        })
        assertOverLimit(r, 'BYTES')
        assertNamesNewInteraction(r)
      }
      assert.equal(await mine(), before)
      assertAccepted(
        await w
          .api('agent2')
          .post('/me/workitems', { operationName: 'Create', queueUri, userData: { pad } }),
      )
      assert.equal(await mine(), before + 1)
    })

    it('the integration UpdateUserData refuses a merge over the limit and changes nothing', async () => {
      const id = await w.create({ mediaType: 'workitem', owner: 'agent3', userData: { a: 1 } })
      const full = filledTo(MAX_BYTES, { a: 1 })
      const update = (userData: UserData) =>
        w.api('api1').post(`/interactions/${id}`, { operationName: 'UpdateUserData', userData })
      assert.deepEqual((await update({ pad: full.pad as string })).body, { statusCode: 0 })
      assertOverLimit(await update({ b: 2 }), 'BYTES')
      assert.deepEqual(await userDataOf(id), full)
    })
  })
}
