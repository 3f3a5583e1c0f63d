// The public face of the notification server: mount it on fastify, deliver to users, end
// sessions, read counters, close. See index.ts for the API summary.

import type { BrowserHolds } from './engine/browser-holds.ts'
import type { EventEmitter } from 'node:events'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { BayeuxPrincipal, BayeuxServerOptions, ServiceHandler } from './engine/options.ts'
import { Engine } from './engine/engine.ts'
import { HttpTransport, type HttpOptions } from './transports/long-polling.ts'
import { DirectHttp } from './transports/direct/reader.ts'
import { WsTransport } from './transports/websocket.ts'
import { parseChannel } from './protocol/channels.ts'
import type { FeedMessage } from './engine/keeper.ts'

export class BayeuxServer {
  readonly #engine: Engine
  readonly #ws: WsTransport
  #direct: DirectHttp | null = null
  #closed: Promise<void> | null = null

  constructor(opts: BayeuxServerOptions) {
    this.#engine = new Engine(opts)
    this.#ws = new WsTransport(this.#engine)
  }

  /**
   * Serve POST <prefix> and POST <prefix>/* (400 for other methods) and the WebSocket upgrade
   * on <prefix> and below, for each prefix, on fastify's HTTP server. Call before
   * `app.listen()`. Long-polling requests are read straight from connections that start
   * with one (transports/direct/reader.ts, unless `config.directHttp` is false), otherwise answered
   * by a node:http listener in front of fastify's (transports/long-polling.ts): fastify routes, hooks,
   * parsers and error handlers never see these paths. The Bayeux server authenticates the
   * handshake itself and later requests by clientId + BAYEUX_BROWSER. `options`: CORS headers
   * for requests with an Origin, whether OPTIONS preflights go to fastify, and the other origins
   * whose pages may use CometD (long-polling and websocket; any other Origin is refused with 403).
   */
  attach<L extends FastifyBaseLogger>(
    app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
    prefixes: string[],
    options: HttpOptions = {},
  ): void {
    const http = new HttpTransport(this.#engine, prefixes, options)
    http.attach(app.server)
    if (this.#engine.config.directHttp && DirectHttp.supports(app.server)) {
      this.#direct = new DirectHttp(http, app.server)
      this.#direct.attach()
    }
    this.#ws.attach(app.server, prefixes, options.origins ?? [])
  }

  /** Deliver `data` on `channel` to every session of `userId` subscribed to a matching channel. */
  deliverToUser(userId: string, channel: string, data: Record<string, unknown>): void {
    if (!this.#engine.validDeliveryChannel(channel)) {
      throw new TypeError(`not a deliverable Bayeux channel: ${channel}`)
    }
    this.#engine.deliverToUser(userId, channel, data)
  }

  /**
   * New numbered messages of a user's feed, in order (durable delivery, with a keeper): each
   * session of the user takes those after its position, on the channels it subscribes to.
   */
  deliverFeed(userId: string, messages: readonly FeedMessage[]): void {
    this.#engine.durable?.deliverFeed(userId, messages)
  }

  /** Users with at least one session on this server. */
  users(): IterableIterator<string> {
    return this.#engine.users()
  }

  /** End every session of the user: each gets /meta/disconnect and `reconnect:"none"`. */
  disconnectUser(userId: string): void {
    const set = this.#engine.sessionsOf(userId)
    if (!set) return
    for (const s of [...set]) this.#engine.terminate(s, 'none')
  }

  /**
   * End every live session whose principal matches (`reconnect` as for disconnectSession), and
   * close the websockets whose upgrade was authenticated as a matching principal: a login that
   * ended (logout, a password change) must not open a new session on a socket it opened.
   * Returns how many sessions were ended.
   */
  disconnectWhere(
    match: (p: BayeuxPrincipal) => boolean,
    reconnect: 'none' | 'handshake' = 'none',
  ): number {
    let n = 0
    for (const s of [...this.#engine.sessions()]) {
      if (s.terminated || !match(s.principal)) continue
      this.#engine.terminate(s, reconnect)
      n++
    }
    this.#ws.closeWhere(match, 'login ended')
    return n
  }

  /**
   * The principals of the live sessions (one per session) and of the open websockets' upgrades
   * (one per socket, also before its first handshake).
   */
  *principals(): Generator<BayeuxPrincipal> {
    for (const s of this.#engine.sessions()) if (!s.terminated) yield s.principal
    yield* this.#ws.principals()
  }

  /**
   * The live sessions held here that have connected, so whose stored record (with a keeper)
   * exists: a cluster node checks them against the store after a bus outage.
   */
  *established(): Generator<{ clientId: string; principal: BayeuxPrincipal }> {
    for (const s of this.#engine.sessions()) {
      if (!s.terminated && s.connected) yield { clientId: s.id, principal: s.principal }
    }
  }

  /** The session's stored subscriptions changed on another node (cluster): reload them. */
  reloadSession(clientId: string): Promise<void> {
    return this.#engine.durable?.reload(clientId) ?? Promise.resolve()
  }

  /** A cluster counts each browser's long polls over every node (engine/browser-holds.ts). */
  setBrowserHolds(holds: BrowserHolds): void {
    this.#engine.browserHolds = holds
  }

  /**
   * Another node took the session (cluster): forget it here, keep its stored record. Null when
   * it was not held here; otherwise the position of its last connect reply when it has no ack
   * extension (Engine.releaseSession), which the new holder starts from.
   */
  releaseSession(clientId: string): { replied: number | undefined } | null {
    return this.#engine.releaseSession(clientId)
  }

  /**
   * End one session. `none` (default): /meta/disconnect, the client stops. `handshake`: its
   * next connect fails with `reconnect:"handshake"` and the client starts a new session.
   */
  disconnectSession(clientId: string, reconnect: 'none' | 'handshake' = 'none'): boolean {
    const s = this.#engine.session(clientId)
    if (!s || s.terminated) return false
    this.#engine.terminate(s, reconnect)
    return true
  }

  /**
   * Handle publishes to a /service/** channel. The handler's return value (if not undefined)
   * goes back to the caller alone as `{channel, id, successful:true, data}` — the shape of
   * the official client's `remoteCall` result.
   */
  onService(channel: string, handler: ServiceHandler): void {
    const p = parseChannel(channel)
    if (!p || p.kind !== 'service' || p.wild)
      throw new TypeError(`not a service channel: ${channel}`)
    this.#engine.setService(channel, handler)
  }

  /**
   * Session lifecycle events for tests and metrics: 'removed' ({clientId, userId, reason:
   * 'disconnect' | 'expired'}), 'held' ({clientId}: a /meta/connect is now held), 'request'
   * ({url}: a long-polling request's body was read, on either HTTP path).
   */
  get events(): EventEmitter {
    return this.#engine.events
  }

  /** Counters for logs/metrics; O(1): each is kept up to date where it changes. */
  stats(): Record<string, number> {
    const c = this.#engine.stats()
    return {
      sessions: c.sessions,
      heldConnects: c.heldConnects,
      queuedMessages: c.queuedMessages,
      subscriptions: c.subscriptions,
      websockets: this.#ws.connections,
      websocketSessions: this.#ws.sessions,
      websocketFramesWaiting: this.#ws.framesWaiting,
      directConnections: this.#direct?.conns.size ?? 0,
      handshakes: c.handshakes,
      deliveredTotal: c.deliveredTotal,
      expiredTotal: c.expiredTotal,
      terminatedTotal: c.terminatedTotal,
      websocketIdleClosedTotal: this.#ws.idleClosed,
      websocketUserLimitRefusedTotal: this.#ws.refusedOverCap,
    }
  }

  /** Graceful: refuse handshakes, answer held connects with `reconnect:"retry"`, close sockets, stop the sweeper. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#engine.shutdown()
      await this.#ws.close()
    })()
    return this.#closed
  }
}
