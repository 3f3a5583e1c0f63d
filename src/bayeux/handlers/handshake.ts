// /meta/handshake (Bayeux 1.0, handshake): an authenticated caller gets a new session with an
// unguessable clientId; limits and refusals as in src/bayeux/README.md ("Authentication", "Limits").

import type { EngineApi } from '../engine/api.ts'
import type { Exchange } from '../engine/exchange.ts'
import type { InMessage, Reply } from '../protocol/messages.ts'
import { BAYEUX_VERSION, LONG_POLLING, META_HANDSHAKE, replyTo } from '../protocol/messages.ts'
import { BayeuxError, HandshakeRefused } from '../protocol/errors.ts'
import { newId } from '../engine/random-id.ts'
import { wantsAck } from '../extensions/ack.ts'
import { replayOf } from '../extensions/replay.ts'
import { recordOf } from '../engine/durable.ts'
import { ReplayRefused, SessionLimitReached } from '../engine/keeper.ts'
import type { BayeuxPrincipal } from '../engine/options.ts'

function fail(r: Reply, error: string, advice: Reply['advice']): void {
  r.successful = false
  r.error = error
  r.advice = advice
}

export async function handleHandshake(
  engine: EngineApi,
  ex: Exchange,
  m: InMessage,
): Promise<void> {
  const r = replyTo(m, META_HANDSHAKE)
  ex.handshake = r
  const none = { reconnect: 'none' as const, interval: 0 }
  if (engine.closing) {
    fail(r, BayeuxError.serverClosing(), {
      reconnect: 'handshake',
      interval: Math.max(1000, engine.config.interval),
    })
    return
  }
  if (typeof m.version !== 'string') return fail(r, BayeuxError.fieldMissing('version'), none)
  const types = m.supportedConnectionTypes
  if (!Array.isArray(types) || types.length === 0) {
    return fail(r, BayeuxError.fieldMissing('supportedConnectionTypes'), none)
  }
  const offered = engine.connectionTypes
  if (!offered.some((t) => types.includes(t))) {
    return fail(r, BayeuxError.connectionTypes(offered.join(',')), none)
  }

  // The caller is the HTTP request's (cookie or Basic), or the upgrade request's
  // (docs/cometd.md, "Authentication").
  let principal: BayeuxPrincipal | null
  if (ex.origin.ws) {
    principal = ex.origin.ws.principal
  } else {
    try {
      principal = await engine.authenticate(ex.origin.req)
    } catch (err) {
      if (err instanceof HandshakeRefused) {
        return fail(r, BayeuxError.handshakeRefused(err.reason), {
          reconnect: 'handshake',
          interval: err.retryAfterMs,
        })
      }
      // Not a denial: the client is told to handshake again a little later.
      engine.log.warn({ err }, 'bayeux authenticate failed')
      return fail(r, BayeuxError.authenticationUnavailable(), {
        reconnect: 'handshake',
        interval: 1000,
      })
    }
  }
  if (!principal) return fail(r, BayeuxError.handshakeUnauthenticated(), none)
  if (engine.closing) {
    return fail(r, BayeuxError.serverClosing(), { reconnect: 'handshake', interval: 1000 })
  }

  const max = engine.config.maxSessionsPerUser
  // Counted again after each eviction (concurrent handshakes may take the place meanwhile);
  // nothing is awaited between the last count and the session's opening below.
  let full = engine.sessionCount(principal.userId) >= max
  while (full && (await engine.evictUnconnected(principal.userId))) {
    full = engine.sessionCount(principal.userId) >= max
  }
  if (full) {
    engine.log.warn(
      { userId: principal.userId, max },
      'bayeux handshake refused: too many sessions',
    )
    return fail(r, BayeuxError.handshakeTooManySessions(max), none)
  }
  if (engine.closing) {
    return fail(r, BayeuxError.serverClosing(), { reconnect: 'handshake', interval: 1000 })
  }

  const replay = replayOf(m.ext)
  if (replay === 'invalid') return fail(r, BayeuxError.replayInvalid(), none)

  let browserId: string | null = null
  if (ex.origin.type === LONG_POLLING) {
    // Java behaviour: reuse the browser's BAYEUX_BROWSER cookie, set one if it has none.
    browserId = ex.origin.browserId
    if (browserId === null) browserId = ex.newBrowserId = newId()
  }
  const ack = wantsAck(m.ext)
  const s = engine.openSession(principal, ex.origin.type, browserId, ex.origin.ws, ack)
  let replayReply: Record<string, unknown> | undefined
  const durable = engine.durable
  if (durable) {
    // Registered already (the user's feed is delivered to it), but position 0 is not where it
    // starts: a delivery now would catch it up from the feed's beginning, past the replay.
    s.starting = true
    // Stored before the client learns its clientId (docs/durable-delivery.md).
    let start
    try {
      try {
        start = await durable.keeper.opened(s.id, recordOf(s), replay)
      } catch (err) {
        // The cluster's count (stored sessions of every node): a never-connected session of
        // the user here makes room, once.
        if (!(err instanceof SessionLimitReached)) throw err
        if (!(await engine.evictUnconnected(principal.userId))) throw err
        start = await durable.keeper.opened(s.id, recordOf(s), replay)
      }
    } catch (err) {
      engine.discard(s)
      if (err instanceof ReplayRefused) {
        return fail(r, BayeuxError.replayFuture(replay ?? 0), none)
      }
      if (err instanceof SessionLimitReached) {
        engine.log.warn(
          { userId: principal.userId, max: err.max },
          'bayeux handshake refused: too many sessions in the cluster',
        )
        return fail(r, BayeuxError.handshakeTooManySessions(err.max), none)
      }
      engine.log.warn({ err }, 'bayeux session could not be stored')
      return fail(r, BayeuxError.authenticationUnavailable(), {
        reconnect: 'handshake',
        interval: 1000,
      })
    }
    s.position = start.position
    s.repliedPosition = start.position
    if (replay !== undefined) {
      s.parked = start.recovered
      replayReply = { from: replay, recovered: start.recovered }
    }
    durable.started(s)
  }

  r.version = BAYEUX_VERSION
  r.minimumVersion = BAYEUX_VERSION
  r.supportedConnectionTypes = offered
  r.clientId = s.id
  r.successful = true
  r.advice = { ...engine.advice(), maxInterval: engine.config.maxInterval }
  if (ack) {
    r.ext = { ack: true } // the format every client version accepts
  }
  if (replayReply) r.ext = { ...r.ext, replay: replayReply }
  engine.log.debug(
    { clientId: s.id, userId: principal.userId, transport: ex.origin.type, ack: s.ack !== null },
    'bayeux handshake',
  )
}
