// `npm run bench:scale`: the whole scale suite in one command, one results file
// (bench/README.md "Scale"). Runs, one after the other, each as its own process:
//   1. bench/scale.ts    RequestAgentStats, first page, whole content and its loop;
//   2. bench/fanout.ts   one reply fanned out to 1,000 and 3,000 live subscribers, beside faye,
//                        in a closed loop, then paced (--interval 250);
//   3. bench/durable.ts  --offline-only: put + pull with 0 and N offline subscribers.
//
//   npm run bench:scale [-- --quick] [--out FILE]
//
// --quick: a smoke run of about a minute (small contact center, 100/300 subscribers, short
// phases). Default output: bench/results/scale.md (quick: bench/results/scale-quick.md).

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

const here = import.meta.dirname
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
})
const QUICK = values.quick === true
const out = values.out ?? path.join(here, 'results', QUICK ? 'scale-quick.md' : 'scale.md')

interface Part {
  name: string
  script: string
  args: string[]
}

const parts: Part[] = [
  { name: 'stats, paging, whole content', script: 'scale.ts', args: QUICK ? ['--quick'] : [] },
  { name: 'fan-out', script: 'fanout.ts', args: QUICK ? ['--quick'] : [] },
  // Paced: one operation's fan-out without the closed loop's queue (bench/fanout.ts --interval).
  {
    name: 'fan-out, paced',
    script: 'fanout.ts',
    args: QUICK ? ['--quick', '--interval', '200'] : ['--interval', '250'],
  },
  {
    name: 'offline subscribers',
    script: 'durable.ts',
    args: ['--offline-only', '--offline', QUICK ? '300' : '3000', '--duration', QUICK ? '2' : '6'],
  },
]

function run(part: Part, file: string): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, part.script), ...part.args, '--out', file],
    { cwd: path.join(here, '..'), stdio: ['ignore', 'inherit', 'inherit'] },
  )
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)))
}

const tmp = mkdtempSync(path.join(tmpdir(), 'bench-scale-'))
const sections: string[] = [
  `# Scale suite (npm run bench:scale${QUICK ? ' -- --quick' : ''})`,
  '',
  `${new Date().toISOString()}, Node ${process.version}. Each part is its own process, one ` +
    'after the other; bench/README.md "Scale" says what each measures.',
]
let failed = 0
try {
  for (const [i, part] of parts.entries()) {
    const file = path.join(tmp, `${i}.md`)
    const started = Date.now()
    console.error(`bench:scale: ${part.name} (bench/${part.script} ${part.args.join(' ')})`)
    const code = await run(part, file)
    const seconds = ((Date.now() - started) / 1000).toFixed(0)
    sections.push(
      '',
      `<!-- ${part.name}: bench/${part.script} ${part.args.join(' ')}, ${seconds} s -->`,
      '',
    )
    if (code === 0) {
      // Each part's own title becomes a second-level heading of this file.
      sections.push(readFileSync(file, 'utf8').trim().replace(/^# /m, '## '))
    } else {
      failed++
      sections.push(`## ${part.name}`, '', `FAILED (exit code ${code}); see the console output.`)
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
writeFileSync(out, sections.join('\n') + '\n')
console.error(`bench:scale: written to ${path.relative(process.cwd(), out)}`)
process.exitCode = failed ? 1 : 0
