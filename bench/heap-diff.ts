// What the idle sessions hold on the V8 heap: self size and count per constructor, idle
// snapshot minus base snapshot (from `npm run bench -- --heap`), divided by the sessions:
//   node --import tsx bench/heap-diff.ts base.heapsnapshot idle.heapsnapshot 2000 [top N]

import { readFileSync } from 'node:fs'

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
  nodes: number[]
  strings: string[]
}

function byConstructor(file: string): Map<string, { size: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const width = fields.length
  const iType = fields.indexOf('type')
  const iName = fields.indexOf('name')
  const iSize = fields.indexOf('self_size')
  const out = new Map<string, { size: number; count: number }>()
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType] as number] as string
    const name = snap.strings[snap.nodes[i + iName] as number] as string
    const key =
      type === 'object' || type === 'closure'
        ? `${type === 'closure' ? 'closure ' : ''}${name}`
        : `(${type})`
    const e = out.get(key) ?? { size: 0, count: 0 }
    e.size += snap.nodes[i + iSize] as number
    e.count++
    out.set(key, e)
  }
  return out
}

const [baseFile, idleFile, nArg, topArg] = process.argv.slice(2)
if (!baseFile || !idleFile || !nArg) {
  console.error('usage: bench/heap-diff.ts base.heapsnapshot idle.heapsnapshot sessions [top N]')
  process.exit(2)
}
const n = Number(nArg)
const base = byConstructor(baseFile)
const idle = byConstructor(idleFile)
const rows: [string, number, number][] = []
let total = 0
for (const [k, v] of idle) {
  const b = base.get(k) ?? { size: 0, count: 0 }
  const d = v.size - b.size
  total += d
  rows.push([k, d, v.count - b.count])
}
rows.sort((a, b) => b[1] - a[1])
console.log(`heap self size per session: ${(total / n / 1024).toFixed(2)} KiB`)
for (const [k, d, c] of rows.slice(0, Number(topArg ?? 30))) {
  console.log(
    `${(d / n).toFixed(0).padStart(6)} B/session  ${(c / n).toFixed(2).padStart(6)} objects/session  ${k}`,
  )
}
