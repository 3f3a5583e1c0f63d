// Provisioning at contact-center scale: `node --import tsx bench/provision.ts [--users N]
// [--groups G] [--changed C] [--sync-sample S] [--out FILE]`.
//
// Generates one contact center of N users (default 10,000) with plain passwords, each a member
// of one of G agent groups (default 1,000), and runs `workbins provision` (src/cli.ts, a child
// process, as an operator would) on a fresh SQLite file:
//   1. first apply: every password hashed;
//   2. unchanged re-apply: the fingerprints file spares every scrypt;
//   3. re-apply with C passwords changed (default 100);
//   4. unchanged re-apply without fingerprints (WORKBINS_PROVISION_FINGERPRINTS=off), only
//      with --no-fp-users N2 > 0: every stored hash verified with scrypt (the fallback path);
//   5. with --base DIR (a checkout of an earlier commit, e.g. `git archive main src
//      package.json tsconfig.json | tar -x -C DIR` and a node_modules link): the same
//      unchanged re-apply of --base-users users (default 1,000) by that build's CLI.
// The synchronous scrypt the earlier code paid per user on every apply is timed on S users
// (default 200) and extrapolated to N. Results: a markdown report on stdout and in --out.

import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { hashPassword, verifyPassword } from '../src/store/password.ts'

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    groups: { type: 'string', default: '1000' },
    changed: { type: 'string', default: '100' },
    'sync-sample': { type: 'string', default: '200' },
    'no-fp-users': { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '' },
    base: { type: 'string', default: '' },
    'base-users': { type: 'string', default: '1000' },
    out: { type: 'string', default: '' },
  },
})
const USERS = Number(values.users)
const GROUPS = Math.max(1, Math.min(Number(values.groups), USERS))
const CHANGED = Math.min(Number(values.changed), USERS)
const SYNC_SAMPLE = Number(values['sync-sample'])
const NO_FP_USERS = Number(values['no-fp-users'])
const root = fileURLToPath(new URL('../', import.meta.url))
const CC = '7e1f0c8a-3b2d-4c5e-9f60-718293a4b5c6'

interface Doc {
  contactCenters: {
    id: string
    name: string
    features: string[]
    users: { id: string; userName: string; password: string; firstName: string }[]
    agentGroups: { name: string; members: string[] }[]
  }[]
}

function document(users: number, groups: number, passwordOf: (i: number) => string): Doc {
  const list = Array.from({ length: users }, (_, i) => ({
    id: `b${String(i).padStart(31, '0')}`,
    userName: `agent${i}`,
    password: passwordOf(i),
    firstName: `Agent ${i}`,
  }))
  const agentGroups = Array.from({ length: groups }, (_, g) => ({
    name: `Group${g}`,
    members: list.filter((_, i) => i % groups === g).map((u) => u.userName),
  }))
  return {
    contactCenters: [
      { id: CC, name: 'Scale', features: ['api-multimedia'], users: list, agentGroups },
    ],
  }
}

interface Run {
  label: string
  seconds: number
  summary: string
}

function provision(
  label: string,
  file: string,
  db: string,
  env: Record<string, string> = {},
  cwd = root,
) {
  const started = performance.now()
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'provision', file, '--db', db],
    {
      cwd,
      env: {
        ...process.env,
        ...(values.concurrency ? { WORKBINS_PROVISION_CONCURRENCY: values.concurrency } : {}),
        ...env,
      },
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  )
  const seconds = (performance.now() - started) / 1000
  if (r.status !== 0) throw new Error(`${label}: exit ${r.status}: ${r.stderr}`)
  const summary = r.stdout.trim().replace(/^.*?: /, '')
  process.stderr.write(`${label}: ${seconds.toFixed(1)} s — ${summary}\n`)
  return { label, seconds, summary }
}

function syncScryptPerUser(sample: number): number {
  const hashes = Array.from({ length: Math.min(sample, 20) }, (_, i) => hashPassword(`p${i}`))
  const started = performance.now()
  for (let i = 0; i < sample; i++)
    verifyPassword(`p${i % hashes.length}`, hashes[i % hashes.length]!)
  return (performance.now() - started) / sample
}

const dir = mkdtempSync(join(tmpdir(), 'bench-provision-'))
try {
  const seed = randomBytes(4).toString('hex')
  const file = join(dir, 'scale.json')
  const db = join(dir, 'scale.db')
  const base = (i: number) => `pw-${seed}-${i}`
  writeFileSync(file, JSON.stringify(document(USERS, GROUPS, base)))

  const runs: Run[] = []
  runs.push(provision('first apply', file, db))
  runs.push(provision('unchanged re-apply', file, db))
  writeFileSync(
    file,
    JSON.stringify(document(USERS, GROUPS, (i) => (i < CHANGED ? `${base(i)}-new` : base(i)))),
  )
  runs.push(provision(`re-apply, ${CHANGED} passwords changed`, file, db))
  if (NO_FP_USERS > 0) {
    const small = join(dir, 'small.json')
    const smallDb = join(dir, 'small.db')
    writeFileSync(small, JSON.stringify(document(NO_FP_USERS, Math.min(GROUPS, NO_FP_USERS), base)))
    provision(`first apply (${NO_FP_USERS} users)`, small, smallDb)
    runs.push(
      provision(`unchanged re-apply of ${NO_FP_USERS} users, no fingerprints`, small, smallDb, {
        WORKBINS_PROVISION_FINGERPRINTS: 'off',
      }),
    )
  }
  if (values.base) {
    const n = Number(values['base-users'])
    const doc = join(dir, 'base.json')
    const baseDb = join(dir, 'base.db')
    writeFileSync(doc, JSON.stringify(document(n, Math.min(GROUPS, n), base)))
    provision(`first apply (${n} users, base)`, doc, baseDb, {}, values.base)
    runs.push(
      provision(
        `unchanged re-apply of ${n} users, base build (before)`,
        doc,
        baseDb,
        {},
        values.base,
      ),
    )
    runs.push(provision(`unchanged re-apply of ${n} users, this build`, doc, baseDb))
    runs.push(provision(`again, this build (fingerprints kept)`, doc, baseDb))
  }
  const perUserMs = syncScryptPerUser(SYNC_SAMPLE)

  const lines = [
    `<!-- node --import tsx bench/provision.ts ${process.argv.slice(2).join(' ')} -->`,
    `# Provisioning ${USERS.toLocaleString('en')} users`,
    '',
    `${new Date().toISOString()}, ${cpus()[0]?.model ?? 'cpu'} (${availableParallelism()} cores), ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
      `WORKBINS_PROVISION_CONCURRENCY=${values.concurrency || 'default'}, ` +
      `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 'default'}. ` +
      `One contact center, ${USERS} users with plain passwords, ${GROUPS} agent groups; ` +
      '`workbins provision` as a child process on a fresh SQLite file (wall time includes node start).',
    '',
    '| run | wall time | summary |',
    '|---|---|---|',
    ...runs.map((r) => `| ${r.label} | ${r.seconds.toFixed(1)} s | ${r.summary} |`),
    '',
    `Synchronous scrypt verify, as every apply paid per user before fingerprints: ` +
      `${perUserMs.toFixed(1)} ms per user (mean of ${SYNC_SAMPLE}), i.e. ` +
      `${((perUserMs * USERS) / 1000).toFixed(0)} s of blocked event loop for ${USERS} users on every apply.`,
    '',
  ]
  const report = lines.join('\n')
  process.stdout.write(report)
  if (values.out) writeFileSync(values.out, report)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
