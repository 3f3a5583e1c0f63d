#!/usr/bin/env node
// The `workbins` command: runs the compiled CLI (dist/cli.js, built by `npm ci` or
// `npm run build`), so it needs no TypeScript loader.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = import.meta.resolve('../dist/cli.js')
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('workbins: dist/ is not built; run `npm run build` (npm ci does it)\n')
  process.exit(1)
}
await import(cli)
