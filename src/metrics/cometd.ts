// CometD metrics, read at scrape time from one snapshot of the Bayeux server's counters
// (`BayeuxServer.stats()`): nothing is counted on the delivery path for them. Gauges are the
// current values; the *_total counters are the server's own cumulative counts since start.

import { Gauge } from 'prom-client'
import { runningTotal, type Metrics } from './registry.ts'

type Stats = Readonly<Record<string, number>>

const GAUGES = {
  sessions: ['workbins_cometd_sessions', 'Live CometD sessions'],
  heldConnects: ['workbins_cometd_held_connects', 'Long polls (/meta/connect) held open now'],
  websockets: ['workbins_cometd_websockets', 'Open CometD websocket connections'],
  websocketSessions: [
    'workbins_cometd_websocket_sessions',
    'CometD sessions bound to open websockets',
  ],
  websocketFramesWaiting: [
    'workbins_cometd_websocket_frames_waiting',
    'Websocket frames received and not processed yet (a socket stops being read at 64)',
  ],
  queuedMessages: [
    'workbins_cometd_queued_messages',
    'Messages waiting in session queues for a connect or a drained socket',
  ],
  subscriptions: ['workbins_cometd_subscriptions', 'Channel subscriptions of live sessions'],
} as const

const COUNTERS = {
  handshakes: ['workbins_cometd_handshakes_total', 'Successful CometD handshakes'],
  deliveredTotal: [
    'workbins_cometd_deliveries_total',
    'Messages handed to a transport (long-poll reply or websocket frame) for a session',
  ],
  expiredTotal: [
    'workbins_cometd_session_expiries_total',
    'Sessions removed because no connect came within the max interval',
  ],
  terminatedTotal: [
    'workbins_cometd_session_terminations_total',
    'Sessions ended by the server (logout, changed password, queue over its limits)',
  ],
  websocketIdleClosedTotal: [
    'workbins_cometd_websocket_idle_closes_total',
    'Websockets closed for having no CometD session for COMETD_WS_IDLE_TIMEOUT',
  ],
  websocketUserLimitRefusedTotal: [
    'workbins_cometd_websocket_user_limit_refusals_total',
    'Websocket upgrades refused (429) because the user had COMETD_MAX_WEBSOCKETS_PER_USER open',
  ],
} as const

export function cometdMetrics(metrics: Metrics, stats: () => Stats): void {
  let snapshot: Stats = {}
  metrics.beforeScrape(() => {
    snapshot = stats()
  })
  const read = (key: string) => snapshot[key] ?? 0
  const registers = [metrics.registry]
  for (const [key, [name, help]] of Object.entries(GAUGES)) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(key))
      },
    })
  }
  for (const [key, [name, help]] of Object.entries(COUNTERS)) {
    runningTotal(metrics, name, help, () => read(key))
  }
}
