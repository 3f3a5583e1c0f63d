// /meta/disconnect (Bayeux §1.3; checklist 17): remove the session, release its held connect.

import type { Core } from './core.ts'
import type { Exchange } from './exchange.ts'
import type { InMessage } from './protocol.ts'
import { META_DISCONNECT, replyTo } from './protocol.ts'
import { BayeuxError } from './errors.ts'

export function handleDisconnect(core: Core, ex: Exchange, m: InMessage): void {
  const r = replyTo(m, META_DISCONNECT)
  ex.replies.push(r)
  const s = core.resolve(ex, m)
  if (!s) {
    r.successful = false
    r.error = BayeuxError.sessionUnknown()
    return
  }
  if (ex.session === s) ex.session = null // nothing more is written for it
  core.remove(s, 'disconnect')
  r.successful = true
}
