// The longer crash test for manual runs (docs/durable-delivery.md, "Crash test"):
//   npm run crash-test -- --agents 30 --kills 5 [--db postgres://...]
// Agents on both transports, with and without the ack extension, load the server while it is
// killed with SIGKILL `--kills` times at random moments; then every agent's messages are checked.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  Agent,
  type AgentKind,
  ServerProcess,
  crashDocument,
  freePort,
} from '../test/helpers/crash-load.ts'

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '24' },
    kills: { type: 'string', default: '3' },
    db: { type: 'string' },
  },
})
const n = Number(values.agents)
const kills = Number(values.kills)
const KINDS: AgentKind[] = [
  { transport: 'long-polling', ack: true },
  { transport: 'websocket', ack: true },
  { transport: 'long-polling', ack: false },
]
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const dir = await mkdtemp(join(tmpdir(), 'workbins-crash-'))
const doc = join(dir, 'doc.json')
await writeFile(doc, JSON.stringify(crashDocument(n)))
const server = new ServerProcess(await freePort(), {
  WORKBINS_DB: values.db ?? join(dir, 'crash.db'),
  WORKBINS_PROVISION: doc,
  COMETD_TIMEOUT: '2000',
  COMETD_MAX_INTERVAL: '15000',
  COMETD_MAX_SESSIONS_PER_BROWSER: '-1',
})
await server.start()
const agents = Array.from(
  { length: n },
  (_, i) => new Agent(i, KINDS[i % 3] as AgentKind, server.base),
)
let failed = false
try {
  for (const a of agents) await a.connect()
  const loops = agents.map((a) => a.run())
  for (let k = 1; k <= kills; k++) {
    await sleep(1000 + Math.random() * 4000)
    await server.kill9()
    console.log(`kill ${k}/${kills}`)
    await sleep(Math.random() * 1000)
    await server.start()
  }
  await sleep(3000)
  for (const a of agents) a.stop()
  await Promise.all(loops)
  const deadline = Date.now() + 30_000
  while (!agents.every((a) => a.complete()) && Date.now() < deadline) await sleep(200)
  const problems = agents.flatMap((a) => a.problems())
  const received = agents.reduce((s, a) => s + a.received.length, 0)
  const answered = agents.reduce((s, a) => s + a.answered.length, 0)
  console.log(`${n} agents, ${kills} kills: ${received} messages, ${answered} answered operations`)
  if (problems.length > 0) {
    failed = true
    console.log(problems.join('\n'))
  } else {
    console.log('no gap, nothing lost, nothing twice (with ack)')
  }
} finally {
  await Promise.all(agents.map((a) => a.close()))
  await server.stop()
  await rm(dir, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
