// Every setting is written once, here: environment variable, default, meaning and bounds. The
// `Config` type, the reading of the environment, the checks and the configuration
// table (src/config-doc.ts) are all derived from these tables, so a setting cannot be
// half-added. Every limit has a safe default.

import proxyAddr from '@fastify/proxy-addr'
import { DEFAULT_JSON_MAX_DEPTH } from './json-depth.ts'
import { DEFAULT_USER_DATA_LIMIT } from './store/user-data-limit.ts'
import { DEFAULT_MAX_HANDLED_PER_AGENT } from './workbins/handled-limit.ts'

interface IntSetting {
  readonly kind: 'int'
  readonly env: string
  readonly def: number
  readonly doc: string
  readonly min?: number
  readonly max?: number
}

interface BoolSetting {
  readonly kind: 'bool'
  readonly env: string
  readonly def: boolean
  readonly doc: string
}

interface StringSetting {
  readonly kind: 'string'
  readonly env: string
  readonly def: string
  readonly doc: string
  /** An empty value means "not set" (`undefined` in Config). */
  readonly optional?: boolean
  /** Returns what is wrong with a value (the message follows the variable name), or undefined. */
  readonly check?: (value: string) => string | undefined
}

type Setting = IntSetting | BoolSetting | StringSetting
type Settings = Readonly<Record<string, Setting>>

type ValueOf<S extends Setting> = S extends IntSetting
  ? number
  : S extends BoolSetting
    ? boolean
    : S extends { readonly optional: true }
      ? string | undefined
      : string

/** The configuration values a table of settings describes. */
type Values<T extends Settings> = { -readonly [K in keyof T]: ValueOf<T[K]> }

/** A `postgres://` or `postgresql://` URL selects the PostgreSQL store; anything else is a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db)
}

/** The origins of WORKBINS_CORS_ORIGINS: `scheme://host[:port]` each, as browsers send them. */
export function corsOriginList(value: string | undefined): string[] {
  if (value === undefined) return []
  return value
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
}

function corsOriginsProblem(value: string): string | undefined {
  for (const o of corsOriginList(value)) {
    // No wildcard: credentialed CORS must name each origin (Fetch standard).
    const url = URL.canParse(o) ? new URL(o) : undefined
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== o) {
      return `has "${o}", which is not an origin like https://desk.example.com (no path, no trailing slash, no *)`
    }
  }
  return undefined
}

