// One table of settings: environment variable, default, meaning. The README's configuration
// table is written from this list (contract §7). Every limit lives here with a safe default.

export interface Config {
  port: number
  host: string
  /** SQLite file path (or ':memory:'), or a postgres:// URL. */
  db: string
  /** Most PostgreSQL connections in the pool. */
  pgPoolSize: number
  /** PostgreSQL statement timeout (and connection wait), ms. */
  pgStatementTimeoutMs: number
  /** '' = in-process; redis://... or nats://... for several nodes. */
  bus: string
  provision: string | undefined
  demo: boolean
  /** Public base URL ending in /api/v2, used to render `uri` fields. Empty = derived from the listen address. */
  publicUrl: string
  logLevel: string
  /** HTTP session idle expiry, in seconds. */
  sessionIdleSeconds: number
  csrf: boolean
  cookieSecure: boolean
  /** Most live HTTP sessions per user; a new login beyond it ends the least recently used. */
  maxHttpSessionsPerUser: number
  /** Failed-login counting window, in seconds. */
  loginWindowSeconds: number
  /** Failed logins for one user name per window before addresses that failed are refused. */
  loginMaxFailuresPerName: number
  /** Failed logins from one client address per window before it is refused. */
  loginMaxFailuresPerAddress: number
  /** Most user names and addresses the login throttle tracks at once. */
  loginTrackedMax: number
  /** How often password changes made by another process are looked for, ms. */
  credentialCheckMs: number
  /** Serve the browser console at / and /console/. */
  console: boolean
  /** Largest accepted HTTP request body, in bytes (413 / statusCode 10 beyond it). */
  bodyLimit: number
  /** Longest URL path parameter (a workbin id, ...), characters (414 / statusCode 2 beyond it). */
  maxParamLength: number
  /** Largest HTTP request head (request line and headers), bytes (431 beyond it). */
  maxHeaderSize: number
  /** Most workbin ids accepted in one `workbinIds=` request. */
  maxWorkbinIds: number
  /** How long graceful shutdown waits for in-flight requests, in ms. */
  shutdownGraceMs: number
  cometd: CometdConfig
}

export interface CometdConfig {
  /** How long a /meta/connect is held, ms (advice.timeout). */
  timeout: number
  /** advice.interval, ms. */
  interval: number
  /** A session with no connect for interval+maxInterval ms is expired. */
  maxInterval: number
  /** Sweeper period, ms. */
  sweepPeriod: number
  /** Largest Bayeux HTTP body or WebSocket frame, bytes. */
  maxMessageSize: number
  /** Most concurrent CometD sessions for one user. */
  maxSessionsPerUser: number
  /** Most channel subscriptions for one CometD session. */
  maxSubscriptionsPerSession: number
  /** Most undelivered messages queued for one CometD session before it is disconnected. */
  maxQueue: number
  /** Most bytes of undelivered messages queued for one CometD session before it is disconnected. */
  maxQueueBytes: number
  /** A websocket with more unsent bytes than this gets no more events until it drains. */
  wsSendBuffer: number
  /** Clients may publish to broadcast channels (CometD chat-style use). */
  clientPublish: boolean
  /** Sessions per BAYEUX_BROWSER cookie that may hold a long poll at once (-1 = unlimited). */
  maxSessionsPerBrowser: number
  /** advice.interval given to the extra sessions of one browser, ms. */
  multiSessionInterval: number
  /** Accept the websocket transport. */
  websocket: boolean
  /** Serve long-polling requests straight from the connection (transport-direct.ts). */
  directHttp: boolean
}

type Kind = 'int' | 'string' | 'bool'

interface Entry {
  env: string
  path: string
  kind: Kind
  def: string
  doc: string
}

