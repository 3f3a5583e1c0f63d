// Public option and principal types of the Bayeux server (re-exported by index.ts).

import type { IncomingHttpHeaders } from 'node:http'
import type { Logger } from 'pino'
import type { CometdConfig } from '../../config.ts'
import type { SessionKeeper } from './keeper.ts'
import type { BayeuxPrincipal } from './principal.ts'

export type { BayeuxPrincipal } from './principal.ts'

/**
 * The HTTP request of a handshake POST or WebSocket upgrade, as `authenticate` sees it: node's
 * IncomingMessage, or the head a direct long-polling connection read (transports/direct/conn.ts).
 */
export interface BayeuxHttpRequest {
  readonly method?: string | undefined
  readonly url?: string | undefined
  /** Lower-case names, duplicates merged as node merges them. */
  readonly headers: IncomingHttpHeaders
  /** The connection, for the client address. */
  readonly socket?: { readonly remoteAddress?: string | undefined } | undefined
}

export interface BayeuxServerOptions {
  config: CometdConfig
  logger: Logger
  /**
   * Resolve the caller of a handshake: the HTTP request of the handshake POST, or the
   * WebSocket upgrade request; also a long-polling request without its session's cookie, given
   * without its Cookie header, whose Basic credentials may bind it to a session of the user
   * (src/bayeux/README.md, "Session binding"). null = not authenticated. Throw
   * HandshakeRefused to refuse for a while (e.g. too many failed logins): the client is told
   * when to try again.
   */
  authenticate(req: BayeuxHttpRequest): Promise<BayeuxPrincipal | null>
  /** Durable sessions and numbered deliveries (engine/keeper.ts); none = memory only. */
  keeper?: SessionKeeper
  /** BAYEUX_BROWSER cookie attributes (default: Path=/; HttpOnly). */
  cookie?: { secure?: boolean; sameSite?: 'Strict' | 'Lax' | 'None' }
}

/** What a /service handler learns about the caller. */
export interface ServiceCall {
  clientId: string
  principal: BayeuxPrincipal
  channel: string
  data: unknown
}

/**
 * A /service/** handler. Return a value (or a promise of one) to deliver it to the caller as
 * `{channel, id, data}` (what the official client's `remoteCall` waits for); return undefined
 * to send nothing but the publish reply. Throwing gives the caller `successful:false`.
 */
export type ServiceHandler = (call: ServiceCall) => unknown
