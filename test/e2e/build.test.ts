// scripts/build.js where `typescript` is not installed (`npm ci --omit=dev` on a deploy): it
// accepts a shipped dist/ built from the same sources and refuses, with the reason, to go on
// without one. The build itself is covered by process.test.ts (it starts dist/main.js).

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { buildDist, ROOT } from '../helpers/build.ts'

// A copy outside the repository: no node_modules/ above it, so no typescript to find.
function deployCopy(withDist: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'workbins-deploy-'))
  const parts = ['src', 'scripts/build.js', 'tsconfig.json', 'tsconfig.build.json']
  for (const part of withDist ? [...parts, 'dist'] : parts) {
    cpSync(join(ROOT, part), join(dir, part), { recursive: true })
  }
  return dir
}

function build(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['scripts/build.js', ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { code: r.status, stderr: r.stderr }
}

describe('the build without typescript installed', () => {
  const dirs: string[] = []
  before(() => buildDist())
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  test('a dist/ built from the same sources is accepted as it is', () => {
    const dir = deployCopy(true)
    dirs.push(dir)
    assert.deepEqual(build(dir), { code: 0, stderr: '' })
  })

  test('without a dist/ the build stops and says what to do', () => {
    const dir = deployCopy(false)
    dirs.push(dir)
    const r = build(dir)
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /typescript is not installed .*ship it \(docs\/operations\.md, "Production deploys"\)/,
    )
  })

  test('sources changed after the build: npm start warns and runs the old dist/', () => {
    const dir = deployCopy(true)
    dirs.push(dir)
    appendFileSync(join(dir, 'src', 'log.ts'), '// changed\n')
    const stale = build(dir, '--if-stale')
    assert.equal(stale.code, 0)
    assert.match(stale.stderr, /src\/ changed since dist\/ was built.*running the old dist\//)
    assert.equal(build(dir).code, 1, 'a full build (prepare) cannot go on')
  })
})