export const CONFIG_TABLE: readonly Entry[] = [
  {
    env: 'PORT',
    path: 'port',
    kind: 'int',
    def: '8090',
    doc: 'HTTP port (0 = any free port; the ready line shows the one taken)',
  },
  { env: 'HOST', path: 'host', kind: 'string', def: '127.0.0.1', doc: 'address to bind' },
  {
    env: 'WORKBINS_DB',
    path: 'db',
    kind: 'string',
    def: './data/workbins.db',
    doc: 'SQLite file path (or `:memory:`), or a `postgres://` / `postgresql://` URL for PostgreSQL (docs/postgresql.md)',
  },
  {
    env: 'WORKBINS_PG_POOL_SIZE',
    path: 'pgPoolSize',
    kind: 'int',
    def: '10',
    doc: 'PostgreSQL only: most connections in the pool',
  },
  {
    env: 'WORKBINS_PG_STATEMENT_TIMEOUT_MS',
    path: 'pgStatementTimeoutMs',
    kind: 'int',
    def: '5000',
    doc: 'PostgreSQL only: longest a statement, or the wait for a connection, may take; beyond it the request answers 503',
  },
  {
    env: 'WORKBINS_BUS',
    path: 'bus',
    kind: 'string',
    def: '',
    doc: 'empty = in-process notification fan-out',
  },
  {
    env: 'WORKBINS_PROVISION',
    path: 'provision',
    kind: 'string',
    def: '',
    doc: 'provisioning document (JSON file) applied at start',
  },
  {
    env: 'WORKBINS_DEMO',
    path: 'demo',
    kind: 'bool',
    def: '1',
    doc: '`0` = do not load the demo contact center into an empty database',
  },
  {
    env: 'WORKBINS_PUBLIC_URL',
    path: 'publicUrl',
    kind: 'string',
    def: '',
    doc: 'public base URL ending in `/api/v2`, used in `uri` fields (default: `http://HOST:PORT/api/v2`)',
  },
  {
    env: 'WORKBINS_LOG_LEVEL',
    path: 'logLevel',
    kind: 'string',
    def: 'info',
    doc: 'pino log level (`fatal`…`trace`, `silent`)',
  },
  {
    env: 'WORKBINS_SESSION_IDLE_SECONDS',
    path: 'sessionIdleSeconds',
    kind: 'int',
    def: '1800',
    doc: 'an HTTP session (JSESSIONID) unused this long expires',
  },
  {
    env: 'WORKBINS_CSRF',
    path: 'csrf',
    kind: 'bool',
    def: '0',
    doc: '`1` = require the CSRF header on POST/PUT/DELETE',
  },
  {
    env: 'WORKBINS_COOKIE_SECURE',
    path: 'cookieSecure',
    kind: 'bool',
    def: '0',
    doc: '`1` = mark cookies `Secure` (behind HTTPS)',
  },
  {
    env: 'WORKBINS_MAX_HTTP_SESSIONS_PER_USER',
    path: 'maxHttpSessionsPerUser',
    kind: 'int',
    def: '64',
    doc: 'most live HTTP sessions per user; a login beyond it ends that user’s least recently used session',
  },
  {
    env: 'WORKBINS_LOGIN_WINDOW_SECONDS',
    path: 'loginWindowSeconds',
    kind: 'int',
    def: '300',
    doc: 'failed logins are counted per window of this many seconds',
  },
  {
    env: 'WORKBINS_LOGIN_MAX_FAILURES_PER_NAME',
    path: 'loginMaxFailuresPerName',
    kind: 'int',
    def: '10',
    doc: 'failed logins for one user name per window; beyond it addresses that failed get 429 for that name',
  },
  {
    env: 'WORKBINS_LOGIN_MAX_FAILURES_PER_ADDRESS',
    path: 'loginMaxFailuresPerAddress',
    kind: 'int',
    def: '20',
    doc: 'failed logins from one client address per window; beyond it its logins get 429',
  },
  {
    env: 'WORKBINS_LOGIN_TRACKED_MAX',
    path: 'loginTrackedMax',
    kind: 'int',
    def: '100000',
    doc: 'most user names (and, apart, addresses) the login throttle remembers; the oldest are dropped',
  },
  {
    env: 'WORKBINS_CREDENTIAL_CHECK_MS',
    path: 'credentialCheckMs',
    kind: 'int',
    def: '2000',
    doc: 'how often password changes made by `workbins provision` are looked for, to end CometD sessions',
  },
  {
    env: 'WORKBINS_CONSOLE',
    path: 'console',
    kind: 'bool',
    def: '1',
    doc: '`0` = do not serve the browser console at `/` and `/console/`',
  },
  {
    env: 'WORKBINS_BODY_LIMIT',
    path: 'bodyLimit',
    kind: 'int',
    def: '65536',
    doc: 'largest REST request body, bytes (413 / statusCode 10 beyond)',
  },
  {
    env: 'WORKBINS_MAX_PARAM_LENGTH',
    path: 'maxParamLength',
    kind: 'int',
    def: '200',
    doc: 'longest URL path parameter (workbin id, user id, ...), characters (414 / statusCode 2 beyond)',
  },
  {
    env: 'WORKBINS_MAX_HEADER_SIZE',
    path: 'maxHeaderSize',
    kind: 'int',
    def: '16384',
    doc: "largest HTTP request line + headers, bytes (431 / statusCode 2 beyond); node's `maxHeaderSize`",
  },
  {
    env: 'WORKBINS_MAX_WORKBIN_IDS',
    path: 'maxWorkbinIds',
    kind: 'int',
    def: '100',
    doc: 'most ids in one `workbinIds=` request',
  },
  {
    env: 'WORKBINS_SHUTDOWN_GRACE_MS',
    path: 'shutdownGraceMs',
    kind: 'int',
    def: '10000',
    doc: 'how long shutdown waits for in-flight requests',
  },
  {
    env: 'COMETD_TIMEOUT',
    path: 'cometd.timeout',
    kind: 'int',
    def: '25000',
    doc: 'long-poll hold time, ms (`advice.timeout`)',
  },
  {
    env: 'COMETD_INTERVAL',
    path: 'cometd.interval',
    kind: 'int',
    def: '0',
    doc: '`advice.interval`, ms',
  },
  {
    env: 'COMETD_MAX_INTERVAL',
    path: 'cometd.maxInterval',
    kind: 'int',
    def: '10000',
    doc: 'a session with no connect for interval+this ms expires',
  },
  {
    env: 'COMETD_SWEEP_PERIOD',
    path: 'cometd.sweepPeriod',
    kind: 'int',
    def: '1000',
    doc: 'session sweeper period, ms',
  },
  {
    env: 'COMETD_MAX_MESSAGE_SIZE',
    path: 'cometd.maxMessageSize',
    kind: 'int',
    def: '65536',
    doc: 'largest Bayeux HTTP body or WebSocket frame, bytes',
  },
  {
    env: 'COMETD_MAX_SESSIONS_PER_USER',
    path: 'cometd.maxSessionsPerUser',
    kind: 'int',
    def: '16',
    doc: 'most CometD sessions one user may hold',
  },
  {
    env: 'COMETD_MAX_SUBSCRIPTIONS_PER_SESSION',
    path: 'cometd.maxSubscriptionsPerSession',
    kind: 'int',
    def: '64',
    doc: 'most channel subscriptions per CometD session',
  },
  {
    env: 'COMETD_MAX_QUEUE',
    path: 'cometd.maxQueue',
    kind: 'int',
    def: '10000',
    doc: 'most undelivered messages per session; beyond it the session is disconnected with `reconnect:"handshake"`',
  },
  {
    env: 'COMETD_MAX_QUEUE_BYTES',
    path: 'cometd.maxQueueBytes',
    kind: 'int',
    def: '4194304',
    doc: 'most bytes of undelivered messages (their JSON) per session; beyond it the session is disconnected like `COMETD_MAX_QUEUE`; at least `COMETD_MAX_MESSAGE_SIZE`',
  },
  {
    env: 'COMETD_WS_SEND_BUFFER',
    path: 'cometd.wsSendBuffer',
    kind: 'int',
    def: '1048576',
    doc: 'unsent bytes a websocket may hold; above it events wait in the session queue (and count against its limits) until the socket drains',
  },
  {
    env: 'COMETD_CLIENT_PUBLISH',
    path: 'cometd.clientPublish',
    kind: 'bool',
    def: '0',
    doc: '`1` = clients may publish to broadcast channels (CometD chat-style use); `0` = refused with `403`; `/service/**` is always allowed',
  },
  {
    env: 'COMETD_MAX_SESSIONS_PER_BROWSER',
    path: 'cometd.maxSessionsPerBrowser',
    kind: 'int',
    def: '1',
    doc: 'long polls held at once per `BAYEUX_BROWSER` cookie (-1 = unlimited)',
  },
  {
    env: 'COMETD_MULTI_SESSION_INTERVAL',
    path: 'cometd.multiSessionInterval',
    kind: 'int',
    def: '2000',
    doc: '`advice.interval` for the extra sessions of one browser, ms',
  },
  {
    env: 'COMETD_WEBSOCKET',
    path: 'cometd.websocket',
    kind: 'bool',
    def: '1',
    doc: '`0` = offer long-polling only',
  },
  {
    env: 'COMETD_DIRECT_HTTP',
    path: 'cometd.directHttp',
    kind: 'bool',
    def: '1',
    doc: '`1` = read long-polling requests straight from connections that start with one (faster); `0` = every request through node:http',
  },
]

