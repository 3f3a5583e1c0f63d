// The agent's own interactions under the GWS media resources (docs/workbins-content.md):
// `/me/emails`, `/me/chats`, `/me/workitems`, `/me/openmedia/{mediaType}`, `/me/facebook`,
// `/me/tweets`, `/me/facebooksessions`, each with `/{id}`, and the `uri` targets.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { IX, WB } from '../helpers/fixtures/content.ts'
import { assertError, type Data } from '../helpers/assert.ts'
import { World } from '../helpers/world.ts'

/** The whole reply to an id the caller may not know about. */
function notFound(id: string) {
  return { status: 404, body: { statusCode: 6, statusMessage: `Interaction ${id} not found` } }
}

describe('media resources', () => {
  let w: World
  let workitem: string
  let tweet: string
  let promo: string
  before(async () => {
    w = await World.start()
    workitem = await w.create({ mediaType: 'workitem', owner: 'agent1', userData: { Case: '9' } })
    tweet = await w.create({ mediaType: 'tweet', owner: 'agent1', extra: { message: 'hi' } })
    promo = await w.create({ mediaType: 'openmedia', openmediaType: 'promotion', owner: 'agent1' })
    await w.create({ mediaType: 'openmedia', openmediaType: 'survey', owner: 'agent1' })
    await w.create({ mediaType: 'email', owner: 'agent2' })
  })
  after(async () => {
    await w.close()
  })

  it('lists uris without fields, objects with fields=*, chosen fields with fields=a,b', async () => {
    const api = w.api('agent1')
    assert.deepEqual((await api.get('/me/emails')).body, {
      statusCode: 0,
      uris: [`${w.server.apiUrl}/me/emails/${IX.email1}`],
    })
    const full = await api.get('/me/emails?fields=*')
    const [email] = full.body.emails as Data[]
    assert.equal(email!.id, IX.email1)
    assert.equal(email!.state, 'Processing')
    assert.equal(email!.subject, 'Invoice 42')
    assert.equal(email!.from, 'customer@example.com')
    assert.ok((email!.capabilities as string[]).includes('Transfer'))
    assert.deepEqual((await api.get('/me/workitems?fields=id,userData')).body, {
      statusCode: 0,
      workitems: [{ id: workitem, userData: { Case: '9' } }],
    })
    assert.deepEqual((await api.get('/me/tweets?fields=id,twitterType,message')).body, {
      statusCode: 0,
      tweets: [{ id: tweet, twitterType: 'Inbound', message: 'hi' }],
    })
    // chat1 sits in a workbin: not the agent's to list
    assert.deepEqual((await api.get('/me/chats')).body, { statusCode: 0, uris: [] })
    assert.deepEqual((await api.get('/me/facebook')).body, { statusCode: 0, uris: [] })
    assert.deepEqual((await api.get('/me/facebooksessions')).body, { statusCode: 0, uris: [] })
  })

  it('filters by field values and by open media type', async () => {
    const api = w.api('agent1')
    assert.deepEqual((await api.get('/me/workitems?state=InWorkbin')).body, {
      statusCode: 0,
      uris: [],
    })
    assert.equal(
      ((await api.get('/me/workitems?state=Processing')).body.uris as string[]).length,
      1,
    )
    assert.deepEqual((await api.get('/me/openmedia/promotion?fields=id,mediaType')).body, {
      statusCode: 0,
      openmedia: [{ id: promo, mediaType: 'promotion' }],
    })
  })

  it('answers one item of the caller, 404/6 for anyone else’s or one in a workbin', async () => {
    const one = await w.api('agent1').get(`/me/emails/${IX.email1}`)
    assert.equal(one.status, 200)
    assert.equal((one.body.email as Data).id, IX.email1)
    const om = await w.api('agent1').get(`/me/openmedia/promotion/${promo}`)
    assert.equal((om.body.openmedia as Data).id, promo)
    assertError(await w.api('agent1').get(`/me/openmedia/survey/${promo}`), 404, 6)
    assertError(await w.api('agent2').get(`/me/emails/${IX.email1}`), 404, 6)
    // chat1 is in agent1's Later workbin: agent2 does not see it there
    assertError(await w.api('agent2').get(`/me/chats/${IX.chat1}`), 404, 6)
    assertError(await w.api('agent1').get(`/me/chats/${IX.email1}`), 404, 6)
  })

  it('an e-mail’s or chat’s uri in a workbin is followed by whoever sees the item there', async () => {
    const unknown = notFound('NoSuchInteract16')
    const team = `/me/workbins/${WB.team}?agentGroup=Sales`
    const email = await w.create({
      mediaType: 'email',
      workbin: { id: WB.team, agentGroup: 'Sales' },
      extra: { subject: 'Parcel' },
    })
    const chat = await w.create({
      mediaType: 'chat',
      workbin: { id: WB.team, agentGroup: 'Sales' },
    })
    // agent2, a member of Sales, reads the items in the group's workbin and follows their uris.
    const content = await w.api('agent2').get(`${team}&subresources=email,chat`)
    assert.equal(content.status, 200, JSON.stringify(content.body))
    const workbin = content.body.workbin as Data
    const items = [...(workbin.emails as Data[]), ...(workbin.chats as Data[])]
    for (const [id, single] of [
      [email, 'email'],
      [chat, 'chat'],
    ] as const) {
      const item = items.find((i) => i.id === id)!
      const uri = item.uri as string
      assert.equal(uri, `${w.server.apiUrl}/me/${single}s/${id}`)
      const path = uri.slice(w.server.apiUrl.length)
      for (const reader of ['agent2', 'agent1', 'sup1', 'admin1']) {
        const r = await w.api(reader).get(path)
        assert.deepEqual(r.body, { statusCode: 0, [single]: item }, `${reader} ${path}`)
        assert.equal(r.status, 200)
      }
      // agent3 (Support) does not see the Sales instance: as an unknown id
      const r = await w.api('agent3').get(path)
      assert.deepEqual({ status: r.status, body: r.body }, notFound(id), `agent3 ${path}`)
      // Operations stay the handler's: nobody handles it, so every POST is 404 / 6.
      for (const body of [
        { operationName: 'Complete' },
        { operationName: 'AttachUserData', userData: { a: '1' } },
      ]) {
        const p = await w.api('agent2').post(path, body)
        assert.deepEqual({ status: p.status, body: p.body }, notFound(id), `POST ${path}`)
      }
    }
    // chat1 sits in agent1's Agent workbin: agent1 and their supervisor follow its uri.
    for (const reader of ['agent1', 'sup1']) {
      const r = await w.api(reader).get(`/me/chats/${IX.chat1}`)
      assert.equal(r.status, 200, `${reader}: ${JSON.stringify(r.body)}`)
      assert.equal((r.body.chat as Data).state, 'InWorkbin')
    }
    const alien = await w.api('agent3').get(`/me/chats/${IX.chat1}`)
    assert.deepEqual({ status: alien.status, body: alien.body }, notFound(IX.chat1))
    const none = await w.api('agent1').get('/me/emails/NoSuchInteract16')
    assert.deepEqual({ status: none.status, body: none.body }, unknown)
    // A pulled e-mail is its handler's again: the group no longer sees it at its uri.
    assert.equal(
      (await w.api('agent2').post(team, { operationName: 'PullEmail', id: email })).status,
      200,
    )
    assert.equal((await w.api('agent2').get(`/me/emails/${email}`)).status, 200)
    const gone = await w.api('agent1').get(`/me/emails/${email}`)
    assert.deepEqual({ status: gone.status, body: gone.body }, notFound(email))
    assert.equal(
      (await w.api('agent1').post(`/me/emails/${email}`, { operationName: 'Complete' })).status,
      404,
    )
  })

  it('serves the uri targets to the owner and to admin/apiuser', async () => {
    const own = await w.api('agent1').get(`/workitems/${workitem}`)
    assert.equal((own.body.workitem as Data).uri, `${w.server.apiUrl}/workitems/${workitem}`)
    assert.equal(
      ((await w.api('agent1').get(`/social-medias/${tweet}`)).body.tweet as Data).id,
      tweet,
    )
    assert.equal(
      ((await w.api('agent1').get(`/openmedia/promotions/${promo}`)).body.openmedia as Data).id,
      promo,
    )
    assertError(await w.api('agent2').get(`/workitems/${workitem}`), 404, 6)
    const adm = await w.api('admin1').get(`/workitems/${IX.workitem1}`)
    assert.equal((adm.body.workitem as Data).state, 'InWorkbin')
  })

  it('follows the interaction as it moves in and out of a workbin', async () => {
    const api = w.api('agent1')
    assert.equal(
      (await api.post(`/me/workbins/${WB.later}`, { operationName: 'AddWorkitem', id: workitem }))
        .status,
      200,
    )
    assert.deepEqual((await api.get('/me/workitems')).body, { statusCode: 0, uris: [] })
    assert.equal(
      (await api.post(`/me/workbins/${WB.later}`, { operationName: 'PullWorkitem', id: workitem }))
        .status,
      200,
    )
    assert.deepEqual((await api.get('/me/workitems?fields=id,state')).body, {
      statusCode: 0,
      workitems: [{ id: workitem, state: 'Processing' }],
    })
  })

  it('does not exist without api-multimedia (404/6)', async () => {
    assertError(await w.api('agentC').get('/me/emails'), 404, 6)
    assertError(await w.api('agentC').get('/me/openmedia/promotion'), 404, 6)
  })
})