/** The longest delay node's timers take: a longer one fires after 1 ms (and a period, every 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

const SERVER_SETTINGS = {
  port: {
    env: 'PORT',
    kind: 'int',
    def: 8090,
    min: 0,
    max: 65535,
    doc: 'HTTP port (0 = any free port; the ready line shows the one taken)',
  },
  host: { env: 'HOST', kind: 'string', def: '127.0.0.1', doc: 'address to bind' },
  db: {
    env: 'WORKBINS_DB',
    kind: 'string',
    def: './data/workbins.db',
    doc: 'SQLite file path (or `:memory:`), or a `postgres://` / `postgresql://` URL for PostgreSQL (docs/postgresql.md)',
    check: (v) =>
      isPostgresUrl(v) && !URL.canParse(v)
        ? 'looks like a PostgreSQL URL but does not parse as one'
        : undefined,
  },
  sqliteSynchronous: {
    env: 'WORKBINS_SQLITE_SYNCHRONOUS',
    kind: 'string',
    def: 'full',
    doc: 'SQLite only: `full` fsyncs every commit (off the event loop) before anything that commit changed is answered, so an answered change survives a power loss; `normal` may lose the last commits on power loss (never on a process crash) (docs/operations.md)',
    check: (v) => (v === 'full' || v === 'normal' ? undefined : 'must be `full` or `normal`'),
  },
  sqliteGroupCommitMax: {
    env: 'WORKBINS_SQLITE_GROUP_COMMIT_MAX',
    kind: 'int',
    def: 256,
    min: 0,
    max: 100000,
    doc: 'SQLite only: most writes committed together in one transaction (the writes of one event-loop turn share a commit and its fsync); 0 = one transaction per write',
  },
  sqliteCheckpointMs: {
    env: 'WORKBINS_SQLITE_CHECKPOINT_MS',
    kind: 'int',
    def: 500,
    min: 0,
    max: 60_000,
    doc: 'SQLite only: a thread of its own copies the write-ahead log into the database file (a checkpoint), off the event loop, once commits pause for 50 ms and at the latest this many ms after a commit; 0 = SQLite checkpoints inside the COMMIT that takes the log past 1,000 pages, on the event loop (docs/operations.md)',
  },
  referenceIdBlock: {
    env: 'WORKBINS_REFERENCE_ID_BLOCK',
    kind: 'int',
    def: 32,
    min: 1,
    max: 1_000_000,
    doc: 'reference ids reserved per user per store write (one commit per operation instead of two; the unused rest is skipped after a restart); 1 = reserve at every operation',
  },
  pgPoolSize: {
    env: 'WORKBINS_PG_POOL_SIZE',
    kind: 'int',
    def: 10,
    min: 1,
    doc: 'PostgreSQL only: most connections in the pool',
  },
  pgStatementTimeoutMs: {
    env: 'WORKBINS_PG_STATEMENT_TIMEOUT_MS',
    kind: 'int',
    def: 5000,
    min: 1,
    max: MAX_TIMER_MS,
    doc: 'PostgreSQL only: longest a statement, or the wait for a connection, may take; beyond it the request answers 503',
  },
  trustProxy: {
    env: 'WORKBINS_TRUST_PROXY',
    kind: 'string',
    def: '',
    doc: 'reverse proxies whose `X-Forwarded-For` names the client (comma-separated addresses or CIDRs, or `loopback`); empty = the socket peer is the client (docs/scaling.md)',
    check: (v) => {
      try {
        proxyAddr.compile(
          v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        )
        return undefined
      } catch (err) {
        return `not a list of addresses or CIDRs: ${(err as Error).message}`
      }
    },
  },
  provision: {
    env: 'WORKBINS_PROVISION',
    kind: 'string',
    def: '',
    optional: true,
    doc: 'provisioning document (JSON file) applied at start',
  },
  provisionConcurrency: {
    env: 'WORKBINS_PROVISION_CONCURRENCY',
    kind: 'int',
    def: 0,
    min: 0,
    max: 64,
    doc: 'provisioning: scrypt runs at once (0 = one per core, at most `UV_THREADPOOL_SIZE`, 4)',
  },
  provisionFingerprints: {
    env: 'WORKBINS_PROVISION_FINGERPRINTS',
    kind: 'string',
    def: '',
    doc: 'provisioning: password fingerprints file (empty = beside the document; `off`)',
  },
  provisionProgressMs: {
    env: 'WORKBINS_PROVISION_PROGRESS_MS',
    kind: 'int',
    def: 5000,
    min: 100,
    max: MAX_TIMER_MS,
    doc: 'provisioning at start: progress log interval, ms',
  },
  demo: {
    env: 'WORKBINS_DEMO',
    kind: 'bool',
    def: true,
    doc: '`0` = do not load the demo contact center into an empty database',
  },
  publicUrl: {
    env: 'WORKBINS_PUBLIC_URL',
    kind: 'string',
    def: '',
    doc: 'public base URL ending in `/api/v2`, used in `uri` fields (default: `http://HOST:PORT/api/v2`)',
    check: (v) =>
      v === '' || /^https?:\/\/.+\/api\/v2$/.test(v)
        ? undefined
        : `must be an http(s) URL ending in /api/v2, got "${v}"`,
  },
  logLevel: {
    env: 'WORKBINS_LOG_LEVEL',
    kind: 'string',
    def: 'info',
    doc: 'pino log level (`fatal`…`trace`, `silent`)',
    check: (v) =>
      LOG_LEVELS.includes(v) ? undefined : `must be one of ${LOG_LEVELS.join(', ')}, got "${v}"`,
  },
  sessionIdleSeconds: {
    env: 'WORKBINS_SESSION_IDLE_SECONDS',
    kind: 'int',
    def: 1800,
    min: 1,
    doc: 'an HTTP session (JSESSIONID) unused this long expires',
  },
  csrf: {
    env: 'WORKBINS_CSRF',
    kind: 'bool',
    def: false,
    doc: '`1` = require the CSRF header on POST/PUT/DELETE',
  },
  cookieSecure: {
    env: 'WORKBINS_COOKIE_SECURE',
    kind: 'bool',
    def: false,
    doc: '`1` = mark cookies `Secure` (behind HTTPS)',
  },
  corsOrigins: {
    env: 'WORKBINS_CORS_ORIGINS',
    kind: 'string',
    def: '',
    optional: true,
    doc: 'origins (`https://desk.example`, comma-separated) whose pages may call the API and CometD with credentials; empty = none',
    check: (v) => corsOriginsProblem(v),
  },
  maxHttpSessionsPerUser: {
    env: 'WORKBINS_MAX_HTTP_SESSIONS_PER_USER',
    kind: 'int',
    def: 64,
    min: 1,
    doc: 'most live HTTP sessions per user; a login beyond it ends that user’s least recently used session',
  },
  maxUnclaimedSessionsPerUser: {
    env: 'WORKBINS_MAX_UNCLAIMED_SESSIONS_PER_USER',
    kind: 'int',
    def: 8,
    min: 1,
    doc: 'most HTTP sessions per user, on this node, opened by Basic requests without a session cookie whose cookie has not come back; beyond, the oldest of them end first. A client that sends Basic on every request without keeping the cookie therefore cannot end the sessions of the user’s desktops through `WORKBINS_MAX_HTTP_SESSIONS_PER_USER`',
  },
  userRequestsPerSecond: {
    env: 'WORKBINS_USER_REQUESTS_PER_SECOND',
    kind: 'int',
    def: 100,
    min: 0,
    doc: 'REST requests one user may make per second on average, on this node (a token bucket refilled at this rate); beyond, a request waits for its turn (up to `WORKBINS_USER_REQUEST_MAX_DELAY_MS`) or gets 429 / statusCode 4 with `Retry-After`, before anything is done. CometD messages are not counted (they have their own bounds). Raise it for integration accounts that load in bulk; 0 = no limit',
  },
  userRequestBurst: {
    env: 'WORKBINS_USER_REQUEST_BURST',
    kind: 'int',
    def: 1000,
    min: 1,
    doc: 'REST requests one user may make at once after a quiet time (the bucket’s size): a desktop’s start-up or a supervisor opening a team view is not refused',
  },
  userRequestMaxDelayMs: {
    env: 'WORKBINS_USER_REQUEST_MAX_DELAY_MS',
    kind: 'int',
    def: 1000,
    min: 0,
    max: 60_000,
    doc: 'a request beyond its user’s rate waits for its turn when that comes within this many ms (its turn is kept), and is answered then; beyond, it gets its 429 after this wait, so a client that resends at once costs a timer per connection, not a request per ms. 0 = refuse at once',
  },
  loginWindowSeconds: {
    env: 'WORKBINS_LOGIN_WINDOW_SECONDS',
    kind: 'int',
    def: 300,
    min: 1,
    doc: 'failed logins are counted per window of this many seconds',
  },
  loginMaxFailuresPerName: {
    env: 'WORKBINS_LOGIN_MAX_FAILURES_PER_NAME',
    kind: 'int',
    def: 10,
    min: 1,
    doc: 'failed logins for one user name per window; beyond it addresses that failed get 429 for that name',
  },
  loginMaxFailuresPerAddress: {
    env: 'WORKBINS_LOGIN_MAX_FAILURES_PER_ADDRESS',
    kind: 'int',
    def: 20,
    min: 1,
    doc: 'failed logins from one client address per window; beyond it its logins get 429',
  },
  loginTrackedMax: {
    env: 'WORKBINS_LOGIN_TRACKED_MAX',
    kind: 'int',
    def: 100000,
    min: 1,
    doc: 'most user names (and, apart, addresses) the login throttle remembers; the oldest are dropped',
  },
  credentialCheckMs: {
    env: 'WORKBINS_CREDENTIAL_CHECK_MS',
    kind: 'int',
    def: 2000,
    min: 1,
    max: MAX_TIMER_MS,
    doc: 'how often changes made by `workbins provision` are looked for: a changed password ends CometD sessions, lost access ends workbin subscriptions',
  },
  console: {
    env: 'WORKBINS_CONSOLE',
    kind: 'bool',
    def: true,
    doc: '`0` = do not serve the browser console at `/` and `/console/`',
  },
  bodyLimit: {
    env: 'WORKBINS_BODY_LIMIT',
    kind: 'int',
    def: 65536,
    min: 1,
    doc: 'largest REST request body, bytes (413 / statusCode 10 beyond)',
  },
  requestTimeoutMs: {
    env: 'WORKBINS_REQUEST_TIMEOUT_MS',
    kind: 'int',
    def: 30_000,
    min: 0,
    max: MAX_TIMER_MS,
    doc: "most time a client may take to send one whole request (head and body), ms; beyond it the connection gets 408 and is closed (node's `requestTimeout`, which node:http checks every 5 s, so a request may be cut up to 5 s later; the direct long-polling reader applies it exactly). It does not limit how long an answer takes, so held long polls are not cut; 0 = none. Node's head timeout (`headersTimeout`) is at most this",
  },
  maxConnections: {
    env: 'WORKBINS_MAX_CONNECTIONS',
    kind: 'int',
    def: 0,
    min: 0,
    doc: "most open TCP connections of the API port (REST, long polls and websockets together); a new one beyond is closed at once (node's `maxConnections`); 0 = the process's open-file limit (`ulimit -n`) less 256 kept for the database, the cluster bus and the logs, or 10000 where that limit cannot be read",
  },
  maxConnectionsPerAddress: {
    env: 'WORKBINS_MAX_CONNECTIONS_PER_ADDRESS',
    kind: 'int',
    def: 1024,
    min: 0,
    doc: 'most open TCP connections from one client address; a new one beyond is closed at once. Addresses in `WORKBINS_TRUST_PROXY` are not counted (limit clients at the proxy). A browser needs 2 to 6 connections: raise this when many agents reach the server directly through one NAT address; 0 = no per-address bound',
  },
  jsonMaxDepth: {
    env: 'WORKBINS_JSON_MAX_DEPTH',
    kind: 'int',
    def: DEFAULT_JSON_MAX_DEPTH,
    min: 8,
    max: 1000,
    doc: 'deepest nesting of objects and arrays in a REST request body (the body itself is 1; 400 / statusCode 10 beyond, before anything is done) and in each interaction of a provisioning document, counted as in a Create body; the API’s own fields need 2, GWS media fields in `extra` 4 (a chat’s `participants` objects); above 1000 a value may overflow the stack where it is written or read',
  },
  maxParamLength: {
    env: 'WORKBINS_MAX_PARAM_LENGTH',
    kind: 'int',
    def: 200,
    min: 1,
    doc: 'longest URL path parameter (workbin id, user id, ...), characters (414 / statusCode 2 beyond)',
  },
  maxHeaderSize: {
    env: 'WORKBINS_MAX_HEADER_SIZE',
    kind: 'int',
    def: 16384,
    min: 1,
    doc: "largest HTTP request line + headers, bytes (431 / statusCode 2 beyond); node's `maxHeaderSize`",
  },
  userDataMaxBytes: {
    env: 'WORKBINS_USER_DATA_MAX_BYTES',
    kind: 'int',
    def: DEFAULT_USER_DATA_LIMIT.maxBytes,
    min: 2,
    doc: 'largest userData of one interaction, in bytes of its JSON, counted after a merge (AttachUserData, UpdateUserData, Create, provisioning); a change that would leave more is refused with 400 / statusCode 10 (docs/interactions.md "userData"); at most half of `COMETD_MAX_QUEUE_BYTES`',
  },
  userDataMaxKeys: {
    env: 'WORKBINS_USER_DATA_MAX_KEYS',
    kind: 'int',
    def: DEFAULT_USER_DATA_LIMIT.maxKeys,
    min: 1,
    doc: 'most userData keys of one interaction, counted like `WORKBINS_USER_DATA_MAX_BYTES`',
  },
  maxHandledPerAgent: {
    env: 'WORKBINS_MAX_HANDLED_PER_AGENT',
    kind: 'int',
    def: DEFAULT_MAX_HANDLED_PER_AGENT,
    min: 1,
    max: 1_000_000,
    doc: 'most interactions one user may handle (Processing) or be offered (Invited) at once: the lists `/me/workitems`, `/me/emails`, `/me/openmedia/{type}`, ... have no paging in GWS, so this bounds each reply (with `WORKBINS_USER_DATA_MAX_BYTES`: 1000 × 32 KiB). Agents handle a few to tens at once. Create, Pull, Accept, an Offer or Transfer to the user, the integration Create with `owner` and provisioning are refused beyond it with 400 / statusCode 10 (docs/interactions.md "How many one agent handles")',
  },
  maxWorkbinIds: {
    env: 'WORKBINS_MAX_WORKBIN_IDS',
    kind: 'int',
    def: 100,
    min: 1,
    doc: 'most ids in one `workbinIds=` request',
  },
  maxChannelsPerUser: {
    env: 'WORKBINS_MAX_CHANNELS_PER_USER',
    kind: 'int',
    def: 16,
    min: 1,
    max: 1000,
    doc: 'most media channels in one `StartContactCenterSession`',
  },
  offerTimeoutSeconds: {
    env: 'WORKBINS_OFFER_TIMEOUT_SECONDS',
    kind: 'int',
    def: 30,
    min: 1,
    max: 86400,
    doc: 'an interaction offered or transferred to an agent (`Invited`) and neither accepted nor rejected this long is `Revoked` and returns to its queue, or to the agent who transferred it',
  },
  offerSweepSeconds: {
    env: 'WORKBINS_OFFER_SWEEP_SECONDS',
    kind: 'int',
    def: 5,
    min: 1,
    max: 3600,
    doc: 'how often every server withdraws offers older than WORKBINS_OFFER_TIMEOUT_SECONDS from the store (also once at start): offers whose server stopped before its timer fired (docs/interactions.md "Offers")',
  },
  offerSweepBatch: {
    env: 'WORKBINS_OFFER_SWEEP_BATCH',
    kind: 'int',
    def: 100,
    min: 1,
    max: 10000,
    doc: 'most expired offers one sweep read takes from the store at a time (it reads again while it finds full batches)',
  },
  completedRetentionSeconds: {
    env: 'WORKBINS_COMPLETED_RETENTION_SECONDS',
    kind: 'int',
    def: 0,
    min: 0,
    max: 100 * 365 * 86400,
    doc: 'seconds a `Completed` interaction is kept after it was completed, then deleted by a sweep (docs/interactions.md "Completed interactions"); 0 keeps them for ever',
  },
  completedSweepSeconds: {
    env: 'WORKBINS_COMPLETED_SWEEP_SECONDS',
    kind: 'int',
    def: 300,
    min: 1,
    max: 86400,
    doc: 'how often every server deletes the completed interactions older than WORKBINS_COMPLETED_RETENTION_SECONDS (also once at start)',
  },
  completedSweepBatch: {
    env: 'WORKBINS_COMPLETED_SWEEP_BATCH',
    kind: 'int',
    def: 500,
    min: 1,
    max: 10000,
    doc: 'most completed interactions one transaction of that sweep deletes (the sweep yields between transactions until none is left)',
  },
  contentPageMax: {
    env: 'WORKBINS_CONTENT_PAGE_MAX',
    kind: 'int',
    def: 500,
    min: 1,
    max: 10000,
    doc: 'largest `limit=` of a content GET (docs/workbins-content.md)',
  },
  contentChunkItems: {
    env: 'WORKBINS_CONTENT_CHUNK_ITEMS',
    kind: 'int',
    def: 100,
    min: 1,
    max: 10000,
    doc: 'items a whole-content GET reads per query (on the event loop: per turn)',
  },
  contentWholeMax: {
    env: 'WORKBINS_CONTENT_WHOLE_MAX',
    kind: 'int',
    def: 64,
    min: 1,
    max: 100000,
    doc: 'most whole-content GETs in progress at once (each holds its reply until its client has read it); beyond, 503 / statusCode 4 with Retry-After: 1 (paged GETs are not counted; docs/workbins-content.md)',
  },
  contentWholeMaxMb: {
    env: 'WORKBINS_CONTENT_WHOLE_MAX_MB',
    kind: 'int',
    def: 512,
    min: 1,
    max: 1_000_000,
    doc: 'MB of whole-content replies built and not yet read by their clients; while they hold this much, a new whole-content GET is answered 503 / statusCode 4 with Retry-After: 1 (a reply is counted once built, so the total can pass this by the replies being built; docs/workbins-content.md)',
  },
  contentThreads: {
    env: 'WORKBINS_CONTENT_THREADS',
    kind: 'int',
    def: 1,
    min: 0,
    max: 16,
    doc: 'SQLite file only: threads that read and build whole-content GETs off the event loop, each with its own read-only connection; `0` = read them on the event loop in chunks (docs/workbins-content.md)',
  },
  contentThreadMemoryMb: {
    env: 'WORKBINS_CONTENT_THREAD_MEMORY_MB',
    kind: 'int',
    def: 32,
    min: 1,
    max: 4096,
    doc: 'memory (MiB) each content thread shares with the event loop for the replies being written; a reply that does not fit beside those still being written is built in memory of its own (docs/workbins-content.md)',
  },
  contentThreadNice: {
    env: 'WORKBINS_CONTENT_THREAD_NICE',
    kind: 'int',
    def: 19,
    min: 0,
    max: 19,
    doc: "Linux only: nice value of the content threads (per thread: higher yields more CPU to the event loop); `0` = the process's own",
  },
  metrics: {
    env: 'WORKBINS_METRICS',
    kind: 'bool',
    def: false,
    doc: '`1` = count requests, store calls, logins and CometD traffic and serve them to Prometheus (docs/operations.md)',
  },
  metricsPort: {
    env: 'WORKBINS_METRICS_PORT',
    kind: 'int',
    def: 9464,
    min: 0,
    max: 65535,
    doc: 'with `WORKBINS_METRICS=1`: port of the separate `/metrics` listener on `HOST`, away from the API port; `0` = serve `/metrics` on `PORT` instead, unauthenticated',
  },
  shutdownGraceMs: {
    env: 'WORKBINS_SHUTDOWN_GRACE_MS',
    kind: 'int',
    def: 10000,
    min: 0,
    max: MAX_TIMER_MS,
    doc: 'how long shutdown waits for in-flight requests',
  },
  shutdownDelayMs: {
    env: 'WORKBINS_SHUTDOWN_DELAY_MS',
    kind: 'int',
    def: 0,
    min: 0,
    max: MAX_TIMER_MS,
    doc: "on SIGTERM, how long `/ready` answers 503 while everything else is still served, before connections close (set it above the balancer's readiness period)",
  },
  notificationLog: {
    env: 'WORKBINS_NOTIFICATION_LOG',
    kind: 'bool',
    def: true,
    doc: 'keep every notification in the store with its change and keep CometD sessions across restarts (docs/durable-delivery.md); `0` = deliver from memory only',
  },
  logRetention: {
    env: 'WORKBINS_LOG_RETENTION',
    kind: 'int',
    def: 86400,
    min: 60,
    doc: 'seconds a notification is kept for resumed sessions and replay',
  },
  sessionSyncMs: {
    env: 'WORKBINS_SESSION_SYNC_MS',
    kind: 'int',
    def: 1000,
    min: 10,
    max: MAX_TIMER_MS,
    doc: 'how often acknowledged positions of CometD sessions are written to the store (a crash re-sends at most this much to clients without the ack extension)',
  },
  bus: {
    env: 'WORKBINS_BUS',
    kind: 'string',
    def: '',
    optional: true,
    doc: 'a `redis://host:port` URL: run as one node of a cluster sharing the PostgreSQL database (docs/cluster.md); unset (or `local`) = a single server',
    check: (v) =>
      v === 'local' || (/^rediss?:\/\//i.test(v) && URL.canParse(v))
        ? undefined
        : 'must be a redis:// or rediss:// URL',
  },
  busChannel: {
    env: 'WORKBINS_BUS_CHANNEL',
    kind: 'string',
    def: 'workbins:cluster',
    doc: 'the Redis pub/sub channel of the cluster: one per cluster sharing a Redis server',
    check: (v) => (v.trim() === '' ? 'must not be empty' : undefined),
  },
  nodeId: {
    env: 'WORKBINS_NODE_ID',
    kind: 'string',
    def: '',
    optional: true,
    doc: 'name of this node in a cluster (logs, bus messages); unset = a random one at each start',
  },
} as const satisfies Settings

const COMETD_SETTINGS = {
  timeout: {
    env: 'COMETD_TIMEOUT',
    kind: 'int',
    def: 25000,
    min: 0,
    max: MAX_TIMER_MS,
    doc: 'long-poll hold time, ms (`advice.timeout`)',
  },
  maxClientTimeout: {
    env: 'COMETD_MAX_CLIENT_TIMEOUT',
    kind: 'int',
    def: 120000,
    min: 1,
    max: MAX_TIMER_MS,
    doc: 'longest hold a client may ask for with its own `advice.timeout` on /meta/connect, ms (at least COMETD_TIMEOUT is always allowed)',
  },
  interval: { env: 'COMETD_INTERVAL', kind: 'int', def: 0, min: 0, doc: '`advice.interval`, ms' },
  maxInterval: {
    env: 'COMETD_MAX_INTERVAL',
    kind: 'int',
    def: 10000,
    min: 1,
    max: MAX_TIMER_MS,
    doc: 'a session with no connect for interval+this ms expires',
  },
  sweepPeriod: {
    env: 'COMETD_SWEEP_PERIOD',
    kind: 'int',
    def: 1000,
    min: 1,
    max: MAX_TIMER_MS,
    doc: 'session sweeper period, ms',
  },
  maxMessageSize: {
    env: 'COMETD_MAX_MESSAGE_SIZE',
    kind: 'int',
    def: 65536,
    min: 1,
    doc: 'largest Bayeux HTTP body or WebSocket frame, bytes',
  },
  maxSessionsPerUser: {
    env: 'COMETD_MAX_SESSIONS_PER_USER',
    kind: 'int',
    def: 16,
    min: 1,
    doc: 'most CometD sessions one user may hold',
  },
  unconnectedEvictAfter: {
    env: 'COMETD_UNCONNECTED_EVICT_AFTER',
    kind: 'int',
    def: 2000,
    min: 0,
    max: MAX_TIMER_MS,
    doc: "a handshake that would exceed `COMETD_MAX_SESSIONS_PER_USER` ends instead the user's oldest session (on this node) that has not sent a `/meta/connect` within this many ms of its handshake, so a client looping handshakes (each connect refused, e.g. a proxy dropping its cookie) cannot lock the user's other clients out; the ended session's next connect is told to handshake again. A client connects right after its handshake reply. `0` = never: the handshake is refused",
  },
  maxChannelLength: {
    env: 'COMETD_MAX_CHANNEL_LENGTH',
    kind: 'int',
    def: 256,
    min: 32,
    doc: 'longest channel name, characters, a client may subscribe or publish to (beyond: `405:max_channel_length=N:channel_invalid` on a publish, `403:max_channel_length=N:subscription_invalid` on a subscribe, nothing changed); the channels this server and the official client use are at most 17 (`/meta/unsubscribe`); unsubscribing is not limited',
  },
  maxDataDepth: {
    env: 'COMETD_MAX_DATA_DEPTH',
    kind: 'int',
    def: DEFAULT_JSON_MAX_DEPTH,
    min: 8,
    max: 1000,
    doc: 'deepest nesting of objects and arrays in the `data` of a client publish (broadcast with `COMETD_CLIENT_PUBLISH=1`, or `/service/**`), the data itself being 1; beyond: `400:max_data_depth=N:data_invalid`, nothing delivered (a value nested a few thousand deep overflows the stack where it is serialized)',
  },
  maxSubscriptionsPerSession: {
    env: 'COMETD_MAX_SUBSCRIPTIONS_PER_SESSION',
    kind: 'int',
    def: 64,
    min: 1,
    doc: 'most channel subscriptions per CometD session',
  },
  maxQueue: {
    env: 'COMETD_MAX_QUEUE',
    kind: 'int',
    def: 10000,
    min: 1,
    doc: 'most undelivered messages per session; beyond it the session is disconnected with `reconnect:"handshake"`',
  },
  maxQueueBytes: {
    env: 'COMETD_MAX_QUEUE_BYTES',
    kind: 'int',
    def: 4194304,
    min: 1,
    doc: 'most bytes of undelivered messages (their JSON) per session; beyond it the session is disconnected like `COMETD_MAX_QUEUE`; at least `COMETD_MAX_MESSAGE_SIZE`',
  },
  wsSendBuffer: {
    env: 'COMETD_WS_SEND_BUFFER',
    kind: 'int',
    def: 1048576,
    min: 1,
    doc: 'unsent bytes a websocket may hold; above it events wait in the session queue (and count against its limits) until the socket drains',
  },
  wsIdleTimeout: {
    env: 'COMETD_WS_IDLE_TIMEOUT',
    kind: 'int',
    def: 60000,
    min: 0,
    max: MAX_TIMER_MS,
    doc: 'a websocket with no live CometD session for this long is closed with code 1000, `no session`, ms: counted from its upgrade or from the end of its last session (the official client leaves its socket open after a server-side `/meta/disconnect` and opens a new one for its next handshake). Six times the default `COMETD_MAX_INTERVAL`: ample time for a client that just upgraded, or whose session just ended, to handshake (the official client retries a failed handshake after 1 s, 2 s, 3 s, ...); a client whose socket was closed anyway opens a new one on its next handshake. `0` = never',
  },
  maxWebsocketsPerUser: {
    env: 'COMETD_MAX_WEBSOCKETS_PER_USER',
    kind: 'int',
    def: 32,
    min: 1,
    doc: 'most websockets open at once per user (the principal authenticated on the upgrade), on this node; beyond it the upgrade is refused with HTTP 429 and the official client falls back to long-polling. The default is twice `COMETD_MAX_SESSIONS_PER_USER`: one socket per live session, plus the sockets clients left without a session until `COMETD_WS_IDLE_TIMEOUT` closes them; keep it above `COMETD_MAX_SESSIONS_PER_USER`',
  },
  clientPublish: {
    env: 'COMETD_CLIENT_PUBLISH',
    kind: 'bool',
    def: false,
    doc: '`1` = clients may publish to broadcast channels (CometD chat-style use); `0` = refused with `403`; `/service/**` is always allowed',
  },
  maxSessionsPerBrowser: {
    env: 'COMETD_MAX_SESSIONS_PER_BROWSER',
    kind: 'int',
    def: 1,
    min: -1,
    doc: 'long polls held at once per `BAYEUX_BROWSER` cookie (-1 = unlimited)',
  },
  multiSessionInterval: {
    env: 'COMETD_MULTI_SESSION_INTERVAL',
    kind: 'int',
    def: 2000,
    min: 0,
    max: MAX_TIMER_MS,
    doc: '`advice.interval` for the extra sessions of one browser, ms',
  },
  websocket: {
    env: 'COMETD_WEBSOCKET',
    kind: 'bool',
    def: true,
    doc: '`0` = offer long-polling only',
  },
  directHttp: {
    env: 'COMETD_DIRECT_HTTP',
    kind: 'bool',
    def: true,
    doc: '`1` = read long-polling requests straight from connections that start with one (faster); `0` = every request through node:http',
  },
} as const satisfies Settings

/** The CometD (Bayeux) server settings; each key's meaning is its `doc` in COMETD_SETTINGS. */
export type CometdConfig = Values<typeof COMETD_SETTINGS>

