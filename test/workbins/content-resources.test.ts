// Unit tests of the wire names and shapes of workbin content (src/workbins/resources.ts,
// put-pull.ts parsing helpers, item-events.ts message builder). The end-to-end behaviour is in
// content-e2e.test.ts.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Interaction, Workbin } from '../../src/model.ts'
import { applyUserDataChange } from '../../src/model.ts'
import { itemChangeMessage } from '../../src/workbins/item-events.ts'
import {
  interactionIdOf,
  parseContentOperation,
  parseSaveLar,
  workbinStamps,
} from '../../src/workbins/put-pull.ts'
import { contentOperations, collectionOperations } from '../../src/workbins/content-operations.ts'
import {
  interactionResource,
  mediaTypeOf,
  parseSubresources,
} from '../../src/workbins/resources.ts'
import { GwsError } from '../../src/errors.ts'

const BASE = 'http://gws.example:8090/api/v2'

function ix(over: Partial<Interaction>): Interaction {
  return {
    id: '0001BaBFVPR20035',
    contactCenterId: 'cc',
    mediaType: 'chat',
    openmediaType: null,
    state: 'InWorkbin',
    userData: { ChatServerPort: '7160' },
    receivedDate: '2016-04-08 15:05:57.000+0300',
    capabilities: [],
    location: { kind: 'workbin', workbinId: 'wb', owner: 'Sales' },
    extra: {},
    ...over,
  }
}

function code(fn: () => unknown): number {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof GwsError)
    return err.statusCode
  }
  assert.fail('expected a GwsError')
}

describe('interaction resources', () => {
  it('renders a chat like the documented group-workbin sample', () => {
    const r = interactionResource(BASE, ix({}))
    assert.equal(r.id, '0001BaBFVPR20035')
    assert.equal(r.chatType, 'Inbound')
    assert.deepEqual(r.participants, [])
    assert.deepEqual(r.capabilities, [])
    assert.equal(r.receivedDate, '2016-04-08 15:05:57.000+0300')
    assert.deepEqual(r.userData, { ChatServerPort: '7160' })
    assert.equal(r.state, 'InWorkbin')
    assert.equal(r.uri, `${BASE}/me/chats/0001BaBFVPR20035`)
  })

  it('uses the documented uri per media', () => {
    const id = '02F0ASAK8EAFA00W'
    assert.equal(
      interactionResource(BASE, ix({ id, mediaType: 'workitem' })).uri,
      `${BASE}/workitems/${id}`,
    )
    assert.equal(
      interactionResource(BASE, ix({ id, mediaType: 'email' })).uri,
      `${BASE}/me/emails/${id}`,
    )
    const om = interactionResource(
      BASE,
      ix({ id, mediaType: 'openmedia', openmediaType: 'promotion' }),
    )
    assert.equal(om.uri, `${BASE}/openmedia/promotions/${id}`)
    assert.equal(om.mediaType, 'promotion')
    assert.equal(om.openmediaType, 'Inbound')
    for (const m of ['facebook', 'tweet', 'facebooksession'] as const) {
      assert.equal(
        interactionResource(BASE, ix({ id, mediaType: m })).uri,
        `${BASE}/social-medias/${id}`,
      )
    }
    assert.equal(interactionResource(BASE, ix({ mediaType: 'tweet' })).twitterType, 'Inbound')
    assert.equal(interactionResource(BASE, ix({ mediaType: 'workitem' })).workitemType, 'Inbound')
  })

  it('keeps extra fields but never lets them override core fields', () => {
    const r = interactionResource(
      BASE,
      ix({
        mediaType: 'email',
        extra: { subject: 'Hi', state: 'Hacked', id: 'x', emailType: 'Inbound' },
      }),
    )
    assert.equal(r.subject, 'Hi')
    assert.equal(r.state, 'InWorkbin')
    assert.equal(r.id, '0001BaBFVPR20035')
    assert.equal(r.emailType, 'Inbound')
  })

  it('accepts singular and plural media words; rejects unknown subresources with 2', () => {
    assert.equal(mediaTypeOf('emails'), 'email')
    assert.equal(mediaTypeOf('email'), 'email')
    assert.equal(mediaTypeOf('tweets'), 'tweet')
    assert.equal(mediaTypeOf('facebooksessions'), 'facebooksession')
    assert.equal(mediaTypeOf('voice'), undefined)
    assert.equal(parseSubresources(undefined), undefined)
    assert.equal(parseSubresources('*')?.length, 7)
    assert.deepEqual(parseSubresources('chat,emails,chat'), ['chat', 'email'])
    assert.equal(
      code(() => parseSubresources('chat,voice')),
      2,
    )
  })
})

