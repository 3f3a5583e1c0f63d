// Top self-time functions of a V8 .cpuprofile (from `npm run bench -- --prof`):
//   node --import tsx bench/profile-summary.ts FILE.cpuprofile [N] [--timeline] [--from S --to S]
// A profile covers the whole server run, start and session setup included. `--timeline` prints
// the busy milliseconds of each second; `--from` / `--to` (seconds since the profile began)
// keep only the samples of a window, e.g. the measured load, so shares are per operation.

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

interface Profile {
  nodes: Node[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    timeline: { type: 'boolean', default: false },
    from: { type: 'string' },
    to: { type: 'string' },
  },
})
const file = positionals[0]
if (!file) {
  console.error(
    'usage: bench/profile-summary.ts <file.cpuprofile> [top N] [--timeline] [--from S --to S]',
  )
  process.exit(2)
}
const top = Number(positionals[1] ?? 30)
const fromUs = values.from === undefined ? -Infinity : Number(values.from) * 1e6
const toUs = values.to === undefined ? Infinity : Number(values.to) * 1e6
if (Number.isNaN(fromUs) || Number.isNaN(toUs) || fromUs >= toUs) {
  console.error('--from and --to are seconds since the profile began, --from below --to')
  process.exit(2)
}
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile
const idleIds = new Set(
  prof.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
)

// Self time per node from samples and time deltas (µs), inside the window; busy time per second.
const selfUs = new Map<number, number>()
const busyPerSecond: number[] = []
const samples = prof.samples ?? []
const deltas = prof.timeDeltas ?? []
let at = 0
for (let i = 0; i < samples.length; i++) {
  at += deltas[i] ?? 0
  const id = samples[i] as number
  const dt = deltas[i + 1] ?? 0
  if (!idleIds.has(id)) {
    const sec = Math.floor(at / 1e6)
    busyPerSecond[sec] = (busyPerSecond[sec] ?? 0) + dt
  }
  if (at < fromUs || at > toUs) continue
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
}
if (values.timeline) {
  console.log('busy ms in each second since the profile began:')
  console.log(
    Array.from(busyPerSecond, (us, sec) => `${sec}:${Math.round((us ?? 0) / 1000)}`).join(' '),
  )
}
const byFrame = new Map<string, number>()
let total = 0
for (const n of prof.nodes) {
  const us = selfUs.get(n.id) ?? 0
  total += us
  const cf = n.callFrame
  const where = cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : ''
  const key = `${cf.functionName || '(anonymous)'} ${where}`.trim()
  byFrame.set(key, (byFrame.get(key) ?? 0) + us)
}
// Self time by origin: kernel socket writes, GC, Node internals, each library, our code.
const WRITES = new Set([
  'writev',
  'writeLatin1String',
  'writeUtf8String',
  'writeBuffer',
  'writeAsciiString',
])
function category(n: Node): string {
  const { functionName: fn, url } = n.callFrame
  if (fn === '(idle)' || fn === '(garbage collector)' || fn === '(program)') return fn
  if (WRITES.has(fn)) return 'socket write syscalls'
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m) return `npm: ${m[1]}`
  if (url.includes('/src/')) return `src/${url.split('/src/')[1]?.split('/')[0] ?? ''}`
  if (url.includes('/bench/')) return 'bench (deliver endpoint)'
  return 'node internals / natives'
}
const byCat = new Map<string, number>()
for (const n of prof.nodes) {
  const c = category(n)
  byCat.set(c, (byCat.get(c) ?? 0) + (selfUs.get(n.id) ?? 0))
}
const idle = byFrame.get('(idle)') ?? 0
console.log(
  `${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled, ${((100 * idle) / total).toFixed(1)}% idle`,
)
const busy = total - idle
console.log('self time by origin (share of non-idle time):')
for (const [k, us] of [...byCat.entries()].sort((a, b) => b[1] - a[1])) {
  if (k === '(idle)') continue
  console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`)
}
console.log('top functions by self time (share of all samples):')
const rows = [...byFrame.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
for (const [k, us] of rows) {
  console.log(
    `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`,
  )
}
