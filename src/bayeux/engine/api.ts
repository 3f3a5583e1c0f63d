// What the message handlers (handlers/) may ask of the engine: the narrow interface they
// depend on instead of the Engine class, so the engine never has to know them and they never
// reach into its state. Engine (engine.ts) implements it.

import type { Logger } from 'pino'
import type { CometdConfig } from '../../config.ts'
import type { ConnectionType, InMessage, Reply } from '../protocol/messages.ts'
import type { Outgoing } from '../protocol/outgoing.ts'
import type { Exchange } from './exchange.ts'
import type { BayeuxPrincipal, BayeuxServerOptions, ServiceHandler } from './options.ts'
import type { Session, WsLink } from './session.ts'
import type { DurableDelivery } from './durable.ts'

export interface EngineApi {
  readonly config: CometdConfig
  readonly log: Logger
  /** The server is closing: no new sessions, no held connects. */
  readonly closing: boolean
  /** Offered connection types, in the official client's preference order. */
  readonly connectionTypes: string[]
  readonly authenticate: BayeuxServerOptions['authenticate']

  /** The default connect advice (one shared frozen object: replace it, never mutate it). */
  advice(): Reply['advice']
  /** Expiry deadline after a reply was written or a message arrived. */
  expiryFrom(now: number): number

  /** Durable delivery, when the application keeps sessions (engine/durable.ts). */
  readonly durable: DurableDelivery | null
  /** A session by clientId, if this server holds it. */
  session(clientId: string): Session | undefined
  /** Forget a session another node holds now, keeping its stored record (engine.release). */
  release(clientId: string, why?: 'taken' | 'stale'): boolean
  /** Forget a session that was never answered (a handshake that failed after it was opened). */
  discard(s: Session): void

  /** Create and register a session (a successful handshake). */
  openSession(
    principal: BayeuxPrincipal,
    type: ConnectionType,
    browserId: string | null,
    ws: WsLink | null,
    ack: boolean,
  ): Session
  /** Live sessions of a user (the per-user session limit). */
  sessionCount(userId: string): number
  /** At the per-user limit: end the user's oldest never-connected session here, if any. */
  evictUnconnected(userId: string): Promise<boolean>
  /**
   * Check the request's Basic credentials when it lacks the cookie of a long-polling session
   * bound to `browserId` (a promise while checking; undefined when nothing is to be checked).
   */
  checkBasic(ex: Exchange, browserId: string | null): Promise<void> | undefined
  /** The session of a message, if it is bound to where the message came from. */
  resolve(ex: Exchange, m: InMessage): Session | null

  /** Held long polls of one browser and user (the multiple-clients rule). */
  heldFor(browserKey: string): number
  /** Polls of other sessions of that browser on other servers of a cluster (0 without one). */
  heldElsewhere(browserKey: string, clientId: string): number
  /** A newer connect arrived: complete the older held one at once. */
  supersede(s: Session): void
  /** A connect acknowledged every ack-extension batch up to `batch`. */
  acknowledge(s: Session, batch: number): void
  /** The connect reply of a terminated session. */
  applyTermination(s: Session, r: Reply): void
  /** /meta/disconnect from the client; settles when the stored session is deleted too. */
  remove(s: Session, why: 'disconnect' | 'expired'): Promise<void>

  subscribe(s: Session, pattern: string): void
  unsubscribe(s: Session, pattern: string): void
  /** A client publish on a broadcast channel: subscribed sessions of the contact center. */
  broadcast(contactCenterId: string, channel: string, data: unknown): void
  /** The handler registered for a /service channel. */
  service(channel: string): ServiceHandler | undefined
  /** Deliver to one session regardless of subscriptions (service replies). */
  deliverTo(s: Session, out: Outgoing): void
}
