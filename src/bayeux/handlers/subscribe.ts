// /meta/subscribe and /meta/unsubscribe (Bayeux 1.0, subscribe); which channels a client may
// subscribe to: src/bayeux/README.md, "Channels".

import type { EngineApi } from '../engine/api.ts'
import type { Exchange } from '../engine/exchange.ts'
import type { InMessage, Reply } from '../protocol/messages.ts'
import { META_SUBSCRIBE, META_UNSUBSCRIBE, replyTo } from '../protocol/messages.ts'
import { BayeuxError } from '../protocol/errors.ts'
import { channelTooLong, mayClientSubscribe, parseChannel } from '../protocol/channels.ts'
import type { Session } from '../engine/session.ts'
import { recordOf } from '../engine/durable.ts'

function failed(r: Reply, error: string): void {
  r.successful = false
  r.error = error
}

/** The names of a subscription field (string or array, echoed as received). */
function namesOf(sub: unknown): string[] | null {
  if (typeof sub === 'string') return [sub]
  if (Array.isArray(sub) && sub.length > 0 && sub.every((x) => typeof x === 'string')) {
    return sub as string[]
  }
  return null
}

/** Store the session's new subscriptions before the reply is written (durable sessions). */
function persist(engine: EngineApi, s: Session, r: Reply): Promise<void> | void {
  const durable = engine.durable
  if (!durable) return
  return durable.keeper.changed(s.id, recordOf(s), s.position).catch((err: unknown) => {
    engine.log.warn({ err, clientId: s.id }, 'bayeux subscriptions could not be stored')
    r.successful = false
    r.error = BayeuxError.storeUnavailable()
  })
}

export function handleSubscribe(
  engine: EngineApi,
  ex: Exchange,
  m: InMessage,
): Promise<void> | void {
  const r = replyTo(m, META_SUBSCRIBE)
  r.subscription = m.subscription // echoed in the shape received (string or array)
  ex.replies.push(r)
  const s = engine.resolve(ex, m)
  if (!s || s.terminated) return failed(r, BayeuxError.sessionUnknown())
  ex.session ??= s
  if (m.subscription === undefined) return failed(r, BayeuxError.subscriptionMissing())
  const names = namesOf(m.subscription)
  if (!names) return failed(r, BayeuxError.subscriptionInvalid())

  // Validate everything first: an array either succeeds whole or changes nothing.
  const maxLength = engine.config.maxChannelLength
  if (names.some((name) => channelTooLong(name, maxLength))) {
    engine.log.debug({ clientId: s.id, maxLength }, 'bayeux subscription name too long')
    return failed(r, BayeuxError.subscriptionTooLong(maxLength))
  }
  const toAdd: string[] = []
  for (const name of names) {
    const p = parseChannel(name)
    if (!p) return failed(r, BayeuxError.subscriptionInvalid())
    if (p.kind === 'meta') return failed(r, BayeuxError.subscribeDenied('meta_channel'))
    if (p.kind === 'service') continue // successful no-op, not recorded
    if (!mayClientSubscribe(name)) return failed(r, BayeuxError.subscribeDenied('other_user'))
    if (!s.subscriptions.has(name) && !toAdd.includes(name)) toAdd.push(name)
  }
  const max = engine.config.maxSubscriptionsPerSession
  if (s.subscriptions.size + toAdd.length > max) {
    engine.log.warn(
      { clientId: s.id, userId: s.principal.userId, max },
      'bayeux subscription limit',
    )
    return failed(r, BayeuxError.tooManySubscriptions(max))
  }
  for (const name of toAdd) engine.subscribe(s, name)
  r.successful = true
  if (toAdd.length > 0) return persist(engine, s, r)
}

export function handleUnsubscribe(
  engine: EngineApi,
  ex: Exchange,
  m: InMessage,
): Promise<void> | void {
  const r = replyTo(m, META_UNSUBSCRIBE)
  r.subscription = m.subscription
  ex.replies.push(r)
  const s = engine.resolve(ex, m)
  if (!s || s.terminated) return failed(r, BayeuxError.sessionUnknown())
  ex.session ??= s
  if (m.subscription === undefined) return failed(r, BayeuxError.subscriptionMissing())
  const names = namesOf(m.subscription)
  if (!names || names.some((n) => parseChannel(n) === null)) {
    return failed(r, BayeuxError.subscriptionInvalid())
  }
  const before = s.subscriptions.size
  for (const name of names) engine.unsubscribe(s, name)
  r.successful = true
  if (s.subscriptions.size !== before) return persist(engine, s, r)
}
