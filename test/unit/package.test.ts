// package.json as a deploy sees it: `npm start` runs the build with plain node, every
// production dependency is used by the code that runs, and that code imports nothing else.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import { ROOT } from '../helpers/build.ts'

interface PackageJson {
  bin: Record<string, string>
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
}

/**
 * Loads that run only from the TypeScript sources (under `node --import tsx`, never from dist/),
 * by file: a worker thread started from src/ registers tsx itself (Node 20 threads do not
 * inherit `--import` loaders).
 */
const SOURCE_ONLY: Record<string, string[]> = {
  'src/content-threads/pool.ts': ['tsx'],
}

/** Package names the run-time code loads: imports (not `import type`) and require.resolve. */
function runtimePackages(): Set<string> {
  const files = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'bin'))]
  const names = new Set<string>()
  const patterns = [
    /^\s*import\s+(?!type\b)[^'"]*?from\s+'([^'.][^']*)'/gm,
    /^\s*import\s+'([^'.][^']*)'/gm,
    /\bimport\(\s*'([^'.][^']*)'\s*\)/g,
    /\bresolve\(\s*'([^'.][^']*)'\s*\)/g,
  ]
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    for (const re of patterns) {
      for (const m of text.matchAll(re)) {
        const spec = m[1] as string
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue
        const parts = spec.split('/')
        const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
        if (SOURCE_ONLY[relative(ROOT, file)]?.includes(name)) continue
        names.add(name)
      }
    }
  }
  return names
}

test('npm start and the workbins command run the build with plain node, no TypeScript loader', () => {
  assert.equal(pkg.scripts.start, 'node dist/main.js')
  assert.match(pkg.scripts.prepare ?? '', /scripts\/build\.js/, 'npm ci builds dist/')
  for (const [name, script] of Object.entries(pkg.scripts)) {
    if (['start', 'prestart', 'prepare', 'build', 'provision', 'preprovision'].includes(name)) {
      assert.doesNotMatch(script, /tsx|--import|--loader/, `${name}: ${script}`)
    }
  }
  const bin = readFileSync(join(ROOT, pkg.bin.workbins as string), 'utf8')
  assert.doesNotMatch(bin, /tsx/)
  assert.match(bin, /dist\/cli\.js/)
})

test('every production dependency is loaded by the run-time code, which loads no other package', () => {
  const used = runtimePackages()
  const declared = Object.keys(pkg.dependencies)
  assert.deepEqual(
    declared.filter((name) => !used.has(name)),
    [],
    'production dependencies nothing in src/ or bin/ loads: remove them or move them to devDependencies',
  )
  assert.deepEqual(
    [...used].filter((name) => !declared.includes(name)).sort(),
    [],
    'packages src/ or bin/ loads that are not production dependencies (npm ci --omit=dev lacks them)',
  )
})