export class ConfigError extends Error {}

/** A `postgres://` or `postgresql://` URL selects the PostgreSQL store; anything else is a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db)
}

function parseValue(e: Entry, raw: string): unknown {
  switch (e.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim()))
        throw new ConfigError(`${e.env} must be an integer, got "${raw}"`)
      return Number(raw.trim())
    }
    case 'bool': {
      const v = raw.trim().toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(v)) return true
      if (['0', 'false', 'no', 'off'].includes(v)) return false
      throw new ConfigError(`${e.env} must be 0 or 1, got "${raw}"`)
    }
    default:
      return raw
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let obj = target
  for (const p of parts.slice(0, -1)) {
    obj[p] ??= {}
    obj = obj[p] as Record<string, unknown>
  }
  obj[parts[parts.length - 1] as string] = value
}

/** Defaults, overridden by the environment, overridden by `overrides` (tests pass short timeouts here). */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: DeepPartial<Config> = {},
): Config {
  const out: Record<string, unknown> = {}
  for (const e of CONFIG_TABLE) {
    const raw = env[e.env]
    setPath(out, e.path, parseValue(e, raw === undefined || raw === '' ? e.def : raw))
  }
  const cfg = merge(out, overrides as Record<string, unknown>) as unknown as Config
  if (cfg.provision === '') cfg.provision = undefined
  validate(cfg)
  return cfg
}