describe('put/pull request parsing', () => {
  it('maps operation names to media (Interaction = any)', () => {
    assert.deepEqual(parseContentOperation('AddEmail'), { verb: 'Add', media: 'email' })
    assert.deepEqual(parseContentOperation('PullInteraction'), { verb: 'Pull', media: null })
    assert.deepEqual(parseContentOperation('AddFacebooksession'), {
      verb: 'Add',
      media: 'facebooksession',
    })
    assert.equal(parseContentOperation('AddInteractionToWorkbin'), undefined)
    assert.equal(parseContentOperation('Subscribe'), undefined)
    const names = Object.keys(contentOperations).sort()
    assert.equal(names.length, 16)
    for (const n of ['AddTweet', 'PullOpenmedia', 'AddWorkitem', 'PullChat'])
      assert.ok(names.includes(n))
    assert.deepEqual(Object.keys(collectionOperations), ['RequestAgentStats'])
  })

  it('takes the id from id or from the last segment of uri', () => {
    assert.equal(interactionIdOf({ id: 'abc' }), 'abc')
    assert.equal(
      interactionIdOf({ uri: 'http://h/api/v2/workitems/02F0ASAK8EAFA00W' }),
      '02F0ASAK8EAFA00W',
    )
    assert.equal(interactionIdOf({ uri: 'http://h/api/v2/me/emails/X1/' }), 'X1')
    assert.equal(interactionIdOf({ id: 'X1', uri: '/me/emails/X1' }), 'X1')
    assert.equal(
      code(() => interactionIdOf({})),
      1,
    )
    assert.equal(
      code(() => interactionIdOf({ id: 5 })),
      2,
    )
    assert.equal(
      code(() => interactionIdOf({ id: 'A', uri: '/me/emails/B' })),
      2,
    )
  })

  it('accepts saveLAR as boolean or "true"/"false" only', () => {
    assert.equal(parseSaveLar(undefined), false)
    assert.equal(parseSaveLar(true), true)
    assert.equal(parseSaveLar('false'), false)
    assert.equal(
      code(() => parseSaveLar('yes')),
      2,
    )
  })

  it('stamps Workbin, and WorkbinAgentId for Agent workbins only', () => {
    const agentWb: Workbin = {
      id: 'w',
      contactCenterId: 'cc',
      workbinName: 'Later',
      displayName: 'Later',
      type: 'Agent',
    }
    const groupWb: Workbin = { ...agentWb, workbinName: 'Team', type: 'AgentGroup' }
    assert.deepEqual(
      applyUserDataChange(
        { a: 1 },
        workbinStamps({ workbin: agentWb, instance: { workbinId: 'w', owner: 'u1' } }),
      ),
      { a: 1, Workbin: 'Later', WorkbinAgentId: 'u1' },
    )
    assert.deepEqual(
      applyUserDataChange(
        { a: 1, Workbin: 'Later', WorkbinAgentId: 'u1' },
        workbinStamps({ workbin: groupWb, instance: { workbinId: 'w', owner: 'Sales' } }),
      ),
      { a: 1, Workbin: 'Team' },
    )
  })
})

describe('WorkbinStateChangeMessage copies', () => {
  const agentWb: Workbin = {
    id: 'w1',
    contactCenterId: 'cc',
    workbinName: 'Later',
    displayName: 'Later',
    type: 'Agent',
  }
  const change = {
    workbin: agentWb,
    instance: { workbinId: 'w1', owner: 'owner1' },
    action: 'ItemAdded' as const,
    interaction: ix({ mediaType: 'workitem' }),
    requester: { userId: 'sup1', referenceId: 42 },
  }

  it('gives workbinUserId to everyone but the owner, referenceId to the requester only', () => {
    const owner = itemChangeMessage(change, 'owner1', BASE)
    const sup = itemChangeMessage(change, 'sup1', BASE)
    assert.equal(owner.workbinUserId, undefined)
    assert.equal(owner.referenceId, undefined)
    assert.equal(sup.workbinUserId, 'owner1')
    assert.equal(sup.referenceId, 42)
    assert.equal(sup.messageType, 'WorkbinStateChangeMessage')
    assert.equal(sup.action, 'ItemAdded')
    assert.equal(sup.id, 'w1')
    assert.equal((sup.workitemStateResourceV2 as { id: string }).id, '0001BaBFVPR20035')
  })

  it('names the group on group instances', () => {
    const g = itemChangeMessage(
      {
        ...change,
        workbin: { ...agentWb, type: 'PlaceGroup' },
        instance: { workbinId: 'w1', owner: 'North' },
      },
      'x',
      BASE,
    )
    assert.equal(g.placeGroup, 'North')
    assert.equal(g.workbinUserId, undefined)
    assert.equal(g.agentGroup, undefined)
  })
})
