import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { configTableMarkdown } from '../../src/config-doc.ts'

test('docs/configuration.md carries the configuration table generated from src/config.ts', async () => {
  const readme = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8')
  // Compare without the padding prettier adds to markdown tables.
  const norm = (t: string) => t.replace(/\s+/g, '').replace(/-{2,}/g, '-')
  assert.ok(
    norm(readme).includes(norm(configTableMarkdown())),
    'docs/configuration.md is out of date: paste the output of `npm run docs:config` into it',
  )
})

test('the README starts with the two quick-start commands', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const head = readme.slice(0, 1500)
  assert.ok(head.includes('npm ci && npm start'))
  assert.ok(head.includes('npm ci && npm test'))
})
