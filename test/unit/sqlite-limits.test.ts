// SQLite plans a statement again at every run when its LIMIT or OFFSET is a bare bound
// parameter (src/store/sqlite/statements.ts); the store writes them `+?` / `+@name`. This keeps
// a new statement from bringing the slow form back.

import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { test } from 'node:test'

// SQL keywords are upper case in the store's statements (and lower case in prose)
const BARE = /\b(LIMIT|OFFSET)\s+[?@:$]/g

test('no SQLite statement takes its LIMIT or OFFSET as a bare bound parameter', async () => {
  const dir = new URL('../../src/store/sqlite/', import.meta.url)
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'))
  assert.ok(files.length > 5, 'the SQLite store files were found')
  const found: string[] = []
  for (const f of files) {
    const text = await readFile(new URL(f, dir), 'utf8')
    for (const m of text.matchAll(BARE)) found.push(`${f}: ${m[0]}`)
  }
  assert.deepEqual(found, [], 'write `LIMIT +?` (or `+@name`) instead')
})

test('the check recognises the slow forms', () => {
  for (const bad of ['LIMIT ?', 'LIMIT @limit', 'OFFSET ?', 'LIMIT :n', 'LIMIT\n  $n']) {
    assert.ok(new RegExp(BARE.source).test(bad), bad)
  }
  for (const good of ['LIMIT +?', 'LIMIT +@limit', 'LIMIT 1', 'LIMIT -1 OFFSET +?']) {
    assert.ok(!new RegExp(BARE.source).test(good), good)
  }
})
