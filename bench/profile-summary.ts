// Top self-time functions of a V8 .cpuprofile (from `npm run bench -- --prof`):
//   node --import tsx bench/profile-summary.ts bench/results/prof/ours-long-polling-1.cpuprofile [N]

import { readFileSync } from 'node:fs'
import path from 'node:path'

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

const file = process.argv[2]
if (!file) {
  console.error('usage: bench/profile-summary.ts <file.cpuprofile> [top N]')
  process.exit(2)
}
const top = Number(process.argv[3] ?? 30)
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile

// Self time per node from samples and time deltas (µs).
const selfUs = new Map<number, number>()
const samples = prof.samples ?? []
const deltas = prof.timeDeltas ?? []
for (let i = 0; i < samples.length; i++) {
  const id = samples[i] as number
  const dt = deltas[i + 1] ?? 0
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
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
