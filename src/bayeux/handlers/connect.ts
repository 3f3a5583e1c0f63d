// /meta/connect (Bayeux 1.0, connect): when it is held, for how long, and with what advice
// (src/bayeux/README.md, "Held connects", "Connect advice", multiple-clients).

import type { EngineApi } from '../engine/api.ts'
import type { Exchange } from '../engine/exchange.ts'
import type { InMessage, Reply } from '../protocol/messages.ts'
import { LONG_POLLING, META_CONNECT, isObject, replyTo } from '../protocol/messages.ts'
import { BayeuxError } from '../protocol/errors.ts'
import { ackOf } from '../extensions/ack.ts'

/** Unknown session → 402 and `reconnect:"handshake"`. */
export function unknownSession(r: Reply): Reply {
  r.successful = false
  r.error = BayeuxError.sessionUnknown()
  r.advice = { reconnect: 'handshake', interval: 0 }
  return r
}

function numberField(o: unknown, key: string): number | undefined {
  if (!isObject(o)) return undefined
  const v = o[key]
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined
}

export function handleConnect(engine: EngineApi, ex: Exchange, m: InMessage, alone: boolean): void {
  const r = replyTo(m, META_CONNECT)
  // Several connects in one request: each is answered (Bayeux 1.0: every message gets its
  // reply); the last one is the request's connect, written last.
  if (ex.connect) ex.replies.push(ex.connect)
  ex.connect = r
  const s = engine.resolve(ex, m)
  if (!s) {
    unknownSession(r)
    return
  }
  ex.connectSession = s
  ex.session = s
  if (s.terminated) {
    // A server-side disconnect this client has not seen yet.
    engine.applyTermination(s, r)
    ex.forget.push(s)
    return
  }

  const acked = s.ack ? ackOf(m.ext) : undefined
  if (acked !== undefined) {
    engine.acknowledge(s, acked)
  } else if (engine.durable) {
    // Without the ack extension a long-polling connect is sent once the previous connect
    // reply has arrived: what that reply carried is received (a websocket counts what was sent).
    const position = s.ack ? 0 : ex.origin.type === LONG_POLLING ? s.repliedPosition : s.position
    engine.durable.keeper.acknowledged(s.id, position)
  }
  const tsync = isObject(m.ext) ? m.ext.timesync : undefined
  if (isObject(tsync) && typeof tsync.tc === 'number') {
    // TimeSyncExtension: tc echoed, ts = server receive time, p = hold time.
    r.ext = { timesync: { tc: tsync.tc, ts: Date.now(), p: 0, a: 0 } }
  }

  const first = !s.connected
  s.connected = true
  if (s.held) engine.supersede(s) // one outstanding connect per session
  r.successful = true
  r.advice = engine.advice()

  // The client's advice on this connect is honoured (timeout 0 = answer now), up to
  // COMETD_MAX_CLIENT_TIMEOUT: a held connect keeps its session from expiring, and timers take
  // at most 2^31-1 ms.
  const asked = numberField(m.advice, 'timeout')
  const timeout =
    asked === undefined
      ? engine.config.timeout
      : Math.min(asked, Math.max(engine.config.maxClientTimeout, engine.config.timeout))
  s.advisedInterval = 0
  let hold = !first && alone && s.pending === 0 && timeout > 0 && !engine.closing // never the first, never with other messages or pending events

  let browserKey: string | null = null
  if (ex.origin.type === LONG_POLLING && s.browserId !== null) {
    browserKey = s.heldKey ??= `${s.browserId}|${s.principal.userId}` // built once per session
    const max = engine.config.maxSessionsPerBrowser
    if (
      hold &&
      max >= 0 &&
      engine.heldFor(browserKey) + engine.heldElsewhere(browserKey, s.id) >= max
    ) {
      // multiple-clients (CometD's rule): not held, poll at multiSessionInterval.
      hold = false
      const interval = engine.config.multiSessionInterval
      if (interval > 0) {
        r.advice = { ...r.advice, 'multiple-clients': true, interval }
        s.advisedInterval = interval // it must not expire before it polls again
      } else {
        r.successful = false
        r.advice = { 'multiple-clients': true, reconnect: 'none', interval: 0 }
      }
    }
  }
  if (hold) ex.hold = { session: s, reply: r, timeout, browserKey }
}
