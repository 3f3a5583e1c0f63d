// /meta/disconnect (Bayeux 1.0, disconnect): remove the session, release its held connect.

import type { EngineApi } from '../engine/api.ts'
import type { Exchange } from '../engine/exchange.ts'
import type { InMessage } from '../protocol/messages.ts'
import { META_DISCONNECT, replyTo } from '../protocol/messages.ts'
import { BayeuxError } from '../protocol/errors.ts'

export function handleDisconnect(
  engine: EngineApi,
  ex: Exchange,
  m: InMessage,
): Promise<void> | void {
  const r = replyTo(m, META_DISCONNECT)
  ex.replies.push(r)
  const s = engine.resolve(ex, m)
  if (!s) {
    r.successful = false
    r.error = BayeuxError.sessionUnknown()
    return
  }
  if (ex.session === s) ex.session = null // nothing more is written for it
  r.successful = true
  // Answered once the stored session is deleted: a handshake that follows the reply, on any
  // node of a cluster, finds the place it held in the per-user session limit free.
  return engine.remove(s, 'disconnect')
}
