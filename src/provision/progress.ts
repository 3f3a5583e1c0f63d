// Progress of the password step of provisioning (the only slow one): count, rate and ETA,
// handed to a reporter at most every `everyMs`, and always once at the end.

import { performance } from 'node:perf_hooks'

export interface ProgressSnapshot {
  done: number
  total: number
  elapsedMs: number
  /** Passwords settled per second since the step began. */
  perSecond: number
  /** Seconds left at that rate; undefined before anything is known. */
  etaSeconds: number | undefined
}

export interface ProgressReporter {
  /** Feed every step; forwards a snapshot when `everyMs` has passed since the last one. */
  update(done: number, total: number): void
  /** The last snapshot, forwarded whatever the time (once). */
  finish(): ProgressSnapshot | undefined
}

export function progressReporter(
  everyMs: number,
  emit: (s: ProgressSnapshot, final: boolean) => void,
  clock: () => number = () => performance.now(),
): ProgressReporter {
  const started = clock()
  let last = started
  let latest: { done: number; total: number } | undefined
  let finished = false
  const snapshot = (): ProgressSnapshot | undefined => {
    if (!latest) return undefined
    const elapsedMs = clock() - started
    const perSecond = elapsedMs > 0 ? (latest.done * 1000) / elapsedMs : 0
    const left = latest.total - latest.done
    return {
      ...latest,
      elapsedMs,
      perSecond,
      etaSeconds: left === 0 ? 0 : perSecond > 0 ? left / perSecond : undefined,
    }
  }
  return {
    update(done, total) {
      latest = { done, total }
      const now = clock()
      if (!finished && now - last >= everyMs) {
        last = now
        emit(snapshot() as ProgressSnapshot, false)
      }
    },
    finish() {
      const s = snapshot()
      if (s && !finished) emit(s, true)
      finished = true
      return s
    },
  }
}

/** `passwords 1234/10000 (12%)  215/s  ETA 41s` */
export function formatProgress(s: ProgressSnapshot): string {
  const pct = s.total === 0 ? 100 : Math.floor((s.done * 100) / s.total)
  const eta = s.etaSeconds === undefined ? '?' : formatSeconds(s.etaSeconds)
  return `passwords ${s.done}/${s.total} (${pct}%)  ${Math.round(s.perSecond)}/s  ETA ${eta}`
}

function formatSeconds(sec: number): string {
  const s = Math.ceil(sec)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
