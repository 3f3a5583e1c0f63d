// Subscribe / Unsubscribe: who may do it and every synchronous error
// (docs/workbins-subscriptions.md "Who may do what", "Errors"), end to end. An error changes nothing and sends no
// message: after the failures, the next message each caller gets is the one of a request made
// afterwards on purpose, and Unsubscribe shows that nothing was subscribed.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ApiClient } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import {
  assertError,
  assertRequestFailed,
  assertAccepted,
  assertAcceptedMany,
  stateMessage,
} from '../helpers/assert.ts'
import { type Listener, api, listen, operation } from '../helpers/world.ts'
import { U, WB, subscriptionDocument } from '../helpers/fixtures/subscriptions.ts'

type Extra = { workbinUserId?: string; agentGroup?: string; placeGroup?: string; place?: string }
type Row = { who: string; path: string; workbin: string; expect: Extra | [number, number] }

const nobody = 'f'.repeat(32)

/** A path with ids replaced by fixture names, for test titles. */
function label(path: string): string {
  let out = path.replace(nobody, '{unknownUser}')
  for (const [name, id] of Object.entries(U)) out = out.replace(id, `{${name}}`)
  for (const [name, id] of Object.entries(WB)) out = out.replace(id, `{wb:${name}}`)
  return out
}

