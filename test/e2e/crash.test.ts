// Nothing lost when the server dies (docs/durable-delivery.md, "Crash test"): agents on both
// transports, with and without the ack extension, put, pull, subscribe and unsubscribe while the
// server process is killed with SIGKILL at a random moment and started again on the same
// database. Every agent keeps its clientId, its numbered messages arrive without a gap, and
// every answered referenceId arrives (exactly once with the ack extension). On SQLite and
// PostgreSQL. `npm run crash-test` runs a longer version.

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { e2eStores } from '../helpers/stores.ts'
import { until } from '../helpers/wait.ts'
import {
  Agent,
  type AgentKind,
  ServerProcess,
  crashDocument,
  freePort,
  endLoad,
} from '../helpers/crash-load.ts'

const KINDS: AgentKind[] = [
  { transport: 'long-polling', ack: true },
  { transport: 'websocket', ack: true },
  { transport: 'long-polling', ack: false },
]
const AGENTS = 6

const stores = await e2eStores()
const dir = await mkdtemp(join(tmpdir(), 'workbins-crash-'))
after(() => rm(dir, { recursive: true, force: true }))

describe('kill -9 under load', () => {
  for (const store of stores) {
    test(
      `${store.name}: every message arrives after a restart, in order, none lost`,
      { skip: store.skip, timeout: 120_000 },
      async (t) => {
        const doc = join(dir, `${store.name}.json`)
        await writeFile(doc, JSON.stringify(crashDocument(AGENTS)))
        const db = (await store.db()) ?? join(dir, `${store.name}.db`)
        const server = new ServerProcess(await freePort(), {
          WORKBINS_DB: db,
          WORKBINS_PROVISION: doc,
          COMETD_TIMEOUT: '2000',
          COMETD_MAX_INTERVAL: '15000',
          COMETD_MAX_SESSIONS_PER_BROWSER: '-1',
          WORKBINS_SESSION_SYNC_MS: '200',
          WORKBINS_NOTIFICATION_LOG: process.env.CRASH_TEST_NOTIFICATION_LOG ?? '1',
        })
        await server.start()
        const agents = Array.from(
          { length: AGENTS },
          (_, i) => new Agent(i, KINDS[i % KINDS.length] as AgentKind, server.base),
        )
        try {
          for (const a of agents) await a.connect()
          const ids = agents.map((a) => a.cometd.getClientId())
          const loops = agents.map((a) => a.run())
          await new Promise((r) => setTimeout(r, 800 + Math.random() * 1500))
          const beforeKill = agents.map((a) => a.received.length)
          await server.kill9()
          await new Promise((r) => setTimeout(r, 300))
          await server.start()
          // Load goes on until every agent has had messages from the restarted server (a
          // loaded machine may take seconds to start it), then a little longer.
          await until(
            'every agent got messages after the restart',
            () => agents.every((a, i) => a.received.length > (beforeKill[i] as number)),
            30_000,
          ).catch(() => undefined)
          await new Promise((r) => setTimeout(r, 1000))
          const { problems, load } = await endLoad(agents, loops)
          t.diagnostic(`messages/answered/failed per agent: ${load}`)
          assert.deepEqual(problems, [], server.output.slice(-4000))
          agents.forEach((a, i) => {
            assert.ok(
              a.received.length > (beforeKill[i] as number),
              `agent ${i} got messages after the restart`,
            )
            assert.equal(a.cometd.getClientId(), ids[i], `agent ${i} kept its clientId`)
          })
        } finally {
          await Promise.all(agents.map((a) => a.close()))
          await server.stop()
        }
      },
    )
  }
})
