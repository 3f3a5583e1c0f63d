// Renders the benchmark rows as markdown: one table per transport with ratios to the best
// peer, then the targets checked against the measurements: deliveries/s at least 1.5× the best
// peer's on each transport, p99 no worse than the best peer's, under 10 KiB heap per idle session.

import type { ServerKind, Transport } from './protocol.ts'
import { isPeer } from './protocol.ts'

export interface Row {
  kind: ServerKind
  transport: Transport
  sessions: number
  failedSessions: number
  deliveriesPerS: number
  p50: number
  p99: number
  sent: number
  lost: number
  duplicates: number
  sendErrors: number
  rehandshakes: number
  connectErrors: number
  wsClosed: number
  heapPerSessionKiB: number
  rssPerSessionKiB: number
  /** Fraction of one core over the measured window. */
  serverCpu: number
  genCpu: number[]
  /** Cores used by other processes on the machine during the window. */
  otherCpu: number
  /** Server CPU time per delivery in the window, µs (robust to other load on the machine). */
  serverUsPerDelivery: number
  /** Attempts needed for this round (a run disturbed by other processes is repeated). */
  attempts: number
  /** deliveries/s of every round of this (server, transport), when several were run. */
  roundsDeliveriesPerS?: number[]
  /** Ms of the fixed calibration workload just before the run (host speed). */
  calibrationMs: number
  round: number
  /** Ours only: deliveries/s and p99 over those of the best peer of the same round. */
  pairedDeliveryRatios?: number[]
  pairedP99Ratios?: number[]
  /** Ours only: deliveries/s and server CPU per delivery over those of `base` in the same round. */
  pairedBaseRatios?: number[]
  pairedBaseCpuRatios?: number[]
  /** `app`: store commits in the window per operation answered in it (SQLite group commit). */
  commitsPerOp?: number
}

export interface ReportMeta {
  command: string
  opts: {
    sessions: number
    senders: number
    durationS: number
    warmupS: number
    genProcs: number
    rounds: number
    pin: [string, string] | null
  }
  machine: string
  date: string
  code: string
}

const NAMES: Record<ServerKind, string> = {
  ours: 'this server',
  faye: 'faye 1.4.3',
  cometd: 'cometd-nodejs-server 1.2.1',
  floor: 'floor (diagnostic: minimal node:http long-polling, not a peer)',
  base: 'this server at the base checkout (BENCH_BASE_DIR, not a peer)',
  app: 'this server, full round trip (REST → store → CometD)',
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const f = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const ratio = (n: number, best: number): string =>
  Number.isFinite(n) && Number.isFinite(best) && best > 0 ? `${(n / best).toFixed(2)}×` : 'n/a'
const pct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : 'n/a')

interface Best {
  deliveries: number
  p50: number
  p99: number
  heap: number
  rss: number
  usPerDelivery: number
}

function bestPeer(rows: Row[]): Best | undefined {
  const peers = rows.filter((r) => isPeer(r.kind))
  if (peers.length === 0) return undefined
  return {
    deliveries: Math.max(...peers.map((r) => r.deliveriesPerS)),
    p50: Math.min(...peers.map((r) => r.p50)),
    p99: Math.min(...peers.map((r) => r.p99)),
    heap: Math.min(...peers.map((r) => r.heapPerSessionKiB)),
    rss: Math.min(...peers.map((r) => r.rssPerSessionKiB)),
    usPerDelivery: Math.min(...peers.map((r) => r.serverUsPerDelivery)),
  }
}

