// Small measurements the benchmarks share: a process's CPU time from /proc and percentiles.

import { readFile } from 'node:fs/promises'

/** User + system CPU time of a process so far, in µs (Linux /proc, 100 Hz ticks). */
export async function cpuOf(pid: number): Promise<number> {
  const s = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  return (Number(s[11]) + Number(s[12])) * 10_000
}

/** The p-quantile (0..1) of xs, NaN when empty. */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) : NaN
}
