// The composition root: the one place that picks adapters (store, notifier) and wires the
// HTTP routes and the CometD server together. `buildApp` does not listen; `listen` does, so
// every test builds its own server on port 0.

import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Logger } from 'pino'
import { BayeuxServer, HandshakeRefused } from './bayeux/index.ts'
import { ConfigError, corsOriginList, isPostgresUrl, type Config } from './config.ts'
import { GwsError, StatusCode, ThrottledError } from './errors.ts'
import { consoleRoutes } from './console/serve.ts'
import { asyncApiRoute } from './http/asyncapi.ts'
import { Authenticator, checkCsrf } from './http/auth.ts'
import { cometdOriginHeaders, registerCors } from './http/cors.ts'
import { credentialStamp, watchCredentials } from './http/credential-watch.ts'
import type { RouteDeps } from './http/deps.ts'
import { channelRoutes } from './http/routes/channels.ts'
import { featureRoutes } from './http/routes/features.ts'
import { interactionOperationRoutes } from './http/routes/interaction-operations.ts'
import { interactionRoutes } from './http/routes/interactions.ts'
import { mediaRoutes } from './http/routes/media.ts'
import { meRoutes } from './http/routes/me.ts'
import { teamRoutes } from './http/routes/team.ts'
import { workbinRoutes } from './http/routes/workbins.ts'
import { registerOpenApi } from './http/openapi.ts'
import { createHttpServer } from './http/server.ts'
import { sweepIdleSessions } from './http/session-sweep.ts'
import { UserRateLimit } from './http/user-rate-limit.ts'
import { createLogger } from './log.ts'
import { cometdMetrics } from './metrics/cometd.ts'
import { connectionMetrics, instrumentHttp } from './metrics/http.ts'
import { limitConnections } from './http/connection-limit.ts'
import { trustedProxies } from './http/client-address.ts'
import { loginFailureCounter } from './metrics/login.ts'
import { Metrics } from './metrics/registry.ts'
import { listenMetrics, metricsRoute, type MetricsListener } from './metrics/serve.ts'
import { checkpointMetrics, commitMetrics, timedStore } from './metrics/store.ts'
import { contentThreadMetrics } from './metrics/content-threads.ts'
import { provisionAtStart } from './provision/index.ts'
import { ClusterNode } from './cluster/cluster-node.ts'
import { FeedPump, PUMP_PARALLEL } from './notifications/feed-pump.ts'
import { sweepNotificationLog } from './notifications/log-sweeper.ts'
import { startOfferSweep, type OfferSweep } from './workbins/offer-sweep.ts'
import { startCompletedSweep, type CompletedSweep } from './workbins/completed-sweep.ts'
import { startSubscriptionRecheck } from './workbins/subscription-recheck.ts'
import type { Periodic } from './workbins/periodic.ts'
import { BayeuxNotifier } from './notifications/notifier.ts'
import { StoreSessionKeeper } from './notifications/session-keeper.ts'
import { openStore } from './store/open-store.ts'
import { isSqliteFile } from './store/sqlite/index.ts'
import { ContentThreads } from './content-threads/pool.ts'
import { WholeContentSlots } from './workbins/content-slots.ts'
import type { Store } from './store/store.ts'
import type { Notifier } from './workbins/notifier.ts'

export const API_PREFIX = '/api/v2'
export const NOTIFICATIONS_PATH = `${API_PREFIX}/notifications`
/** Where packaged GWS builds serve CometD; served too, for desktops configured with it. */
export const GENESYS_COMETD_PATH = '/genesys/cometd'

export interface App {
  config: Config
  log: Logger
  store: Store
  http: FastifyInstance
  bayeux: BayeuxServer
  /** What the domain notifies through (durable or memory: src/notifications). */
  notifier: Notifier
  /** Public base URL ending in /api/v2 (after listen, unless configured). */
  publicUrl(): string
  /** Listen on config.host:config.port; resolves to the base URL (http://host:port). */
  listen(): Promise<string>
  /** Graceful: held connects answered, in-flight requests finished, store closed. */
  close(): Promise<void>
}