export function renderReport(rows: Row[], meta: ReportMeta): string {
  const out: string[] = []
  const o = meta.opts
  out.push(`Command: \`${meta.command}\``)
  out.push('')
  out.push(
    `Load: ${o.sessions} sessions (one per user), ${o.senders} concurrent senders, ` +
      `${o.warmupS} s warm-up then ${o.durationS} s measured, ${o.genProcs} generator process(es), ` +
      `${o.rounds} round(s) per server and transport (rounds interleaved, odd rounds in the listed ` +
      `order and even rounds reversed; the round with the median deliveries/s is reported). ` +
      (o.pin
        ? `Every server pinned to CPU ${o.pin[0]}, the generators to CPU ${o.pin[1]} (taskset). `
        : 'Processes not pinned. ') +
      `Machine: ${meta.machine}. Run: ${meta.date}, ${meta.code}.`,
  )
  const transports = [...new Set(rows.map((r) => r.transport))]
  for (const t of transports) {
    const tr = rows.filter((r) => r.transport === t)
    const best = bestPeer(tr)
    out.push('')
    out.push(`### ${t}`)
    out.push('')
    out.push(
      '| server | deliveries/s | × best peer | p50 ms | × best peer | p99 ms | × best peer | ' +
        'lost / sent | KiB heap per idle session | × best peer | KiB RSS per idle session |',
    )
    out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|')
    for (const r of tr) {
      out.push(
        `| ${NAMES[r.kind]} | ${f(r.deliveriesPerS, 0)} | ${ratio(r.deliveriesPerS, best?.deliveries ?? NaN)} ` +
          `| ${f(r.p50, 2)} | ${ratio(r.p50, best?.p50 ?? NaN)} ` +
          `| ${f(r.p99, 2)} | ${ratio(r.p99, best?.p99 ?? NaN)} ` +
          `| ${r.lost} / ${r.sent} ` +
          `| ${f(r.heapPerSessionKiB, 2)} | ${ratio(r.heapPerSessionKiB, best?.heap ?? NaN)} ` +
          `| ${f(r.rssPerSessionKiB, 2)} |`,
      )
    }
    out.push('')
    out.push(
      '| server | deliveries/s in each round | server CPU µs per delivery | × best peer | ' +
        'CPU during the reported window: server | generator | other processes | calibration ms |',
    )
    out.push('|---|---|--:|--:|--:|--:|--:|--:|')
    for (const r of tr) {
      out.push(
        `| ${NAMES[r.kind]} | ${(r.roundsDeliveriesPerS ?? [r.deliveriesPerS]).map((d) => f(d, 0)).join(', ')} ` +
          `| ${f(r.serverUsPerDelivery, 1)} | ${ratio(r.serverUsPerDelivery, best?.usPerDelivery ?? NaN)} ` +
          `| ${pct(r.serverCpu)} | ${r.genCpu.map(pct).join(' + ')} | ${pct(r.otherCpu)} ` +
          `| ${f(r.calibrationMs, 0)} |`,
      )
    }
    const list = (xs: number[]): string =>
      `${xs.map((x) => x.toFixed(2)).join(', ')} (median ${median(xs).toFixed(2)})`
    for (const r of tr) {
      if (r.pairedDeliveryRatios?.length && r.pairedP99Ratios) {
        out.push('')
        out.push(
          `Paired with the best peer of the same round, ${NAMES[r.kind]}: deliveries/s ` +
            `${list(r.pairedDeliveryRatios)}×, p99 ${list(r.pairedP99Ratios)}×.`,
        )
      }
      if (r.commitsPerOp !== undefined) {
        out.push('')
        out.push(
          `${NAMES[r.kind]}: ${f(r.commitsPerOp, 3)} store commits (fsync'd SQLite transactions) ` +
            'per operation in the reported window.',
        )
      }
      if (r.pairedBaseRatios?.length) {
        out.push('')
        out.push(
          `Paired with the base checkout in the same round: deliveries/s ${list(r.pairedBaseRatios)}×, ` +
            `server CPU per delivery ${list(r.pairedBaseCpuRatios ?? [])}×.`,
        )
      }
    }
    if (t === 'websocket' && rows.some((r) => r.kind === 'cometd')) {
      out.push('')
      out.push('cometd-nodejs-server 1.2 has no websocket transport: not measured on websocket.')
    }
    const notes = tr
      .filter(
        (r) =>
          r.failedSessions ||
          r.duplicates ||
          r.sendErrors ||
          r.rehandshakes ||
          r.connectErrors ||
          r.wsClosed ||
          r.sessions !== o.sessions,
      )
      .map(
        (r) =>
          `${NAMES[r.kind]}: ${r.sessions} sessions up, ${r.failedSessions} failed to open, ` +
          `${r.duplicates} duplicates, ${r.sendErrors} deliver errors, ${r.rehandshakes} re-handshakes, ` +
          `${r.connectErrors} failed connects, ${r.wsClosed} websockets closed by the server`,
      )
    if (notes.length) {
      out.push('')
      for (const n of notes) out.push(`- ${n}`)
    }
  }

  const ours = rows.filter((r) => r.kind === 'ours')
  if (ours.length) {
    out.push('')
    out.push('### Targets')
    out.push('')
    out.push(
      '| transport | deliveries/s ≥ 1.5× best peer | p99 ≤ best peer | < 10 KiB heap per idle session |',
    )
    out.push('|---|---|---|---|')
    // Judged on the tables above (median rounds); the paired per-round medians are shown too.
    for (const r of ours) {
      const best = bestPeer(rows.filter((x) => x.transport === r.transport))
      const paired = (xs: number[] | undefined): string =>
        xs?.length ? `; paired median ${median(xs).toFixed(2)}×` : ''
      const mark = (ok: boolean | undefined, text: string): string =>
        ok === undefined ? 'no peer measured' : `${ok ? 'met' : 'NOT met'} (${text})`
      out.push(
        `| ${r.transport} | ${mark(best && r.deliveriesPerS >= 1.5 * best.deliveries, ratio(r.deliveriesPerS, best?.deliveries ?? NaN) + paired(r.pairedDeliveryRatios))} ` +
          `| ${mark(best && r.p99 <= best.p99, ratio(r.p99, best?.p99 ?? NaN) + paired(r.pairedP99Ratios))} ` +
          `| ${r.heapPerSessionKiB < 10 ? 'met' : 'NOT met'} (${f(r.heapPerSessionKiB, 2)} KiB) |`,
      )
    }
  }
  out.push('')
  out.push(
    'deliveries/s = messages received by the sessions during the measured window / its length. ' +
      'Latency = receive time − send time (taken just before the deliver POST), for the messages ' +
      'sent inside the window. lost = deliver POSTs answered 2xx whose message never reached its ' +
      'session (10 s drain). KiB per idle session = (memory with N idle sessions − memory with none) / N, ' +
      'both after forced GC, the baseline taken after a warm-up (200 throw-away sessions, 1 s of ' +
      'deliveries, /meta/disconnect); heap = V8 heapUsed + external. CPU = share of one core during the window ' +
      '(other processes = whole machine from /proc/stat minus the server and the generator; the ' +
      'machine is shared, so a run where they used more than half a core is repeated, at most ' +
      'twice, and the least disturbed attempt is kept). Server CPU µs per delivery = server CPU ' +
      'time in the window / deliveries in the window. Calibration = ms of a fixed JSON workload in ' +
      'the parent just before the run: the host (a VM) changes speed over minutes, so compare ' +
      'rows of similar calibration, or the paired ratios.',
  )
  if (rows.some((r) => r.kind === 'app')) {
    out.push('')
    out.push(
      'Full round trip row: this server as the real application (bench/app.ts: src/app.ts, ' +
        `${o.sessions} provisioned agents, SQLite with \`full\` durability (the WAL fsync'd before answering), group commit and the ` +
        'notification log on). Each sender POSTs Subscribe or Unsubscribe (alternately) on a ' +
        "random agent's own workbin with that agent's JSESSIONID (the agents logged in with " +
        'Basic first); a delivery is the WorkbinSubscriptionStateChangeMessage carrying the ' +
        "answered referenceId at that agent's session, latency from just before the POST to " +
        'its arrival, lost = answered operations whose message never arrived. The peers in the ' +
        'same table do the CometD-only delivery (POST /deliver, in memory, no auth): the ratio ' +
        'shows what the whole application costs against a bare CometD server.',
    )
    // bench/app.ts applies these over its defaults: a run with any of them is not the default.
    const settings = Object.entries(process.env).filter(([k]) => k.startsWith('WORKBINS_'))
    if (settings.length > 0) {
      out.push('')
      out.push(
        `Settings from the environment (not the defaults): ${settings.map(([k, v]) => `\`${k}=${v}\``).join(', ')}.`,
      )
    }
  }
  return out.join('\n') + '\n'
}
