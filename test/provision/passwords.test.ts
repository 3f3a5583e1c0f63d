// Plain passwords at scale (docs/provisioning.md "Passwords", docs/security.md "Provisioning
// passwords"): an unchanged document re-applies without a single scrypt thanks to the
// fingerprints file; a changed password is hashed anew and the old one stops working; a
// fingerprint never vouches for a stored hash it was not made against.

import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { applyDocument, fingerprintFileFor, provisionAtStart } from '../../src/provision/index.ts'
import { hashPassword, scryptRuns } from '../../src/store/password.ts'
import { basic } from '../helpers/http.ts'
import { startServer } from '../helpers/server.ts'
import { AGENT1, baseDoc, freshStore, tempPath } from './helpers.ts'

const PLAIN_USERS = 5 // baseDoc(): four users in "Demo", one in "Other"

describe('provisioning passwords', () => {
  it('re-applies an unchanged document without computing any scrypt', async () => {
    const store = await freshStore()
    const fingerprintFile = tempPath('doc.json.fingerprints')
    try {
      const first = await applyDocument(store, baseDoc(), { fingerprintFile })
      assert.deepEqual(first.passwords, {
        given: PLAIN_USERS,
        unchanged: 0,
        verified: 0,
        hashed: 5,
      })
      const hash = (await store.getUser(AGENT1))?.passwordHash

      const before = scryptRuns()
      const again = await applyDocument(store, baseDoc(), { fingerprintFile })
      assert.equal(scryptRuns() - before, 0)
      assert.deepEqual(again.passwords, { given: 5, unchanged: 5, verified: 0, hashed: 0 })
      assert.ok(Object.values(again.changed).every((n) => n === 0))
      assert.equal((await store.getUser(AGENT1))?.passwordHash, hash)
    } finally {
      await store.close()
    }
  })

  it('without fingerprints, verifies the stored hashes and still changes nothing', async () => {
    const store = await freshStore()
    try {
      await applyDocument(store, baseDoc())
      const before = scryptRuns()
      const again = await applyDocument(store, baseDoc())
      assert.equal(scryptRuns() - before, PLAIN_USERS)
      assert.deepEqual(again.passwords, { given: 5, unchanged: 0, verified: 5, hashed: 0 })
      assert.ok(Object.values(again.changed).every((n) => n === 0))
    } finally {
      await store.close()
    }
  })

  it('hashes a changed password anew; the old one stops working at once', async () => {
    const server = await startServer({ provision: baseDoc() })
    const fingerprintFile = tempPath('live.json.fingerprints')
    const me = (password: string) =>
      fetch(`${server.apiUrl}/me`, { headers: { authorization: basic('agent1', password) } })
    try {
      await applyDocument(server.app.store, baseDoc(), { fingerprintFile })
      assert.equal((await me('pw1')).status, 200)

      const changed = baseDoc()
      changed.contactCenters[0].users[0].password = 'pw1-new'
      const runs = scryptRuns()
      const r = await applyDocument(server.app.store, changed, { fingerprintFile })
      // Recorded against the stored hash, for another password: hashed without verifying first.
      assert.equal(scryptRuns() - runs, 1)
      assert.deepEqual(r.passwords, { given: 5, unchanged: 4, verified: 0, hashed: 1 })
      assert.equal(r.changed.users, 1)
      assert.equal((await me('pw1')).status, 401)
      assert.equal((await me('pw1-new')).status, 200)

      // The fingerprints now vouch for the new password only.
      const before = scryptRuns()
      const same = await applyDocument(server.app.store, changed, { fingerprintFile })
      assert.equal(scryptRuns() - before, 0)
      assert.equal(same.passwords.unchanged, 5)
    } finally {
      await server.close()
    }
  })

  it('does not trust a fingerprint once the stored hash was replaced another way', async () => {
    const store = await freshStore()
    const fingerprintFile = tempPath('a.json.fingerprints')
    try {
      await applyDocument(store, baseDoc(), { fingerprintFile })
      // Another document sets agent1's password in hash form (e.g. a restore or another operator).
      const other = baseDoc()
      other.contactCenters[0].users[0].password = undefined
      other.contactCenters[0].users[0].passwordHash = hashPassword('elsewhere')
      await applyDocument(store, other)

      const runs = scryptRuns()
      const r = await applyDocument(store, baseDoc(), { fingerprintFile })
      // Its entry was made against the old hash: verified against the new one (fails), hashed.
      assert.equal(scryptRuns() - runs, 2)
      assert.deepEqual(r.passwords, { given: 5, unchanged: 4, verified: 0, hashed: 1 })
      assert.equal(r.changed.users, 1)
    } finally {
      await store.close()
    }
  })

  it('ignores a fingerprints file that is not one of ours, and rewrites it', async () => {
    const store = await freshStore()
    const fingerprintFile = tempPath('junk.fingerprints')
    try {
      await applyDocument(store, baseDoc())
      for (const junk of [
        'null',
        '{ nope',
        JSON.stringify({ version: 1, users: { [AGENT1]: 'x' } }),
      ]) {
        writeFileSync(fingerprintFile, junk)
        const r = await applyDocument(store, baseDoc(), { fingerprintFile })
        assert.equal(r.passwords.verified, PLAIN_USERS)
      }
      const saved = JSON.parse(readFileSync(fingerprintFile, 'utf8'))
      assert.equal(Object.keys(saved.users).length, PLAIN_USERS)
      assert.equal(JSON.stringify(saved).includes('pw1'), false)
    } finally {
      await store.close()
    }
  })

  it('keeps the fingerprints beside the document unless told otherwise', () => {
    assert.equal(fingerprintFileFor('/etc/cc/doc.json'), '/etc/cc/doc.json.fingerprints')
    assert.equal(fingerprintFileFor('/etc/cc/doc.json', '/var/fp'), '/var/fp')
    assert.equal(fingerprintFileFor('/etc/cc/doc.json', 'off'), undefined)
  })

  it('logs progress at start at the configured interval', async () => {
    const store = await freshStore()
    const file = tempPath('progress.json')
    const doc = baseDoc()
    doc.contactCenters[1].users = []
    doc.contactCenters[1].workbins = []
    for (let i = 0; i < 12; i++) {
      doc.contactCenters[0].users.push({
        id: `c${String(i).padStart(31, '0')}`,
        userName: `extra${i}`,
        password: `extra-pw-${i}`,
      })
    }
    writeFileSync(file, JSON.stringify(doc))
    const lines: string[] = []
    try {
      // One scrypt at a time (~40 ms each here): 16 of them span several 100 ms intervals.
      await provisionAtStart(
        store,
        { demo: false, provisionFile: file, concurrency: 1, progressMs: 100 },
        { info: (_o, msg) => lines.push(msg ?? '') },
      )
    } finally {
      await store.close()
    }
    const progress = lines.filter((l) => l.startsWith(`provisioning ${file}: passwords `))
    assert.ok(progress.length >= 2, lines.join('\n'))
    assert.match(progress[0]!, /passwords \d+\/16 \(\d+%\)\s+\d+\/s\s+ETA \d+s/)
    assert.match(lines.at(-1)!, /passwords: 0 unchanged, 0 verified, 16 hashed/)
  })
})
