// The SQLite store answers the caller read of REST requests (session, user, contact center,
// place facts) from memory. These tests change every row that read depends on, in every way the
// server or an operator can (the store's own methods, plain SQL, another connection, a rollback),
// and check after each that the store answers exactly what a fresh query on another connection
// reads.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import {
  SESSION_CALLER_SQL,
  toSessionCaller,
  type SessionCallerRow,
} from '../../src/store/sqlite/rows.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { AGENT1, AGENT2, basePlan, CC, SUP1 } from './fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'workbins-callers-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

const session = (id: string, userId: string, at = Date.now()) => ({
  id,
  userId,
  csrfToken: `csrf-${id}`,
  createdAt: at,
  lastSeenAt: at,
})

async function fresh() {
  const path = join(dir, `c-${++n}.sqlite`)
  const store = createSqliteStore(path)
  await store.migrate()
  await store.applyProvisioning(basePlan())
  await store.createSession(session('s-agent1', AGENT1))
  await store.createSession(session('s-agent2', AGENT2))
  await store.createSession(session('s-sup1', SUP1))
  const other = new Database(path, { readonly: true })
  const query = other.prepare(`${SESSION_CALLER_SQL} WHERE s.id = ?`)
  const ids = ['s-agent1', 's-agent2', 's-sup1', 'no-such-session']
  /** Every session as the store answers it equals what a fresh query reads. */
  async function check(step: string): Promise<void> {
    for (const id of ids) {
      const row = query.get(id) as SessionCallerRow | undefined
      const expected = row && toSessionCaller(row)
      assert.deepEqual(await store.getSessionCaller(id), expected, `${step}: session ${id}`)
    }
  }
  return {
    store,
    path,
    check,
    close: async () => {
      other.close()
      await store.close()
    },
  }
}

describe('SQLite store: the caller read kept in memory', () => {
  it('answers what the tables say after every kind of change', async () => {
    const { store, path, check, close } = await fresh()
    try {
      await check('start')
      await check('again (from memory)')

      await store.touchSession('s-agent1', Date.now() + 1000)
      await check('session touched')

      store.db
        .prepare(`UPDATE http_sessions SET csrf_token = 'rotated' WHERE id = 's-agent2'`)
        .run()
      await check('session changed otherwise by plain SQL')

      const took = await store.occupyPlace(AGENT1, CC, 'Place_7001', 0)
      assert.equal(took.ok, true)
      await check('place taken')
      await store.releasePlace(AGENT1)
      await check('place freed')

      store.db.prepare(`UPDATE users SET roles = '["supervisor"]' WHERE id = ?`).run(AGENT2)
      await check('roles changed by plain SQL')
      store.db.prepare('UPDATE contact_centers SET version = version + 1').run()
      await check('directory version raised')

      const plan = basePlan()
      const cc = plan.contactCenters[0]
      assert.ok(cc)
      cc.users = cc.users.map((u) => (u.id === SUP1 ? { ...u, lastName: 'Renamed' } : u))
      await store.applyProvisioning(plan)
      await check('provisioning applied again')

      // Another connection (a provisioning run, a second process) commits.
      const writer = new Database(path)
      writer.prepare(`UPDATE users SET first_name = 'Elsewhere' WHERE id = ?`).run(AGENT1)
      writer.close()
      // Asked once per event-loop turn: the reads of a turn answer as of its first.
      await new Promise((resolve) => setImmediate(resolve))
      await check('changed by another connection')

      // Undone, after a read inside the transaction saw the change: nothing of it stays.
      let inside: Promise<unknown> | undefined
      assert.throws(() =>
        store.db.transaction(() => {
          store.db.prepare(`UPDATE users SET first_name = 'Undone' WHERE id = ?`).run(AGENT1)
          inside = store.getSessionCaller('s-agent1')
          throw new Error('rolled back')
        })(),
      )
      assert.equal(((await inside) as { user: { firstName: string } }).user.firstName, 'Undone')
      await check('a change rolled back')

      await store.deleteSession('s-sup1')
      await check('session ended')
      assert.equal(await store.getSessionCaller('s-sup1'), undefined)

      await store.deleteSessionsOfUser(AGENT2)
      await store.createSession(session('s-agent2', AGENT1))
      await check('the same session id again, for another user')

      store.db.prepare('DELETE FROM users WHERE id = ?').run(AGENT1)
      await check('user deleted (its sessions cascade)')
      assert.equal(await store.getSessionCaller('s-agent1'), undefined)
    } finally {
      await close()
    }
  })

  it('really answers from memory: without its triggers a change goes unseen', async () => {
    const { store, check, close } = await fresh()
    try {
      await check('start')
      const before = await store.getSessionCaller('s-agent1')
      for (const name of store.db
        .prepare(
          "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE 'workbins_callers_%'",
        )
        .pluck()
        .all() as string[]) {
        store.db.exec(`DROP TRIGGER temp.${name}`)
      }
      store.db.prepare(`UPDATE users SET first_name = 'Unseen' WHERE id = ?`).run(AGENT1)
      assert.deepEqual(await store.getSessionCaller('s-agent1'), before)
      await assert.rejects(check('triggers dropped'), /s-agent1/)
    } finally {
      await close()
    }
  })
})
