// docs/provisioning.md must not lie: its example applies, with the summary it shows, and the
// demo table's logins and ids match src/provision/demo.json.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  applyDocument,
  loadDemoDocument,
  summarize,
  validateDocument,
} from '../../src/provision/index.ts'
import { verifyPassword } from '../../src/store/password.ts'
import { freshStore, tempPath } from './helpers.ts'

const doc = readFileSync(new URL('../../docs/provisioning.md', import.meta.url), 'utf8')

describe('docs/provisioning.md', () => {
  it('shows an example that applies with the summary it prints', async () => {
    const example = doc.slice(doc.indexOf('## Example'))
    const json = /```json\n([\s\S]*?)```/.exec(example)?.[1]
    assert.ok(json)
    const parsed = validateDocument(JSON.parse(json))
    const store = await freshStore()
    try {
      // As the CLI does: with the fingerprints file beside the document.
      const fingerprintFile = tempPath('doc.json.fingerprints')
      const first = summarize(await applyDocument(store, parsed, { fingerprintFile }))
      const second = summarize(await applyDocument(store, parsed, { fingerprintFile }))
      assert.ok(example.includes(`: ${first}\n`), first)
      assert.ok(example.includes(`: ${second}\n`), second)
    } finally {
      await store.close()
    }
  })

  it('lists the demo logins that really exist', async () => {
    const demo = await loadDemoDocument()
    const users = demo.contactCenters.flatMap((c) => c.users ?? [])
    const rows = [...doc.matchAll(/^\| `(\w+)`\s*\| `(\w+)`\s*\| `([0-9a-f]{32})`\s*\|/gm)]
    assert.equal(rows.length, 5)
    for (const [, name, password, id] of rows) {
      const u = users.find((x) => x.userName === name)
      assert.ok(u, name)
      assert.equal(u.id, id)
      assert.equal(u.password, password)
    }
    const store = await freshStore()
    try {
      await applyDocument(store, demo)
      const other = await store.getUserByName('other1')
      assert.ok(other && verifyPassword('other1pass', other.passwordHash))
      assert.ok(doc.includes('`other1pass`'))
    } finally {
      await store.close()
    }
  })
})
