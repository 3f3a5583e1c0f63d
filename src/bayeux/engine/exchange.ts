// One request being processed: a long-polling POST body or one WebSocket frame. Handlers
// add their replies here; the transport writes them in this order: handshake
// reply, queued events, other replies, the /meta/connect reply last.

import type { ConnectionType, Reply } from '../protocol/messages.ts'
import type { Session, WsLink } from './session.ts'
import type { BayeuxHttpRequest } from './options.ts'

/** Where a request came from. */
export interface Origin {
  type: ConnectionType
  /** The HTTP request (LP); for websocket frames an empty stand-in (authenticated at the upgrade). */
  req: BayeuxHttpRequest
  /** LP: the BAYEUX_BROWSER cookie sent with the request (null if none). */
  browserId: string | null
  /** ws: the socket. */
  ws: WsLink | null
  /**
   * LP: the user the request's Basic credentials authenticated, checked only when a session's
   * cookie is missing (Engine.checkBasic): undefined until checked, null for none or wrong ones.
   */
  basicUser: string | null | undefined
}

/**
 * Whether a long-polling request reaches a session bound to browser `browserId` and user
 * `userId` (src/bayeux/README.md, "Session binding"): it carries that BAYEUX_BROWSER cookie, or
 * Basic credentials of that user. A websocket-born session (no browser) never.
 */
export function pollBound(o: Origin, browserId: string | null, userId: string): boolean {
  if (browserId === null) return false
  return browserId === o.browserId || o.basicUser === userId
}

/** A /meta/connect the transport must hold. */
export interface HoldRequest {
  session: Session
  reply: Reply
  timeout: number
  /** LP multiple-clients key, null for ws. */
  browserKey: string | null
}

export class Exchange {
  handshake: Reply | null = null
  replies: Reply[] = []
  /** The connect reply (goes last) and the session it belongs to. */
  connect: Reply | null = null
  connectSession: Session | null = null
  hold: HoldRequest | null = null
  /** The session whose queued events ride on this response. */
  session: Session | null = null
  /** LP: a BAYEUX_BROWSER cookie to set (new browser). */
  newBrowserId: string | null = null
  /** A handshake batched with other messages: LP answers HTTP 400. */
  violation = false
  /** Sessions whose deliveries are deferred until this response is written. */
  readonly touched: Session[] = []
  /** Tombstones to forget once this response is written. */
  readonly forget: Session[] = []

  constructor(readonly origin: Origin) {}
}
