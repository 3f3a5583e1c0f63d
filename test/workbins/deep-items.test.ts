// An interaction whose `extra` nests thousands deep, stored before WORKBINS_JSON_MAX_DEPTH
// existed (REST and provisioning refuse one now: test/http/json-depth.test.ts,
// test/provision/validate.test.ts): reading its workbin must not fail. A paged read of the
// workbin used to answer 500 to every member, until someone pulled the item (the reply was
// serialized with a replacer function, whose frames overflowed the stack).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Interaction } from '../../src/model.ts'
import { CC_A, WB } from '../helpers/fixtures/content.ts'
import { World } from '../helpers/world.ts'

/** The level the audit found accepted by a Create before the limit. */
const DEPTH = 4000
const ID = 'DEEPITEM00000001'

function deepItem(): Interaction {
  return {
    id: ID,
    contactCenterId: CC_A,
    mediaType: 'workitem',
    openmediaType: null,
    state: 'InWorkbin',
    userData: { Workbin: 'Team' },
    receivedDate: '2016-04-08 15:08:57.000+0300',
    capabilities: [],
    location: { kind: 'workbin', workbinId: WB.team, owner: 'Sales' },
    extra: { deep: JSON.parse('['.repeat(DEPTH) + ']'.repeat(DEPTH)) as unknown },
  }
}

/** How deep `[[…]]` nests (iteratively, as the value is deeper than a recursion may go). */
function arrayDepth(v: unknown): number {
  let n = 0
  while (Array.isArray(v)) {
    n++
    v = v[0]
  }
  return n
}

describe('a stored deeply nested item', () => {
  let w: World
  before(async () => {
    w = await World.start()
    // Straight into the store, as data written before the limit (no way in accepts it now).
    await w.server.app.store.createInteraction(deepItem())
  })
  after(() => w.close())

  const TEAM = `/me/workbins/${WB.team}`

  it('paged reads of its workbin answer 200 to every member and the supervisor, item whole', async () => {
    for (const user of ['agent1', 'agent2', 'sup1']) {
      for (const path of [
        `${TEAM}/workitems?agentGroup=Sales&limit=10`,
        `${TEAM}?agentGroup=Sales&subresources=*&limit=10`,
      ]) {
        const r = await w.api(user).get(path)
        assert.equal(r.status, 200, `${user} ${path}: ${JSON.stringify(r.body).slice(0, 200)}`)
        const text = JSON.stringify(r.body)
        assert.ok(text.includes(ID), `${user} ${path}`)
      }
    }
    const page = await w.api('agent1').get(`${TEAM}/workitems?agentGroup=Sales&limit=10`)
    const items = page.body.workitems as { id: string; deep?: unknown }[]
    const item = items.find((i) => i.id === ID)
    assert.equal(arrayDepth(item?.deep), DEPTH)
  })

  it('the whole content and the item at its uri answer 200 too', async () => {
    const whole = await w.api('sup1').get(`${TEAM}?agentGroup=Sales&subresources=*`)
    assert.equal(whole.status, 200)
    assert.ok(JSON.stringify(whole.body).includes(ID))
    const one = await w.api('admin1').get(`/interactions/${ID}`)
    assert.equal(one.status, 200)
    assert.equal(one.body.interaction && (one.body.interaction as { id: string }).id, ID)
  })
})
