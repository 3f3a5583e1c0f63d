// The crash test's parts (docs/durable-delivery.md, "Crash test"), shared by
// test/e2e/crash.test.ts and the longer manual run `npm run crash-test`:
// - a server process (`src/main.ts` from the sources) on a fixed port and database, that can be
//   killed with SIGKILL and started again;
// - agents, each with an official `cometd` client (long-polling or websocket, with or without
//   the ack extension) and a REST client, putting and pulling their own interactions into their
//   own and their group's workbins and subscribing and unsubscribing, until told to stop;
// - the check: every agent's numbered messages (`ext.seq`) arrive without a gap, and every
//   referenceId the REST API answered arrives once (with ack; at least once without).

import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import type { CometD, Message } from 'cometd'
import { ROOT } from './build.ts'
import { ApiClient, basic } from './http.ts'
import { disconnect, handshake, newClient, subscribe } from './cometd.ts'
import { PASSWORD, user } from './fixtures/users.ts'

export const CRASH_CC = 'c0a00000-0000-4000-8000-0000000000c5'
export const LATER = 'c5000000-0000-4000-8000-00000000000a'
export const TEAM = 'c5000000-0000-4000-8000-00000000000b'

export type AgentKind = { transport: 'long-polling' | 'websocket'; ack: boolean }

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')
const agentName = (i: number) => `crash${i}`
const agentId = (i: number) => `c5${hex(i, 30)}`
export const interactionId = (i: number, k: number) => `CRASH${hex(i, 8)}${k}00`.slice(0, 16)

/** n agents in one group, a Later (Agent) and a Team (AgentGroup) workbin, two interactions each. */
export function crashDocument(n: number) {
  const hash = user('agent1', ['agent']).passwordHash
  const agents = Array.from({ length: n }, (_, i) => ({
    id: agentId(i),
    userName: agentName(i),
    passwordHash: hash,
    firstName: agentName(i),
    lastName: 'Crash',
    roles: ['agent'],
  }))
  return {
    contactCenters: [
      {
        id: CRASH_CC,
        name: 'Crash',
        features: ['api-multimedia'],
        users: agents,
        agentGroups: [{ name: 'Team', members: agents.map((a) => a.userName) }],
        workbins: [
          { id: LATER, workbinName: 'Later', displayName: 'Later', type: 'Agent' },
          { id: TEAM, workbinName: 'Team', displayName: 'Team', type: 'AgentGroup' },
        ],
        interactions: agents.flatMap((a, i) =>
          [0, 1].map((k) => ({
            id: interactionId(i, k),
            mediaType: 'workitem',
            userData: { Case: `${i}-${k}` },
            receivedDate: '2016-04-08 15:05:57.000+0300',
            owner: a.userName,
          })),
        ),
      },
    ],
  }
}