// An agent on nobody else; supervisor on the members of the groups they supervise;
// admin/apiuser on their whole contact center; never across contact centers.
const MATRIX: Row[] = [
  // an agent
  {
    who: 'agent1',
    path: `/users/${U.agent1}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: { workbinUserId: U.agent1 },
  },
  {
    who: 'agent1',
    path: `/users/${U.agent3}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [403, 5],
  },
  {
    who: 'agent1',
    path: `/users/${U.agent2}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [403, 5],
  },
  {
    who: 'agent1',
    path: `/users/${U.sup1}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [403, 5],
  },
  {
    who: 'agent1',
    path: `/users/${U.agentB}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [404, 6],
  },
  {
    who: 'agent1',
    path: `/users/${nobody}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [404, 6],
  },
  {
    who: 'agent1',
    path: `/me/workbins/${WB.agentGroup}?agentGroup=Sales`,
    workbin: WB.agentGroup,
    expect: { agentGroup: 'Sales' },
  },
  {
    who: 'agent1',
    path: `/me/workbins/${WB.agentGroup}?agentGroup=Support`,
    workbin: WB.agentGroup,
    expect: [403, 5],
  },
  {
    who: 'agent1',
    path: `/me/workbins/${WB.placeGroup}?placeGroup=North`,
    workbin: WB.placeGroup,
    expect: { placeGroup: 'North' },
  },
  {
    who: 'agent1',
    path: `/me/workbins/${WB.placeGroup}?placeGroup=South`,
    workbin: WB.placeGroup,
    expect: [403, 5],
  },
  // a supervisor
  {
    who: 'sup1',
    path: `/users/${U.agent1}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: { workbinUserId: U.agent1 },
  },
  {
    who: 'sup1',
    path: `/users/${U.agent3}/workbins/${WB.agent2}`,
    workbin: WB.agent2,
    expect: { workbinUserId: U.agent3 },
  },
  {
    who: 'sup1',
    path: `/users/${U.agent1}/workbins/${WB.place}`,
    workbin: WB.place,
    // Another user's Place workbin: which place, too (several agents' share one id).
    expect: { workbinUserId: U.agent1, place: 'P1' },
  },
  {
    who: 'sup1',
    path: `/users/${U.agent3}/workbins/${WB.place}`,
    workbin: WB.place,
    expect: [400, 2],
  },
  {
    who: 'sup1',
    path: `/users/${U.agent2}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [403, 5],
  },
  {
    who: 'sup1',
    path: `/users/${U.admin1}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [403, 5],
  },
  {
    who: 'sup1',
    path: `/users/${U.agentB}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [404, 6],
  },
  {
    who: 'sup1',
    path: `/me/workbins/${WB.agentGroup}?agentGroup=Sales`,
    workbin: WB.agentGroup,
    expect: { agentGroup: 'Sales' },
  },
  {
    who: 'sup1',
    path: `/me/workbins/${WB.agentGroup}?agentGroup=Support`,
    workbin: WB.agentGroup,
    expect: [403, 5],
  },
  {
    who: 'sup1',
    path: `/users/${U.agent1}/workbins/${WB.agentGroup}?agentGroup=Sales`,
    workbin: WB.agentGroup,
    expect: { workbinUserId: U.agent1, agentGroup: 'Sales' },
  },
  {
    who: 'sup1',
    path: `/users/${U.agent2}/workbins/${WB.agentGroup}?agentGroup=Support`,
    workbin: WB.agentGroup,
    expect: [403, 5],
  },
  // admin and apiuser
  {
    who: 'admin1',
    path: `/users/${U.agent2}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: { workbinUserId: U.agent2 },
  },
  {
    who: 'admin1',
    path: `/users/${U.sup1}/workbins/${WB.agent2}`,
    workbin: WB.agent2,
    expect: { workbinUserId: U.sup1 },
  },
  {
    who: 'admin1',
    path: `/me/workbins/${WB.agentGroup}?agentGroup=Support`,
    workbin: WB.agentGroup,
    expect: { agentGroup: 'Support' },
  },
  {
    who: 'admin1',
    path: `/workbins/${WB.placeGroup}?placeGroup=South`,
    workbin: WB.placeGroup,
    expect: { placeGroup: 'South' },
  },
  { who: 'admin1', path: `/me/workbins/${WB.place}`, workbin: WB.place, expect: [400, 2] },
  {
    who: 'admin1',
    path: `/users/${U.agentB}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [404, 6],
  },
  {
    who: 'api1',
    path: `/users/${U.agent2}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: { workbinUserId: U.agent2 },
  },
  {
    who: 'api1',
    path: `/users/${U.admin1}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: { workbinUserId: U.admin1 },
  },
  // another contact center
  {
    who: 'adminB',
    path: `/users/${U.agent1}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [404, 6],
  },
  {
    who: 'adminB',
    path: `/users/${U.agentB}/workbins/${WB.agent}`,
    workbin: WB.agent,
    expect: [404, 6],
  },
  { who: 'adminB', path: `/workbins/${WB.agent}`, workbin: WB.agent, expect: [404, 6] },
  {
    who: 'adminB',
    path: `/users/${U.agentB}/workbins/${WB.otherCc}`,
    workbin: WB.otherCc,
    expect: { workbinUserId: U.agentB },
  },
]

describe('Subscribe / Unsubscribe: permissions and errors', () => {
  let server: TestServer
  const listeners = new Map<string, Listener>()
  const on = (who: string) => listeners.get(who) as Listener

  before(async () => {
    server = await startServer({ provision: subscriptionDocument(), config: { maxWorkbinIds: 3 } })
    for (const who of ['agent1', 'agent3', 'sup1', 'admin1', 'api1', 'adminB']) {
      listeners.set(who, await listen(server, who))
    }
  })
  after(async () => {
    for (const l of listeners.values()) await l.close()
    await server?.close()
  })

  /**
   * Nothing was sent to `who` since their last read: the next message is the one caused now
   * (an Unsubscribe of an instance never subscribed → RequestFailed).
   */
  async function assertQuiet(who: string): Promise<void> {
    const probe = who === 'adminB' ? WB.otherCc : WB.agent2
    const ref = assertAccepted(
      await operation(api(server, who), `/me/workbins/${probe}`, 'Unsubscribe'),
    )
    assertRequestFailed(await on(who).next(), probe, ref)
  }

  for (const row of MATRIX) {
    const verdict = Array.isArray(row.expect) ? `${row.expect[0]}/${row.expect[1]}` : 'allowed'
    test(`${row.who} POST ${label(row.path)} → ${verdict}`, async () => {
      const client = api(server, row.who)
      if (Array.isArray(row.expect)) {
        const [status, code] = row.expect
        assertError(await operation(client, row.path, 'Subscribe'), status, code)
        assertError(await operation(client, row.path, 'Unsubscribe'), status, code)
        await assertQuiet(row.who)
        return
      }
      const sub = assertAccepted(await operation(client, row.path, 'Subscribe'))
      assert.deepEqual(
        await on(row.who).next(),
        stateMessage(row.workbin, 'Subscribed', sub, row.expect),
      )
      const unsub = assertAccepted(await operation(client, row.path, 'Unsubscribe'))
      assert.deepEqual(
        await on(row.who).next(),
        stateMessage(row.workbin, 'Unsubscribed', unsub, row.expect),
      )
    })
  }

  test('several by user: the user check applies once for the list (api1 and sup1)', async () => {
    const ids = [WB.agent, WB.agent2]
    const path = `/users/${U.agent2}/workbins?workbinIds=${ids.join(',')}`
    const refs = assertAcceptedMany(await operation(api(server, 'api1'), path, 'Subscribe'), ids)
    const by = { workbinUserId: U.agent2 }
    assert.deepEqual(await on('api1').take(2), [
      stateMessage(WB.agent, 'Subscribed', refs[WB.agent]!, by),
      stateMessage(WB.agent2, 'Subscribed', refs[WB.agent2]!, by),
    ])
    assertAcceptedMany(await operation(api(server, 'api1'), path, 'Unsubscribe'), ids)
    await on('api1').take(2)
    assertError(await operation(api(server, 'sup1'), path, 'Subscribe'), 403, 5)
    await assertQuiet('sup1')
  })

  test('body: missing, not JSON, not an object, no operationName → 400/1; unknown operation → 400/2', async () => {
    const c = api(server, 'agent1')
    const one = `/me/workbins/${WB.agent}`
    const many = `/me/workbins?workbinIds=${WB.agent}`
    for (const path of [one, many, `/users/${U.agent1}/workbins/${WB.agent}`]) {
      assertError(await c.request('POST', path), 400, 1)
      assertError(
        await c.request('POST', path, undefined, { rawBody: '{"operationName":' }),
        400,
        1,
      )
      assertError(await c.post(path, ['Subscribe']), 400, 1)
      assertError(await c.post(path, 'Subscribe'), 400, 1)
      assertError(await c.post(path, {}), 400, 1)
      assertError(await c.post(path, { operationName: 'Subscribee' }), 400, 2)
      assertError(await c.post(path, { operationName: 'subscribe' }), 400, 2)
    }
    // RequestAgentStats belongs to POST /workbins only
    assertError(await c.post(many, { operationName: 'RequestAgentStats' }), 400, 2)
    // an unknown operation is reported before the workbin is looked at
    assertError(await c.post(`/me/workbins/${WB.unknown}`, { operationName: 'Nope' }), 400, 2)
    await assertQuiet('agent1')
  })

  test('workbinIds: missing or blank → 400/1; more than maxWorkbinIds → 400/10; repeats count once', async () => {
    const c = api(server, 'agent1')
    for (const base of ['/workbins', '/me/workbins', `/users/${U.agent1}/workbins`]) {
      for (const q of ['', '?workbinIds=', '?workbinIds=,%20,']) {
        assertError(await operation(c, base + q, 'Subscribe'), 400, 1)
        assertError(await operation(c, base + q, 'Unsubscribe'), 400, 1)
      }
    }
    const four = [WB.agent, WB.agent2, WB.place, WB.unknown].join(',')
    assertError(await operation(c, `/me/workbins?workbinIds=${four}`, 'Subscribe'), 400, 10)
    await assertQuiet('agent1')
    // 4 ids naming 3 workbins are within the limit of 3
    const three = [WB.agent, WB.agent2, WB.place]
    const q = `?workbinIds=${[...three, WB.agent].join(',')}`
    const refs = assertAcceptedMany(await operation(c, `/me/workbins${q}`, 'Subscribe'), three)
    assert.deepEqual(
      await on('agent1').take(3),
      three.map((id) => stateMessage(id, 'Subscribed', refs[id]!)),
    )
    assertAcceptedMany(await operation(c, `/me/workbins${q}`, 'Unsubscribe'), three)
    await on('agent1').take(3)
  })

  test('all-or-nothing: one unknown, foreign or forbidden workbin fails the list and changes nothing', async () => {
    const c = api(server, 'agent1')
    const cases: [string, number, number][] = [
      [`/me/workbins?workbinIds=${WB.agent},${WB.unknown}`, 404, 6],
      [`/workbins?workbinIds=${WB.agent},${WB.otherCc}`, 404, 6],
      [`/me/workbins?workbinIds=${WB.agent},${WB.agentGroup}&agentGroup=Support`, 403, 5],
      [`/me/workbins?workbinIds=${WB.agent},${WB.agentGroup}`, 400, 2],
      [`/me/workbins?workbinIds=${WB.agent},${WB.agent2}&placeGroup=North`, 400, 2],
      [`/users/${U.agent3}/workbins?workbinIds=${WB.agent}`, 403, 5],
    ]
    for (const [path, status, code] of cases) {
      assertError(await operation(c, path, 'Subscribe'), status, code)
    }
    // nothing was subscribed, and no message was sent: the next two are these RequestFailed
    const ids = [WB.agent, WB.agentGroup]
    const refs = assertAcceptedMany(
      await operation(
        c,
        `/me/workbins?workbinIds=${ids.join(',')}&agentGroup=Sales`,
        'Unsubscribe',
      ),
      ids,
    )
    const [a, g] = await on('agent1').take(2)
    assertRequestFailed(a!, WB.agent, refs[WB.agent]!)
    assertRequestFailed(g!, WB.agentGroup, refs[WB.agentGroup]!, { agentGroup: 'Sales' })

    // a failing Unsubscribe list leaves an existing subscription in place
    const sub = assertAccepted(await operation(c, `/me/workbins/${WB.agent}`, 'Subscribe'))
    assert.deepEqual(await on('agent1').next(), stateMessage(WB.agent, 'Subscribed', sub))
    for (const [path, status, code] of cases) {
      assertError(await operation(c, path, 'Unsubscribe'), status, code)
    }
    const unsub = assertAccepted(await operation(c, `/me/workbins/${WB.agent}`, 'Unsubscribe'))
    assert.deepEqual(await on('agent1').next(), stateMessage(WB.agent, 'Unsubscribed', unsub))
  })

  test('one workbin: unknown or of another contact center → 404/6; group and place errors → 400/2 or 403/5', async () => {
    const c = api(server, 'agent1')
    const cases: [ApiClient, string, number, number][] = [
      [c, `/me/workbins/${WB.unknown}`, 404, 6],
      [c, `/workbins/${WB.otherCc}`, 404, 6],
      [c, `/users/${U.agent1}/workbins/${WB.unknown}`, 404, 6],
      [c, `/me/workbins/${WB.agentGroup}`, 400, 2], // missing agentGroup
      [c, `/me/workbins/${WB.agentGroup}?placeGroup=North`, 400, 2], // the wrong parameter
      [c, `/me/workbins/${WB.agentGroup}?agentGroup=Nope`, 400, 2], // unknown group
      [c, `/me/workbins/${WB.placeGroup}?placeGroup=Nowhere`, 400, 2],
      [c, `/me/workbins/${WB.agent}?agentGroup=Sales`, 400, 2], // group on an Agent workbin
      [c, `/me/workbins/${WB.place}?placeGroup=North`, 400, 2],
      [c, `/me/workbins/${WB.agentGroup}?agentGroup=Sales&agentGroup=Sales`, 400, 2],
      [api(server, 'agent3'), `/me/workbins/${WB.place}`, 400, 2], // no place
      [api(server, 'agent3'), `/me/workbins/${WB.placeGroup}?placeGroup=North`, 403, 5],
    ]
    for (const [client, path, status, code] of cases) {
      assertError(await operation(client, path, 'Subscribe'), status, code)
      assertError(await operation(client, path, 'Unsubscribe'), status, code)
    }
    await assertQuiet('agent1')
    await assertQuiet('agent3')
  })

  test('feature gate: without api-multimedia every variant is 404/6, before any other check', async () => {
    const c = api(server, 'agentC')
    for (const path of [
      `/me/workbins/${WB.noFeature}`,
      `/workbins/${WB.noFeature}`,
      `/users/${U.agentC}/workbins/${WB.noFeature}`,
      `/me/workbins?workbinIds=${WB.noFeature}`,
      `/workbins?workbinIds=${WB.noFeature}`,
      `/users/${U.agentC}/workbins?workbinIds=${WB.noFeature}`,
    ]) {
      assertError(await operation(c, path, 'Subscribe'), 404, 6)
      assertError(await operation(c, path, 'Unsubscribe'), 404, 6)
      assertError(await c.post(path, { operationName: 'Nope' }), 404, 6)
      assertError(await c.post(path, {}), 404, 6)
    }
  })

  test('no credentials → 401/20 with a Basic challenge', async () => {
    const anon = new ApiClient(server.apiUrl)
    const res = await operation(anon, `/me/workbins/${WB.agent}`, 'Subscribe')
    assertError(res, 401, 20)
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/)
  })
})
