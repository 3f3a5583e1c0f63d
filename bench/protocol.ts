// Shared constants and the IPC messages between bench/run.ts (the parent), the server
// processes (bench/server.ts) and the load-generator processes (bench/gen.ts).

import { performance } from 'node:perf_hooks'

/**
 * `floor` is a diagnostic (server.ts), never counted as a peer and not run by default. `base`
 * is this server built from another checkout (BENCH_BASE_DIR), for before/after comparisons
 * in one run; not a peer either. `app` is this server as the real application (src/app.ts, a
 * provisioned contact center on SQLite with the default durability settings), measured on the
 * seed's full round trip: an authenticated REST Subscribe/Unsubscribe to the CometD message.
 */
export type ServerKind = 'ours' | 'faye' | 'cometd' | 'floor' | 'base' | 'app'
export type Transport = 'long-polling' | 'websocket'

/** All traffic stays on loopback. */
export const HOST = '127.0.0.1'
/** Every server holds a /meta/connect this long (faye is configured in seconds: 25). */
export const HOLD_TIMEOUT_MS = 25_000
/** No bench process lives longer than this, whatever happens. */
export const MAX_PROCESS_LIFETIME_MS = 10 * 60_000

/** The peers have no per-user channel; each bench user subscribes to its own channel. */
export const peerChannel = (user: string): string => `/u/${user}`
/** Our server's per-user channel (docs/cometd.md). */
export const OUR_CHANNEL = '/v2/me/workbins'
/** Our Bayeux mount point (docs/cometd.md); the peers are mounted on /cometd. */
export const OUR_PREFIX = '/api/v2/notifications'
/** Header our bench server's `authenticate` reads the user id from. */
export const USER_HEADER = 'X-Bench-User'

export const isPeer = (kind: ServerKind): boolean => kind === 'faye' || kind === 'cometd'
/** Servers that speak this project's protocol (mount point, per-user channel, auth header). */
export const isOurs = (kind: ServerKind): boolean =>
  kind === 'ours' || kind === 'base' || kind === 'app'

/** The `app` server's contact center: users `crash0`.. with this password (crash-load.ts). */
export const APP_USER_PREFIX = 'crash'
/** What the generator does: POST /deliver, the REST round trip (`app`), or a fan-out. */
export type Scenario = 'deliver' | 'roundtrip' | 'fanout'

export const transportsOf = (kind: ServerKind): Transport[] =>
  kind === 'cometd' || kind === 'floor' ? ['long-polling'] : ['long-polling', 'websocket']

/** Absolute time in ms since the epoch with sub-ms precision, comparable across processes. */
export const nowAbs = (): number => performance.timeOrigin + performance.now()

// ---- parent <-> server ---------------------------------------------------------------------

export type ParentToServer =
  | { type: 'mem'; id: number }
  | { type: 'cpu'; id: number; start: number; end: number }
  | { type: 'snapshot'; id: number; file: string }
  | { type: 'stop' }

export type ServerToParent =
  | { type: 'ready'; port: number }
  | { type: 'mem'; id: number; mem: NodeJS.MemoryUsage }
  /** commits: store transactions committed in the window (`app` on SQLite; else undefined). */
  | { type: 'cpu'; id: number; busy: number; commits?: number }
  | { type: 'snapshot'; id: number }

// ---- parent <-> generator ------------------------------------------------------------------

export interface GenInit {
  type: 'init'
  port: number
  kind: ServerKind
  transport: Transport
  /** Users this process opens one session for. */
  users: string[]
  /** Every user in the run: senders pick targets among `${userPrefix}0` .. (allUsers - 1). */
  allUsers: number
  userPrefix: string
  senders: number
  genIndex: number
  genCount: number
  /** Upper bound on messages this process sends (bounds the loops and the seen-bitmap). */
  maxSends: number
  /** Sessions opened concurrently during setup. */
  setupConcurrency: number
  /** Default `deliver`; `roundtrip` for `app`; `fanout` for bench/fanout.ts (no senders). */
  scenario?: Scenario
  /**
   * Real logins (`app`): each session first GETs /api/v2/me with Basic user:password, then
   * uses the JSESSIONID cookie for CometD and REST, like a desktop.
   */
  password?: string
  /** REST path each session POSTs `{"operationName":"Subscribe"}` to after logging in. */
  restSubscribe?: string
  /** REST path the roundtrip senders Subscribe / Unsubscribe on (alternately per sender). */
  roundtripPath?: string
  /** Channel every session subscribes to instead of its own (peers in the fan-out). */
  channel?: string
}

export interface GenGo {
  type: 'go'
  /** Senders start at t0 and stop at t0 + warmupMs + durationMs (absolute ms). */
  t0: number
  warmupMs: number
  durationMs: number
  /** After the senders stop, wait this long at most for the last deliveries. */
  drainMs: number
}

export type ParentToGen = GenInit | GenGo | { type: 'disconnect' } | { type: 'stop' }

export interface GenResult {
  /** Deliver POSTs answered 2xx, in total and with a send time inside the window. */
  sent: number
  sentInWindow: number
  sendErrors: number
  /** Distinct messages received (any time), duplicates, and receipts inside the window. */
  received: number
  duplicates: number
  receivedInWindow: number
  /** Send-to-receive latency (ms) of every message sent inside the window. */
  latencies: Float64Array
  /** Generator CPU during the window, as a fraction of one core. */
  cpuBusy: number
  rehandshakes: number
  connectErrors: number
  wsClosed: number
  /**
   * Fan-out only: for the k-th message (op k, in the order sessions receive them), the latest
   * arrival over this process's sessions (absolute ms) and how many sessions received it.
   */
  fanoutLast?: Float64Array
  fanoutCount?: Uint32Array
}

export type GenToParent =
  | { type: 'ready'; sessions: number; failed: number; firstError: string | undefined }
  | { type: 'result'; result: GenResult }
  | { type: 'disconnected'; failed: number }