/**
 * A free port for a server that restarts on it, below Linux's default ephemeral range (32768–
 * 60999): a port the kernel hands out for port 0 or to an outgoing connection (the agents'
 * own, another test's server) could be taken while the server is down, and its restart would
 * fail with EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const srv = createServer()
    const bound = await new Promise<boolean>((resolve) => {
      srv.once('error', () => resolve(false))
      srv.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (!bound) continue
    srv.close()
    await once(srv, 'close')
    return port
  }
}

/** The server as a child process, on one port and one database across restarts. */
export class ServerProcess {
  #child: ChildProcess | null = null
  #output = ''
  readonly base: string

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
    /** Extra node flags (e.g. --cpu-prof for a benchmark's profile). */
    private readonly nodeArgs: string[] = [],
  ) {
    this.base = `http://127.0.0.1:${port}`
  }

  get pid(): number {
    return this.#child?.pid ?? 0
  }

  get output(): string {
    return this.#output
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(process.execPath, [...this.nodeArgs, '--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        WORKBINS_DEMO: '0',
        WORKBINS_LOG_LEVEL: 'info',
        // The load's thousands of connections all come from 127.0.0.1.
        WORKBINS_MAX_CONNECTIONS_PER_ADDRESS: '0',
        WORKBINS_USER_REQUESTS_PER_SECOND: '0',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.#child = child
    let ready = false
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready:\n${this.#output}`)), timeoutMs)
      const onData = (d: Buffer) => {
        this.#output += d.toString()
        if (!ready && this.#output.includes(`workbins ready: ${this.base}`)) {
          ready = true
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', onData)
      child.once('exit', (code) => {
        clearTimeout(timer)
        if (!ready) reject(new Error(`exited with ${code}:\n${this.#output}`))
      })
    })
  }

  /** SIGKILL: no shutdown code runs. */
  async kill9(): Promise<void> {
    const child = this.#child
    if (!child || child.exitCode !== null) return
    child.kill('SIGKILL')
    await once(child, 'exit')
    this.#child = null
  }

  async stop(): Promise<void> {
    const child = this.#child
    if (!child || child.exitCode !== null) return
    child.kill('SIGTERM')
    await once(child, 'exit')
    this.#child = null
  }
}

export interface Received {
  /** performance.now() on arrival */
  at: number
  seq: number
  channel: string
  referenceId?: number
  messageType: string
}

/** One agent: REST and CometD clients, its load loop and what it saw. */
export class Agent {
  readonly api: ApiClient
  readonly cometd: CometD
  readonly received: Received[] = []
  /** referenceIds of operations the REST API answered 200. */
  readonly answered: number[] = []
  /** Operations that failed (connection lost, 4xx after a lost reply): counted, not checked. */
  failures = 0
  #stop = false

  constructor(
    readonly index: number,
    readonly kind: AgentKind,
    base: string,
    /** A login's JSESSIONID: the CometD client sends it instead of Basic (websocket only). */
    jsessionId?: string,
  ) {
    const name = agentName(index)
    this.api = new ApiClient(`${base}/api/v2`, name, PASSWORD, { basicAlways: true })
    if (jsessionId !== undefined) this.api.cookies.set('JSESSIONID', jsessionId)
    this.cometd = newClient(`${base}/api/v2/notifications`, {
      transport: kind.transport,
      ack: kind.ack,
      headers:
        jsessionId !== undefined
          ? { Cookie: `JSESSIONID=${jsessionId}` }
          : { Authorization: basic(name, PASSWORD) },
      config: { maxBackoff: 1000, backoffIncrement: 100, maxNetworkDelay: 5000 },
    })
  }

  async connect(): Promise<void> {
    await handshake(this.cometd)
    // Every channel of the user: its numbers run across all of them.
    await subscribe(this.cometd, '/v2/me/*', (m: Message) => {
      const data = m.data as Record<string, unknown>
      const seq = (m.ext as { seq?: number } | undefined)?.seq
      this.received.push({
        at: performance.now(),
        seq: typeof seq === 'number' ? seq : -1,
        channel: m.channel,
        referenceId: typeof data.referenceId === 'number' ? data.referenceId : undefined,
        messageType: String(data.messageType),
      })
      this.onMessage?.(this.received[this.received.length - 1] as Received)
    })
  }

  /** One REST operation; its referenceId when answered 200. */
  async op(path: string, body: Record<string, unknown>): Promise<number | undefined> {
    const r = await this.api.request('POST', path, body)
    const ref = (r.body as { referenceId?: unknown } | undefined)?.referenceId
    return r.status === 200 && typeof ref === 'number' ? ref : undefined
  }

  /** Called with each message as it arrives (benchmarks). */
  onMessage: ((r: Received) => void) | undefined

  async #op(path: string, body: Record<string, unknown>): Promise<void> {
    try {
      const r = await this.api.request('POST', path, body)
      const ref = (r.body as { referenceId?: unknown } | undefined)?.referenceId
      if (r.status === 200 && typeof ref === 'number') this.answered.push(ref)
      else this.failures++
    } catch {
      // the server is down or died mid-request: whether it committed is unknown
      this.failures++
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** Subscribe to both workbins, then put/pull and resubscribe until stop(). */
  async run(): Promise<void> {
    const team = `/me/workbins/${TEAM}?agentGroup=Team`
    const later = `/me/workbins/${LATER}`
    await this.#op(later, { operationName: 'Subscribe' })
    await this.#op(team, { operationName: 'Subscribe' })
    for (let round = 0; !this.#stop; round++) {
      const a = interactionId(this.index, 0)
      const b = interactionId(this.index, 1)
      await this.#op(later, { operationName: 'AddWorkitem', id: a })
      await this.#op(later, { operationName: 'PullWorkitem', id: a })
      await this.#op(team, { operationName: 'AddWorkitem', id: b })
      await this.#op(team, { operationName: 'PullWorkitem', id: b })
      if (round % 3 === 2) {
        await this.#op(team, { operationName: 'Unsubscribe' })
        await this.#op(team, { operationName: 'Subscribe' })
      }
    }
  }

  stop(): void {
    this.#stop = true
  }

  close(): Promise<void> {
    return disconnect(this.cometd)
  }

  /** Whether every answered referenceId has arrived. */
  complete(): boolean {
    const got = new Set(this.received.map((r) => r.referenceId))
    return this.answered.every((ref) => got.has(ref))
  }

  /** What is wrong with what this agent received; empty when nothing. */
  problems(): string[] {
    const out: string[] = []
    const who = `${agentName(this.index)} (${this.kind.transport}${this.kind.ack ? ', ack' : ''})`
    const seqs = this.received.map((r) => r.seq)
    if (seqs.some((s) => s < 1)) out.push(`${who}: a message without ext.seq`)
    const distinct = [...new Set(seqs)].sort((x, y) => x - y)
    for (let i = 1; i < distinct.length; i++) {
      if ((distinct[i] as number) !== (distinct[i - 1] as number) + 1) {
        out.push(`${who}: gap after seq ${distinct[i - 1]} (next ${distinct[i]})`)
      }
    }
    for (let i = 1; i < seqs.length; i++) {
      if ((seqs[i] as number) < (seqs[i - 1] as number) && this.kind.ack) {
        out.push(`${who}: seq ${seqs[i]} after ${seqs[i - 1]}`)
      }
    }
    // A put or pull is told on /v2/me/workbins and on the media channel: count per channel.
    const counts = new Map<string, number>()
    const any = new Set<number>()
    for (const r of this.received) {
      if (r.referenceId === undefined) continue
      any.add(r.referenceId)
      const key = `${r.channel} ${r.referenceId}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    for (const ref of this.answered) {
      if (!any.has(ref)) out.push(`${who}: referenceId ${ref} never arrived`)
    }
    for (const [key, n] of counts) {
      if (n > 1 && this.kind.ack) out.push(`${who}: referenceId ${key} arrived ${n} times`)
    }
    if (this.kind.ack && seqs.length !== distinct.length) {
      out.push(`${who}: ${seqs.length - distinct.length} messages arrived twice`)
    }
    return out
  }
}

/**
 * Stop the agents' load, wait (up to 20 s) until every answered referenceId arrived, and return
 * the problems found (gaps, repeats, missing replies) with a line of load per agent.
 */
export async function endLoad(
  agents: readonly Agent[],
  loops: readonly Promise<void>[],
): Promise<{ problems: string[]; load: string }> {
  for (const a of agents) a.stop()
  await Promise.all(loops)
  const deadline = Date.now() + 20_000
  while (!agents.every((a) => a.complete()) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
  }
  const load = agents.map((a) => `${a.received.length}/${a.answered.length}/${a.failures}`)
  return { problems: agents.flatMap((a) => a.problems()), load: load.join(' ') }
}
