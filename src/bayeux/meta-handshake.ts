// /meta/handshake (Bayeux §1.3; checklist 3, 4, 18; contract §5 "handshake needs an
// authenticated caller").

import { randomBytes } from 'node:crypto'
import type { Core } from './core.ts'
import type { Exchange } from './exchange.ts'
import type { InMessage, Reply } from './protocol.ts'
import { BAYEUX_VERSION, LONG_POLLING, META_HANDSHAKE, replyTo } from './protocol.ts'
import { BayeuxError, HandshakeRefused } from './errors.ts'
import { Session } from './session.ts'
import { AckQueue, wantsAck } from './ack.ts'
import type { BayeuxPrincipal } from './types.ts'

/** 160 random bits, hex: alphanumeric and unguessable (digest §1.9). */
export function newId(): string {
  return randomBytes(20).toString('hex')
}

function fail(r: Reply, error: string, advice: Reply['advice']): void {
  r.successful = false
  r.error = error
  r.advice = advice
}

export async function handleHandshake(core: Core, ex: Exchange, m: InMessage): Promise<void> {
  const r = replyTo(m, META_HANDSHAKE)
  ex.handshake = r
  const none = { reconnect: 'none' as const, interval: 0 }
  if (core.closing) {
    fail(r, BayeuxError.serverClosing(), {
      reconnect: 'handshake',
      interval: Math.max(1000, core.config.interval),
    })
    return
  }
  if (typeof m.version !== 'string') return fail(r, BayeuxError.fieldMissing('version'), none)
  const types = m.supportedConnectionTypes
  if (!Array.isArray(types) || types.length === 0) {
    return fail(r, BayeuxError.fieldMissing('supportedConnectionTypes'), none)
  }
  const offered = core.connectionTypes
  if (!offered.some((t) => types.includes(t))) {
    return fail(r, BayeuxError.connectionTypes(offered.join(',')), none)
  }

  // Contract §5: the caller is the HTTP request's (cookie or Basic), or the upgrade request's.
  let principal: BayeuxPrincipal | null
  if (ex.origin.ws) {
    principal = ex.origin.ws.principal
  } else {
    try {
      principal = await core.authenticate(ex.origin.req)
    } catch (err) {
      if (err instanceof HandshakeRefused) {
        return fail(r, BayeuxError.handshakeRefused(err.reason), {
          reconnect: 'handshake',
          interval: err.retryAfterMs,
        })
      }
      // Not a denial: the client is told to handshake again a little later.
      core.log.warn({ err }, 'bayeux authenticate failed')
      return fail(r, BayeuxError.authenticationUnavailable(), {
        reconnect: 'handshake',
        interval: 1000,
      })
    }
  }
  if (!principal) return fail(r, BayeuxError.handshakeUnauthenticated(), none)
  if (core.closing) {
    return fail(r, BayeuxError.serverClosing(), { reconnect: 'handshake', interval: 1000 })
  }

  const max = core.config.maxSessionsPerUser
  if ((core.registry.ofUser(principal.userId)?.size ?? 0) >= max) {
    core.log.warn({ userId: principal.userId, max }, 'bayeux handshake refused: too many sessions')
    return fail(r, BayeuxError.handshakeTooManySessions(max), none)
  }

  let browserId: string | null = null
  if (ex.origin.type === LONG_POLLING) {
    // Java behaviour: reuse the browser's BAYEUX_BROWSER cookie, set one if it has none.
    browserId = ex.origin.browserId
    if (browserId === null) browserId = ex.newBrowserId = newId()
  }
  const s = new Session(
    newId(),
    principal,
    ex.origin.type,
    browserId,
    ex.origin.ws,
    core.expiryFrom(Date.now()),
  )
  core.registry.add(s)
  core.counters.handshakes++

  r.version = BAYEUX_VERSION
  r.minimumVersion = BAYEUX_VERSION
  r.supportedConnectionTypes = offered
  r.clientId = s.id
  r.successful = true
  r.advice = { ...core.advice(), maxInterval: core.config.maxInterval }
  if (wantsAck(m.ext)) {
    s.ack = new AckQueue()
    r.ext = { ack: true } // digest §1.10, the format every client version accepts
  }
  core.log.debug(
    { clientId: s.id, userId: principal.userId, transport: ex.origin.type, ack: s.ack !== null },
    'bayeux handshake',
  )
}
