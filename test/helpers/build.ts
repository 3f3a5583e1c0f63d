// dist/ as `npm start` and bin/workbins.js run it: scripts/build.js --if-stale rebuilds it only
// when src/ changed since the last build (`npm ci` built it), so this is quick in CI.

import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export async function buildDist(): Promise<void> {
  await promisify(execFile)(process.execPath, ['scripts/build.js', '--if-stale'], {
    cwd: ROOT,
    timeout: 120_000,
  })
}