function validate(c: Config): void {
  if (c.port < 0 || c.port > 65535) throw new ConfigError(`PORT out of range: ${c.port}`)
  const positive: [string, number][] = [
    ['WORKBINS_SESSION_IDLE_SECONDS', c.sessionIdleSeconds],
    ['WORKBINS_BODY_LIMIT', c.bodyLimit],
    ['WORKBINS_MAX_HTTP_SESSIONS_PER_USER', c.maxHttpSessionsPerUser],
    ['WORKBINS_LOGIN_WINDOW_SECONDS', c.loginWindowSeconds],
    ['WORKBINS_LOGIN_MAX_FAILURES_PER_NAME', c.loginMaxFailuresPerName],
    ['WORKBINS_LOGIN_MAX_FAILURES_PER_ADDRESS', c.loginMaxFailuresPerAddress],
    ['WORKBINS_LOGIN_TRACKED_MAX', c.loginTrackedMax],
    ['WORKBINS_CREDENTIAL_CHECK_MS', c.credentialCheckMs],
    ['WORKBINS_MAX_PARAM_LENGTH', c.maxParamLength],
    ['WORKBINS_MAX_HEADER_SIZE', c.maxHeaderSize],
    ['WORKBINS_MAX_WORKBIN_IDS', c.maxWorkbinIds],
    ['WORKBINS_PG_POOL_SIZE', c.pgPoolSize],
    ['WORKBINS_PG_STATEMENT_TIMEOUT_MS', c.pgStatementTimeoutMs],
    ['COMETD_TIMEOUT', c.cometd.timeout + 1],
    ['COMETD_MAX_INTERVAL', c.cometd.maxInterval],
    ['COMETD_SWEEP_PERIOD', c.cometd.sweepPeriod],
    ['COMETD_MAX_MESSAGE_SIZE', c.cometd.maxMessageSize],
    ['COMETD_MAX_SESSIONS_PER_USER', c.cometd.maxSessionsPerUser],
    ['COMETD_MAX_SUBSCRIPTIONS_PER_SESSION', c.cometd.maxSubscriptionsPerSession],
    ['COMETD_MAX_QUEUE', c.cometd.maxQueue],
    ['COMETD_MAX_QUEUE_BYTES', c.cometd.maxQueueBytes],
    ['COMETD_WS_SEND_BUFFER', c.cometd.wsSendBuffer],
  ]
  for (const [name, v] of positive) {
    if (!(v > 0)) throw new ConfigError(`${name} must be positive, got ${v}`)
  }
  if (c.cometd.interval < 0) throw new ConfigError('COMETD_INTERVAL must not be negative')
  if (isPostgresUrl(c.db) && !URL.canParse(c.db)) {
    throw new ConfigError('WORKBINS_DB looks like a PostgreSQL URL but does not parse as one')
  }
  // One client publish may reach a session whole; a smaller cap would end every subscriber.
  if (c.cometd.maxQueueBytes < c.cometd.maxMessageSize) {
    throw new ConfigError(
      `COMETD_MAX_QUEUE_BYTES (${c.cometd.maxQueueBytes}) must be at least COMETD_MAX_MESSAGE_SIZE (${c.cometd.maxMessageSize})`,
    )
  }
  if (c.publicUrl !== '' && !/^https?:\/\/.+\/api\/v2$/.test(c.publicUrl)) {
    throw new ConfigError(
      `WORKBINS_PUBLIC_URL must be an http(s) URL ending in /api/v2, got "${c.publicUrl}"`,
    )
  }
  if (c.bus !== '' && c.bus !== 'local') {
    throw new ConfigError(
      `WORKBINS_BUS "${c.bus}" is not supported yet: only the in-process bus exists (leave it empty)`,
    )
  }
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] }

function merge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue
    const b = out[k]
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object'
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v
  }
  return out
}
