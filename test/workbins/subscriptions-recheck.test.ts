// Provisioning that takes access away ends the subscriptions it covered
// (docs/workbins-subscriptions.md "Who may do what"): a user removed from an agent group, a
// supervisor removed from a group, each get one Unsubscribed message and no more of the
// workbin's items; everyone else's subscriptions stay. On SQLite and on PostgreSQL.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { applyDocument, type ProvisionDocument } from '../../src/provision/index.ts'
import { subscriptionRecheck } from '../../src/workbins/subscription-recheck.ts'
import { assertAccepted, stateMessage, type Data } from '../helpers/assert.ts'
import { IX, U, WB, subscriptionDocument } from '../helpers/fixtures/subscriptions.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { e2eStores } from '../helpers/stores.ts'
import { until } from '../helpers/wait.ts'
import { type Listener, api, listen, operation } from '../helpers/world.ts'

const STORES = await e2eStores()

const SALES = `/me/workbins/${WB.agentGroup}?agentGroup=Sales`
const AGENT1 = `/users/${U.agent1}/workbins/${WB.agent}`

/** The fixture with agent2 in Sales too: the document before access is taken away. */
function withAgent2InSales(): ProvisionDocument {
  const doc = subscriptionDocument()
  doc.contactCenters[0]!.agentGroups!.find((g) => g.name === 'Sales')!.members.push('agent2')
  return doc as ProvisionDocument
}

/** The fixture itself, with Sales unsupervised: agent2 leaves Sales, sup1 supervises nobody. */
function withoutAccess(): ProvisionDocument {
  const doc = subscriptionDocument()
  doc.contactCenters[0]!.agentGroups!.find((g) => g.name === 'Sales')!.supervisors = []
  return doc as ProvisionDocument
}

/** The next message is the answer to a stats request: nothing else was queued for the user. */
async function expectQuiet(server: TestServer, user: string, l: Listener): Promise<void> {
  const r = await api(server, user).post('/workbins', { operationName: 'RequestAgentStats' })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const m = await l.next()
  assert.equal(m.messageType, 'WorkbinStatsMessage', `unexpected message ${JSON.stringify(m)}`)
}

function assertUnsubscribed(m: Data, id: string, extra: Record<string, string>): void {
  assert.deepEqual(m, stateMessage(id, 'Unsubscribed', m.referenceId as number, extra))
  assert.equal(typeof m.referenceId, 'number')
}

async function subscribe(server: TestServer, user: string, l: Listener, path: string) {
  assertAccepted(await operation(api(server, user), path, 'Subscribe'))
  assert.equal((await l.next()).stateResource, 'Subscribed')
}

for (const backend of STORES) {
  describe(
    `subscriptions when provisioning takes access away, on ${backend.name}`,
    {
      skip: backend.skip,
    },
    () => {
      let server: TestServer
      const open: Listener[] = []
      const listenAs = async (user: string) => {
        const l = await listen(server, user)
        open.push(l)
        return l
      }
      before(async () => {
        server = await startServer({
          provision: withAgent2InSales(),
          db: await backend.db(),
          config: { credentialCheckMs: 50 },
        })
      })
      after(async () => {
        for (const l of open) await l.close()
        await server?.close()
      })

      test('end within the check period, once, and nothing of the workbin follows', async () => {
        const agent2 = await listenAs('agent2')
        const agent3 = await listenAs('agent3')
        const sup1 = await listenAs('sup1')
        await subscribe(server, 'agent2', agent2, SALES)
        await subscribe(server, 'agent3', agent3, SALES)
        await subscribe(server, 'sup1', sup1, AGENT1)
        await subscribe(server, 'sup1', sup1, SALES)

        await applyDocument(server.app.store, withoutAccess())
        assert.equal((await api(server, 'agent2').get(SALES)).status, 403)

        assertUnsubscribed(await agent2.next(), WB.agentGroup, { agentGroup: 'Sales' })
        // sup1 is no member of Sales and supervises nobody now: both subscriptions end
        const supEnded = await sup1.take(2)
        assert.deepEqual(
          supEnded.map((m) => m.stateResource),
          ['Unsubscribed', 'Unsubscribed'],
        )
        assertUnsubscribed(
          supEnded.find((m) => m.id === WB.agent)!,
          WB.agent,
          { workbinUserId: U.agent1 },
        )
        assertUnsubscribed(
          supEnded.find((m) => m.id === WB.agentGroup)!,
          WB.agentGroup,
          { agentGroup: 'Sales' },
        )
        const store = server.app.store
        await until(
          'the store holds no subscription of agent2',
          async () => (await store.listSubscriptions(U.agent2)).length === 0,
        )
        assert.deepEqual(await store.listSubscriptions(U.sup1), [])
        assert.deepEqual(
          (await store.listSubscriptions(U.agent3)).map((s) => s.instance),
          [{ workbinId: WB.agentGroup, owner: 'Sales' }],
        )

        // agent1 puts into Sales: agent3 (still a member) gets it, agent2 and sup1 do not
        assertAccepted(
          await api(server, 'agent1').post(SALES, { operationName: 'AddInteraction', id: IX[0] }),
        )
        const added = await agent3.next()
        assert.equal(added.action, 'ItemAdded')
        assert.equal(added.agentGroup, 'Sales')
        await expectQuiet(server, 'agent2', agent2)
        await expectQuiet(server, 'sup1', sup1)
      })
    },
  )

  describe(
    `subscription checks on several servers at once, on ${backend.name}`,
    {
      skip: backend.skip,
    },
    () => {
      test('one Unsubscribed message, from whichever deleted the subscription', async () => {
        // A long period: only the start's pass runs by itself; the test runs the others.
        const server = await startServer({
          provision: withAgent2InSales(),
          db: await backend.db(),
          config: { credentialCheckMs: 3_600_000 },
        })
        const agent2 = await listen(server, 'agent2')
        try {
          await subscribe(server, 'agent2', agent2, SALES)
          const deps = {
            store: server.app.store,
            notifier: server.app.notifier,
            log: server.app.log,
          }
          // nothing to end while access is unchanged
          assert.equal(await subscriptionRecheck(deps).run(), 0)
          await applyDocument(server.app.store, withoutAccess())
          const ended = await Promise.all([1, 2, 3].map(() => subscriptionRecheck(deps).run()))
          assert.equal(
            ended.reduce((a, b) => a + b, 0),
            1,
            `ended: ${ended.join()}`,
          )
          assertUnsubscribed(await agent2.next(), WB.agentGroup, { agentGroup: 'Sales' })
          await expectQuiet(server, 'agent2', agent2)
        } finally {
          await agent2.close()
          await server.close()
        }
      })
    },
  )
}