/** The server settings; each key's meaning is its `doc` in SERVER_SETTINGS. */
export interface Config extends Values<typeof SERVER_SETTINGS> {
  cometd: CometdConfig
}

/** One row of the configuration table (docs/configuration.md). */
export interface ConfigRow {
  env: string
  /** Where the value sits in Config, e.g. `cometd.timeout`. */
  path: string
  kind: Setting['kind']
  /** The default as it would be written in the environment. */
  def: string
  doc: string
  /** The bounds of an integer setting (values outside them stop the start). */
  min?: number
  max?: number
}

function rows(settings: Settings, prefix: string): ConfigRow[] {
  return Object.entries(settings).map(([key, s]) => ({
    env: s.env,
    path: prefix + key,
    kind: s.kind,
    def: s.kind === 'bool' ? (s.def ? '1' : '0') : String(s.def),
    doc: s.doc,
    ...(s.kind === 'int' && s.min !== undefined ? { min: s.min } : {}),
    ...(s.kind === 'int' && s.max !== undefined ? { max: s.max } : {}),
  }))
}

export const CONFIG_TABLE: readonly ConfigRow[] = [
  ...rows(SERVER_SETTINGS, ''),
  ...rows(COMETD_SETTINGS, 'cometd.'),
]

export class ConfigError extends Error {}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] }

