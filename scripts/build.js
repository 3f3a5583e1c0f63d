#!/usr/bin/env node
// Compiles src/ to dist/ so that `npm start` and bin/workbins.js run plain JavaScript, with no
// TypeScript loader at run time (docs/operations.md, "Build and install").
//
//   node scripts/build.js              always build (`npm run build`, and `prepare`, which `npm ci` runs)
//   node scripts/build.js --if-stale   build only if src/ changed since dist/ was built (before `npm start`)
//
// tsc emits with tsconfig.build.json (`.ts` import extensions rewritten to `.js`) and --noCheck:
// the emitted code does not depend on type checking, which `npm run typecheck` does. The files
// src/ reads at run time (src/provision/demo.json) are copied next to the compiled code. The
// build goes to a temporary folder swapped in at the end, so two builds at once, or a server
// running from dist/, never see half a dist/.
//
// Plain JavaScript on purpose: it runs where only production dependencies may be installed.

import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const SRC = join(ROOT, 'src')
const DIST = join(ROOT, 'dist')
const STAMP = '.source-hash'
// Inputs that change the output besides src/ itself.
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.js']

function say(message) {
  process.stderr.write(`build: ${message}\n`)
}

/** Every file under dir, sorted, so the hash does not depend on the directory order. */
function walk(dir) {
  const files = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...walk(path))
    else if (entry.isFile()) files.push(path)
  }
  return files.sort()
}

function sourceHash() {
  const hash = createHash('sha256')
  for (const file of [...walk(SRC), ...INPUTS.map((p) => join(ROOT, p))]) {
    hash.update(relative(ROOT, file)).update('\0')
    if (existsSync(file)) hash.update(readFileSync(file))
    hash.update('\0')
  }
  return hash.digest('hex')
}

function builtHash() {
  try {
    return readFileSync(join(DIST, STAMP), 'utf8').trim()
  } catch {
    return undefined
  }
}

function findTsc() {
  try {
    return createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc')
  } catch {
    return undefined
  }
}

/** Files src/ reads at run time: everything that is neither TypeScript nor documentation. */
function copyAssets(out) {
  for (const file of walk(SRC)) {
    if (file.endsWith('.ts') || file.endsWith('.md')) continue
    const target = join(out, relative(SRC, file))
    mkdirSync(dirname(target), { recursive: true })
    copyFileSync(file, target)
  }
}

/** Moves the finished build to dist/, replacing what is there in two renames. */
function swapIn(tmp, hash) {
  const old = join(ROOT, `.dist-old-${process.pid}`)
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      renameSync(DIST, old)
    } catch (err) {
      if (err.code !== 'ENOENT') throw err
    }
    try {
      renameSync(tmp, DIST)
      break
    } catch (err) {
      if (!['ENOTEMPTY', 'EEXIST', 'EPERM'].includes(err.code)) throw err
      // Another build swapped its dist/ in between our two renames: keep it if it is ours too.
      if (builtHash() === hash) break
    }
  }
  rmSync(old, { recursive: true, force: true })
  rmSync(tmp, { recursive: true, force: true })
}

function main(argv) {
  const ifStale = argv.includes('--if-stale')
  if (!existsSync(SRC)) {
    // A deploy that ships dist/ without the sources: nothing to build from.
    if (existsSync(join(DIST, 'main.js'))) return 0
    say('neither src/ nor dist/ found')
    return 1
  }
  const hash = sourceHash()
  if (ifStale && builtHash() === hash) return 0

  const tsc = findTsc()
  if (!tsc) {
    // npm ci --omit=dev on a copy that carries its built dist/: nothing to do.
    if (builtHash() === hash) return 0
    if (ifStale && existsSync(join(DIST, 'main.js'))) {
      say(
        'src/ changed since dist/ was built, but typescript is not installed: running the old dist/',
      )
      return 0
    }
    say(
      'typescript is not installed (npm ci --omit=dev?): build dist/ where the dev dependencies ' +
        'are installed and ship it (docs/operations.md, "Production deploys")',
    )
    return 1
  }

  const tmp = join(ROOT, `.dist-tmp-${process.pid}`)
  rmSync(tmp, { recursive: true, force: true })
  try {
    execFileSync(
      process.execPath,
      [tsc, '-p', 'tsconfig.build.json', '--noCheck', '--outDir', tmp],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    )
    copyAssets(tmp)
    writeFileSync(join(tmp, STAMP), `${hash}\n`)
    swapIn(tmp, hash)
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    say(`failed: ${err.message}`)
    return 1
  }
  return 0
}

process.exitCode = main(process.argv.slice(2))