function notReady(reply: FastifyReply, why: string) {
  return reply
    .code(503)
    .header('retry-after', '1')
    .send({ statusCode: StatusCode.INTERNAL, statusMessage: `Not ready: ${why}` })
}

/**
 * A port that cannot be had (in use, privileged, HOST not local) is one line naming its setting:
 * the system error is the same for both ports.
 */
function listenError(err: unknown, variable: string, port: number): unknown {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !code.startsWith('E')) return err
  return new ConfigError(`${variable}=${port}: cannot listen: ${(err as Error).message}`)
}

/** Most users whose request rate is tracked at once (docs/security.md "Requests per user"). */
const USER_RATE_TRACKED_MAX = 100_000

/** Longer than any live CometD session can stay silent (a held connect, then maxInterval). */
function sessionStaleMs(config: Config): number {
  const c = config.cometd
  return c.timeout + c.interval + c.maxInterval + config.sessionSyncMs + 60_000
}

export interface AppOverrides {
  logger?: Logger
  store?: Store
}

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.logger ?? createLogger(config.logLevel)
  // Off by default: then nothing is counted and nothing more is served (docs/operations.md).
  const metrics = config.metrics ? new Metrics() : undefined
  const opened =
    overrides.store ??
    openStore(config, (err, threadLost) =>
      threadLost
        ? log.error(
            { err },
            'the SQLite checkpoint thread stopped; SQLite checkpoints in COMMIT again',
          )
        : log.warn({ err }, 'a SQLite checkpoint failed; it is tried again after the next commit'),
    )
  const store = metrics ? timedStore(opened, metrics) : opened
  if (metrics && 'commitStats' in opened) {
    const counts = (opened as { commitStats: { commits: number; writes: number } }).commitStats
    commitMetrics(metrics, () => counts)
  }
  const checkpoints = (opened as { checkpointStats?: { runs: number; framesCopied: number } })
    .checkpointStats
  if (metrics && checkpoints) checkpointMetrics(metrics, () => checkpoints)
  try {
    await store.migrate()
  } catch (err) {
    await store.close()
    throw err
  }
  try {
    await provisionAtStart(
      store,
      {
        provisionFile: config.provision,
        demo: config.demo,
        concurrency: config.provisionConcurrency,
        fingerprints: config.provisionFingerprints,
        progressMs: config.provisionProgressMs,
        jsonMaxDepth: config.jsonMaxDepth,
        maxHandledPerAgent: config.maxHandledPerAgent,
      },
      log,
    )
  } catch (err) {
    await store.close()
    throw err
  }

  let baseUrl = config.publicUrl
  const publicUrl = () => baseUrl

  const http = createHttpServer(config, log)
  if (metrics) instrumentHttp(http, metrics)
  await registerOpenApi(http)
  const auth = new Authenticator(store, config, log, {
    onLoginFailure: metrics ? loginFailureCounter(metrics) : undefined,
  })
  // Durable delivery (docs/durable-delivery.md) unless WORKBINS_NOTIFICATION_LOG=0.
  const pump = config.notificationLog
    ? new FeedPump(
        store,
        () => bayeux,
        log.child({ component: 'notifications' }),
        // SQLite commits a round's users together (group commit); PostgreSQL pays a round trip
        // each. SQLite commits the next batch while the last one's fsync runs (depth 2).
        isPostgresUrl(config.db) ? PUMP_PARALLEL : 128,
        isPostgresUrl(config.db) ? 1 : 2,
      )
    : null
  // A node of a cluster (docs/cluster.md): WORKBINS_BUS, checked in config to go with PostgreSQL.
  const cluster =
    pump && config.bus !== undefined
      ? new ClusterNode(
          {
            url: config.bus,
            channel: config.busChannel,
            nodeId: config.nodeId,
            // A polling session re-announces once per hold time; a dead node's polls lapse.
            holdTtlMs: Math.max(3 * config.cometd.timeout, 10_000),
          },
          pump,
          () => bayeux,
          log.child({ component: 'cluster' }),
        )
      : null
  const keeper = pump
    ? new StoreSessionKeeper(store, pump, log.child({ component: 'notifications' }), {
        syncMs: config.sessionSyncMs,
        staleMs: sessionStaleMs(config),
        cluster: cluster ?? undefined,
        clusterLimit: cluster
          ? {
              maxPerUser: config.cometd.maxSessionsPerUser,
              staleMs: sessionStaleMs(config),
            }
          : undefined,
        // A stored session continues only under the login it was opened with.
        stillValid: async ({ principal }) => {
          if (principal.httpSessionId !== undefined) {
            if (!(await store.getSession(principal.httpSessionId))) return false
          }
          const user = await store.getUser(principal.userId)
          return user !== undefined && credentialStamp(user.passwordHash) === principal.credential
        },
      })
    : undefined
  const bayeux: BayeuxServer = new BayeuxServer({
    config: config.cometd,
    logger: log.child({ component: 'cometd' }),
    keeper,
    // Same attributes as JSESSIONID: HttpOnly (always), SameSite=Lax, Secure behind HTTPS.
    cookie: { secure: config.cookieSecure, sameSite: 'Lax' },
    authenticate: async (req) => {
      let caller
      try {
        caller = await auth.authenticateRaw(req)
      } catch (err) {
        if (err instanceof ThrottledError) {
          throw new HandshakeRefused('too_many_failed_logins', err.retryAfterSeconds * 1000)
        }
        throw err
      }
      if (!caller) return null
      const { user, httpSessionId } = caller
      const cc = await store.getContactCenter(user.contactCenterId)
      // GWS: without api-multimedia the notification API behaves as if it did not exist for
      // workbins, but CometD itself is shared by every API: only the user must be valid.
      if (!cc) return null
      return {
        userId: user.id,
        contactCenterId: cc.id,
        httpSessionId,
        credential: credentialStamp(user.passwordHash),
      }
    },
  })

  if (metrics) cometdMetrics(metrics, () => bayeux.stats())

  const logout: RouteDeps['logout'] = async (caller, reply) => {
    await auth.logout(caller.session, reply)
    const id = caller.session.id
    const ended = bayeux.disconnectWhere((p) => p.httpSessionId === id, 'handshake')
    cluster?.logout(id)
    reply.log.info({ userId: caller.user.id, cometdSessions: ended }, 'logged out')
  }
  const notifier = new BayeuxNotifier(bayeux, store, log, pump)
  notifier.cluster = cluster
  if (cluster) {
    bayeux.setBrowserHolds(cluster.browserHolds)
    // After a bus outage the node checks the sessions it holds against the store.
    cluster.sessionCheck = keeper
    // The login throttle's limits hold for the cluster (docs/security.md).
    auth.peers = cluster
    cluster.onLoginFailure = (name, address) => auth.heardLoginFailure(name, address)
    try {
      await cluster.start()
    } catch (err) {
      await cluster.close()
      await store.close()
      throw new Error(`WORKBINS_BUS: Redis not reachable (${(err as Error).message})`, {
        cause: err,
      })
    }
    log.info({ nodeId: cluster.nodeId }, 'cluster node: bus connected')
  }
  // Whole-content GETs read on threads of their own (SQLite files; docs/workbins-content.md).
  const contentThreads =
    overrides.store === undefined &&
    !isPostgresUrl(config.db) &&
    isSqliteFile(config.db) &&
    config.contentThreads > 0
      ? new ContentThreads({
          file: config.db,
          threads: config.contentThreads,
          nice: config.contentThreadNice,
          pageItems: config.contentChunkItems,
          sharedBytes: config.contentThreadMemoryMb * 1024 * 1024,
          // Any call of the opened store resolves once earlier commits are on disk. A read, not
          // ping(): that one writes while the disk refuses writes, and reads still work then.
          durable: () => opened.isEmpty().then(() => undefined),
          log: log.child({ component: 'content-threads' }),
        })
      : undefined
  if (metrics && contentThreads) contentThreadMetrics(metrics, () => contentThreads.stats)
  const deps: RouteDeps = {
    config,
    store,
    notifier,
    log,
    publicUrl,
    logout,
    contentReader: contentThreads,
    wholeContents: new WholeContentSlots(
      config.contentWholeMax,
      config.contentWholeMaxMb * 2 ** 20,
    ),
  }

  // Unauthenticated probes for operators and load balancers (docs/operations.md).
  // Liveness: the process answers. Readiness: the store answers and shutdown has not begun.
  let draining = false
  http.get('/health', async () => ({ statusCode: 0, status: 'ok', ...bayeux.stats() }))
  http.get('/ready', async (request, reply) => {
    if (draining) return notReady(reply, 'Server is shutting down')
    try {
      await store.ping()
    } catch (err) {
      request.log.warn({ err }, 'readiness: the store does not answer')
      return notReady(reply, 'The database does not answer')
    }
    return { statusCode: 0, status: 'ready' }
  })

  if (metrics && config.metricsPort === 0) metricsRoute(http, metrics)

  const corsOrigins = corsOriginList(config.corsOrigins)
  if (corsOrigins.length > 0) await registerCors(http, corsOrigins)
  bayeux.attach(http, [NOTIFICATIONS_PATH, GENESYS_COMETD_PATH], {
    originHeaders: corsOrigins.length > 0 ? cometdOriginHeaders(corsOrigins) : undefined,
    preflightElsewhere: corsOrigins.length > 0,
    origins: corsOrigins,
  })
  asyncApiRoute(http, publicUrl) // outside the authenticated /api/v2 plugin: readable by anyone
  if (config.console) consoleRoutes(http)

  const userRate = new UserRateLimit(
    {
      perSecond: config.userRequestsPerSecond,
      burst: config.userRequestBurst,
      maxDelayMs: config.userRequestMaxDelayMs,
      maxTracked: USER_RATE_TRACKED_MAX,
    },
    log,
  )
  // Requests waiting for their user's turn stop waiting when the server closes (503).
  const shutdown = new AbortController()
  /** The per-user request bound: the request goes now, after its turn's wait, or gets 429. */
  const admitUser = async (user: { id: string }) => {
    const turn = userRate.take(user.id)
    if (turn.delayMs > 0) {
      await delay(turn.delayMs, undefined, { signal: shutdown.signal }).catch(() => undefined)
      if (shutdown.signal.aborted) {
        throw new GwsError(StatusCode.INTERNAL, 'Server is shutting down; retry the request', 503)
      }
    }
    if (!turn.go) {
      throw new ThrottledError(
        `Too many requests by this user (more than ${config.userRequestsPerSecond} a second); retry later`,
        Math.max(1, Math.ceil((turn.retryAfterMs - turn.delayMs) / 1000)),
        StatusCode.INTERNAL,
      )
    }
  }
  await http.register(
    async (api) => {
      api.decorateRequest('caller', undefined)
      api.addHook('onRequest', async (request, reply) => {
        // CometD does its own handshake authentication.
        if (request.url.startsWith(NOTIFICATIONS_PATH)) return
        const caller = await auth.authenticateRest(request, reply, admitUser)
        request.caller = caller
        if (config.csrf) checkCsrf(request, reply, caller)
      })
      await meRoutes(api, deps)
      await channelRoutes(api, deps)
      await teamRoutes(api, deps)
      await featureRoutes(api, deps)
      await workbinRoutes(api, deps)
      await mediaRoutes(api, deps)
      await interactionRoutes(api, deps)
      await interactionOperationRoutes(api, deps)
    },
    { prefix: API_PREFIX },
  )

  const sweep = sweepIdleSessions(store, log, config.sessionIdleSeconds)
  const credentialCheck = watchCredentials(store, bayeux, log, config.credentialCheckMs)
  // Started by listen: its Revoked messages carry URLs from publicUrl, known once listening.
  let offerSweep: OfferSweep | undefined
  let completedSweep: CompletedSweep | undefined
  // Subscriptions that provisioning took away: looked for as often as changed passwords.
  let subscriptionCheck: Periodic | undefined
  const logSweep = pump
    ? sweepNotificationLog(store, log, {
        retentionMs: config.logRetention * 1000,
        // Longer than any live session can stay silent (a held connect, then maxInterval).
        sessionStaleMs: sessionStaleMs(config),
        periodMs: 60_000,
      })
    : null

  let metricsListener: MetricsListener | undefined
  let closed = false
  return {
    config,
    log,
    store,
    http,
    bayeux,
    notifier,
    publicUrl,
    async listen() {
      if (metrics && config.metricsPort !== 0) {
        try {
          metricsListener = await listenMetrics(metrics, config.host, config.metricsPort, log)
        } catch (err) {
          throw listenError(err, 'WORKBINS_METRICS_PORT', config.metricsPort)
        }
      }
      // After bayeux.attach: the per-address gate wraps the direct reader's listener too.
      const refused = limitConnections(
        http.server,
        {
          maxConnections: config.maxConnections,
          maxPerAddress: config.maxConnectionsPerAddress,
          trustedProxies: trustedProxies(config.trustProxy),
        },
        log,
      )
      if (metrics) connectionMetrics(metrics, http.server, refused)
      let address
      try {
        address = await http.listen({ port: config.port, host: config.host })
      } catch (err) {
        await metricsListener?.close()
        throw listenError(err, 'PORT', config.port)
      }
      const url = new URL(address)
      const base = `${url.protocol}//${url.host}`
      if (baseUrl === '') baseUrl = `${base}${API_PREFIX}`
      if (!closed) offerSweep ??= startOfferSweep(deps)
      if (!closed) subscriptionCheck ??= startSubscriptionRecheck(deps, config.credentialCheckMs)
      if (!closed && !completedSweep) {
        completedSweep = startCompletedSweep(
          store,
          {
            retentionSeconds: config.completedRetentionSeconds,
            sweepSeconds: config.completedSweepSeconds,
            batch: config.completedSweepBatch,
          },
          log,
        )
      }
      return base
    },
    async close() {
      if (closed) return
      closed = true
      // Not ready first, while everything else is still served, so a balancer drains the node.
      draining = true
      if (config.shutdownDelayMs > 0) {
        log.info({ delayMs: config.shutdownDelayMs }, 'draining: /ready answers 503')
        await delay(config.shutdownDelayMs)
      }
      sweep.stop()
      credentialCheck.stop()
      logSweep?.stop()
      await offerSweep?.stop()
      await completedSweep?.stop()
      await subscriptionCheck?.stop()
      // Answer held long polls first (reconnect: retry), or http.close would wait for them;
      // likewise requests waiting for their user's turn.
      shutdown.abort()
      await bayeux.close()
      const grace = setTimeout(() => {
        log.warn('shutdown grace period over: closing remaining connections')
        http.server.closeAllConnections()
      }, config.shutdownGraceMs)
      grace.unref()
      try {
        await http.close()
      } finally {
        clearTimeout(grace)
        await keeper?.close() // acknowledged positions, for the sessions' next server
        pump?.stop() // the store writes the numbers it gave in memory as it closes
        await cluster?.close()
        await contentThreads?.close() // their connections before the writer's last close
        await store.close()
        await metricsListener?.close()
      }
    },
  }
}