function parse(s: Setting, raw: string): unknown {
  switch (s.kind) {
    case 'int': {
      const n = Number(raw.trim())
      // Digits only, and exact: 99999999999999999999 would parse to 1e20, not that number.
      if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n))
        throw new ConfigError(`${s.env} must be an integer, got "${raw}"`)
      return n
    }
    case 'bool': {
      const v = raw.trim().toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(v)) return true
      if (['0', 'false', 'no', 'off'].includes(v)) return false
      throw new ConfigError(`${s.env} must be 0 or 1, got "${raw}"`)
    }
    case 'string':
      return raw
  }
}

function check(s: Setting, v: unknown): void {
  switch (s.kind) {
    case 'int': {
      if (typeof v !== 'number' || !Number.isInteger(v))
        throw new ConfigError(`${s.env} must be an integer, got ${String(v)}`)
      const { min, max } = s
      const low = min !== undefined && v < min
      const high = max !== undefined && v > max
      if (!low && !high) return
      const rule =
        min !== undefined && max !== undefined
          ? `be between ${min} and ${max}`
          : min === 1
            ? 'be positive'
            : min === 0
              ? 'not be negative'
              : low
                ? `be at least ${String(min)}`
                : `be at most ${String(max)}`
      throw new ConfigError(`${s.env} must ${rule}, got ${v}`)
    }
    case 'bool':
      if (typeof v !== 'boolean') throw new ConfigError(`${s.env} must be 0 or 1, got ${String(v)}`)
      return
    case 'string': {
      if (v === undefined && s.optional) return
      if (typeof v !== 'string') throw new ConfigError(`${s.env} must be a string`)
      const problem = s.check?.(v)
      if (problem !== undefined) throw new ConfigError(`${s.env} ${problem}`)
    }
  }
}

