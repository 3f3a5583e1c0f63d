#!/usr/bin/env node
// Runs src/cli.ts through tsx, so the TypeScript sources need no build step.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli.ts')
