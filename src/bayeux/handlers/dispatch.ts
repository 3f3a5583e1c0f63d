// The dispatcher: runs the messages of one request, in order, through the handler of each
// message's channel. Kept apart from the engine so the engine never knows the handlers and
// the handlers see only the engine's narrow interface (engine/api.ts).

import type { EngineApi } from '../engine/api.ts'
import type { Exchange } from '../engine/exchange.ts'
import { BayeuxError } from '../protocol/errors.ts'
import type { InMessage, Reply } from '../protocol/messages.ts'
import {
  META_CONNECT,
  META_DISCONNECT,
  META_HANDSHAKE,
  META_SUBSCRIBE,
  META_UNSUBSCRIBE,
  replyTo,
  validId,
} from '../protocol/messages.ts'
import { handleHandshake } from './handshake.ts'
import { handleConnect } from './connect.ts'
import { handleSubscribe, handleUnsubscribe } from './subscribe.ts'
import { handleDisconnect } from './disconnect.ts'
import { handlePublish } from './publish.ts'

/**
 * Process every message of one request, in order (Bayeux 1.0 §1.6). Synchronous unless a
 * handler returns a promise (authenticate, service handlers): then the remaining messages
 * run after it and the returned promise settles when all are done. The common requests
 * (connect, publish, subscribe) thus cost no promise and no microtask.
 */
export function processMessages(
  engine: EngineApi,
  ex: Exchange,
  messages: InMessage[],
): Promise<void> | undefined {
  if (messages.length > 1 && messages.some((m) => m.channel === META_HANDSHAKE)) {
    // A handshake travels alone: none of the batch is processed.
    ex.violation = true
    for (const m of messages) {
      const r = replyTo(m, typeof m.channel === 'string' ? m.channel : '')
      r.successful = false
      r.error = BayeuxError.handshakeNotAlone()
      if (m.channel === META_HANDSHAKE) r.advice = { reconnect: 'none', interval: 0 }
      ex.replies.push(r)
    }
    return undefined
  }
  const alone = messages.length === 1
  for (let i = 0; i < messages.length; i++) {
    const pending = dispatch(engine, ex, messages[i] as InMessage, alone)
    if (pending) return processRest(engine, ex, messages, i + 1, alone, pending)
  }
  return undefined
}

async function processRest(
  engine: EngineApi,
  ex: Exchange,
  messages: InMessage[],
  from: number,
  alone: boolean,
  pending: Promise<void>,
): Promise<void> {
  await pending
  for (let i = from; i < messages.length; i++) {
    const next = dispatch(engine, ex, messages[i] as InMessage, alone)
    if (next) await next
  }
}

function dispatch(
  engine: EngineApi,
  ex: Exchange,
  m: InMessage,
  alone: boolean,
): Promise<void> | void {
  if (m.id !== undefined && !validId(m.id)) {
    const r: Reply = { channel: typeof m.channel === 'string' ? m.channel : '' }
    r.successful = false
    r.error = BayeuxError.messageIdInvalid()
    ex.replies.push(r)
    return
  }
  const id = m.clientId
  if (m.channel === META_HANDSHAKE || typeof id !== 'string') return route(engine, ex, m, alone)
  const held = engine.session(id)
  // A long poll without the session's cookie reaches it with its user's Basic credentials:
  // checked first (once per request), before anything resolves the session.
  const checking = held && engine.checkBasic(ex, held.browserId)
  if (checking) return checking.then(() => dispatch(engine, ex, m, alone))
  const durable = engine.durable
  // Served by another node since (cluster): the copy here is stale, the store has it.
  if (
    durable !== null &&
    (held === undefined || (durable.movedAway(ex, m, held) && engine.release(id, 'stale')))
  ) {
    // Not held here: a stored session (a restart, another node) may continue.
    return durable.restore(ex, m).then(() => restored(engine, ex, m, alone))
  }
  return route(engine, ex, m, alone)
}

/**
 * After a restore: the session may have been restored for another request of it at the same
 * time (one load is shared), so this request's Basic credentials may not be checked yet.
 */
function restored(
  engine: EngineApi,
  ex: Exchange,
  m: InMessage,
  alone: boolean,
): Promise<void> | void {
  const s = engine.session(m.clientId as string)
  const checking = s && engine.checkBasic(ex, s.browserId)
  if (checking) return checking.then(() => route(engine, ex, m, alone))
  return route(engine, ex, m, alone)
}

function route(
  engine: EngineApi,
  ex: Exchange,
  m: InMessage,
  alone: boolean,
): Promise<void> | void {
  switch (m.channel) {
    case META_CONNECT:
      return handleConnect(engine, ex, m, alone)
    case META_HANDSHAKE:
      return handleHandshake(engine, ex, m)
    case META_SUBSCRIBE:
      return handleSubscribe(engine, ex, m)
    case META_UNSUBSCRIBE:
      return handleUnsubscribe(engine, ex, m)
    case META_DISCONNECT:
      return handleDisconnect(engine, ex, m)
    default:
      if (typeof m.channel !== 'string') {
        const r = replyTo(m, '')
        r.successful = false
        r.error = BayeuxError.channelMissing()
        ex.replies.push(r)
        return
      }
      return handlePublish(engine, ex, m)
  }
}