/** One table's values: the default, or the environment, or the override; each one checked. */
function readSettings<T extends Settings>(
  settings: T,
  env: Record<string, string | undefined>,
  overrides: Partial<Record<keyof T, unknown>>,
): Values<T> {
  const out: Record<string, unknown> = {}
  for (const [key, s] of Object.entries(settings)) {
    const raw = env[s.env]
    let v = raw === undefined || raw === '' ? s.def : parse(s, raw)
    v = overrides[key] ?? v
    if (s.kind === 'string' && s.optional && v === '') v = undefined
    check(s, v)
    out[key] = v
  }
  // Built key by key from `settings` and checked against each one's kind above.
  return out as Values<T>
}

/** Defaults, overridden by the environment, overridden by `overrides` (tests pass short timeouts here). */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: DeepPartial<Config> = {},
): Config {
  const { cometd, ...server } = overrides
  const config = {
    ...readSettings(SERVER_SETTINGS, env, server),
    cometd: readSettings(COMETD_SETTINGS, env, cometd ?? {}),
  }
  // One client publish may reach a session whole; a smaller cap would end every subscriber.
  const c = config.cometd
  if (c.maxQueueBytes < c.maxMessageSize) {
    throw new ConfigError(
      `COMETD_MAX_QUEUE_BYTES (${c.maxQueueBytes}) must be at least COMETD_MAX_MESSAGE_SIZE (${c.maxMessageSize})`,
    )
  }
  // Every message about an interaction carries its userData; one over the queue limit ends
  // the session it is queued for.
  if (config.userDataMaxBytes > c.maxQueueBytes / 2) {
    throw new ConfigError(
      `WORKBINS_USER_DATA_MAX_BYTES (${config.userDataMaxBytes}) must be at most half of COMETD_MAX_QUEUE_BYTES (${c.maxQueueBytes})`,
    )
  }
  // One port cannot carry both the API and the separate metrics listener.
  if (config.metrics && config.metricsPort !== 0 && config.metricsPort === config.port) {
    throw new ConfigError(
      `WORKBINS_METRICS_PORT (${config.metricsPort}) must differ from PORT, or be 0 to serve /metrics on PORT`,
    )
  }
  if (config.bus === 'local') config.bus = undefined // the earlier name of "no bus"
  // A cluster shares its log and sessions through one database (docs/cluster.md).
  if (config.bus !== undefined && !isPostgresUrl(config.db)) {
    throw new ConfigError(
      'WORKBINS_BUS needs WORKBINS_DB to be a postgres:// URL: a cluster shares one PostgreSQL database',
    )
  }
  if (config.bus !== undefined && !config.notificationLog) {
    throw new ConfigError(
      'WORKBINS_BUS needs WORKBINS_NOTIFICATION_LOG=1: nodes deliver from the shared log',
    )
  }
  return config
}
