// The store contract on a real SQLite file, plus what is specific to the SQLite adapter:
// migrations, reopening a file, pragmas, error mapping.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { GwsError, StatusCode } from '../../src/errors.ts'
import { MIGRATIONS, runMigrations } from '../../src/store/sqlite/migrations.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { AGENT1, AGENT2, basePlan, CC, interaction } from './fixtures.ts'
import { storeContract } from './store-contract.ts'

const dir = mkdtempSync(join(tmpdir(), 'workbins-sqlite-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const freshPath = () => join(dir, `db-${++n}.sqlite`)

storeContract('sqlite file', () => createSqliteStore(freshPath()))
storeContract('sqlite :memory:', () => createSqliteStore(':memory:'))
storeContract('sqlite file, one transaction per write', () =>
  createSqliteStore(freshPath(), { groupCommitMax: 0, synchronous: 'normal' }),
)

describe('SQLite adapter', () => {
  it('keeps stored CometD sessions and their positions through the upgrade that moves positions apart', async () => {
    const path = freshPath()
    const old = new Database(path)
    runMigrations(
      old,
      MIGRATIONS.filter((m) => m.version < 11),
    )
    old
      .prepare(
        `INSERT INTO cometd_sessions (client_id, user_id, record, position, last_seen)
         VALUES ('c1', ?, '{"a":1}', 7, 123), ('c2', ?, '{"a":2}', 3, 456)`,
      )
      .run(AGENT1, AGENT2)
    old.close()
    const store = createSqliteStore(path)
    try {
      await store.migrate()
      assert.deepEqual(await store.getCometdSession('c1'), {
        clientId: 'c1',
        userId: AGENT1,
        record: '{"a":1}',
        position: 7,
        lastSeen: 123,
      })
      await store.touchCometdSessions([{ clientId: 'c2', position: 9, lastSeen: 500 }])
      assert.equal((await store.getCometdSession('c2'))?.position, 9)
      // An idle session goes, and its position row with it.
      assert.equal(await store.deleteCometdSessionsIdleSince(200), 1)
      assert.equal(await store.getCometdSession('c1'), undefined)
      const positions = store.db
        .prepare('SELECT client_id FROM cometd_session_positions')
        .pluck()
        .all()
      assert.deepEqual(positions, ['c2'])
      await store.deleteCometdSession('c2')
      assert.equal(
        store.db.prepare('SELECT count(*) FROM cometd_session_positions').pluck().get(),
        0,
      )
    } finally {
      await store.close()
    }
  })

  it('gives interactions completed before the upgrade a completion time of the upgrade', async () => {
    const path = freshPath()
    const old = new Database(path)
    runMigrations(
      old,
      MIGRATIONS.filter((m) => m.version < 12),
    )
    // A later migration rebuilds the table with foreign keys on: the rows need their parents.
    old.prepare(`INSERT INTO contact_centers (id, name, features) VALUES (?, 'D', '[]')`).run(CC)
    old
      .prepare(
        `INSERT INTO users (id, contact_center_id, user_name, password_hash, first_name,
           last_name, roles) VALUES (?, ?, 'agent1', 'x', 'F', 'L', '[]')`,
      )
      .run(AGENT1, CC)
    const insert = old.prepare(
      `INSERT INTO interactions (id, contact_center_id, media_type, state, user_data,
         received_date, received_at, capabilities, owner_user_id, queue_name, extra)
       VALUES (?, ?, 'workitem', ?, '{}', '2026-01-01 00:00:00.000+0000', 0, '[]', ?, ?, '{}')`,
    )
    insert.run('DDDDDDDDDDDDDDD1', CC, 'Completed', null, null)
    insert.run('DDDDDDDDDDDDDDD2', CC, 'Queued', null, 'Inbound')
    insert.run('DDDDDDDDDDDDDDD3', CC, 'Processing', AGENT1, null)
    old.close()
    const upgraded = Date.now()
    const store = createSqliteStore(path)
    try {
      await store.migrate()
      assert.equal(await store.deleteCompletedInteractions(upgraded - 1, 10), 0)
      assert.equal(await store.deleteCompletedInteractions(Date.now() + 1, 10), 1)
      const left = store.db.prepare('SELECT id FROM interactions ORDER BY id').pluck().all()
      assert.deepEqual(left, ['DDDDDDDDDDDDDDD2', 'DDDDDDDDDDDDDDD3'])
    } finally {
      await store.close()
    }
  })

  it('keeps offers and every other interaction through the upgrade to transfer invitations', async () => {
    const path = freshPath()
    const old = new Database(path)
    runMigrations(
      old,
      MIGRATIONS.filter((m) => m.version < 13),
    )
    old.prepare(`INSERT INTO contact_centers (id, name, features) VALUES (?, 'D', '[]')`).run(CC)
    const addUser = old.prepare(
      `INSERT INTO users (id, contact_center_id, user_name, password_hash, first_name, last_name,
         roles) VALUES (?, ?, ?, 'x', 'F', 'L', '[]')`,
    )
    addUser.run(AGENT1, CC, 'agent1')
    addUser.run(AGENT2, CC, 'agent2')
    const insert = old.prepare(
      `INSERT INTO interactions (id, contact_center_id, media_type, state, user_data,
         received_date, received_at, capabilities, owner_user_id, invited_user_id, queue_name,
         invited_at, completed_at, extra)
       VALUES (?, ?, 'workitem', ?, '{"k":"v"}', '2026-01-01 00:00:00.000+0000', 0, '[]', ?, ?, ?,
         ?, ?, '{}')`,
    )
    insert.run('MMMMMMMMMMMMMMM1', CC, 'Invited', null, AGENT2, 'Inbound', 1000, null)
    insert.run('MMMMMMMMMMMMMMM2', CC, 'Processing', AGENT1, null, null, null, null)
    insert.run('MMMMMMMMMMMMMMM3', CC, 'Completed', null, null, null, null, 2000)
    old.close()
    const store = createSqliteStore(path)
    try {
      await store.migrate()
      const offer = await store.getInteraction(CC, 'MMMMMMMMMMMMMMM1')
      assert.deepEqual(offer?.location, {
        kind: 'invited',
        userId: AGENT2,
        returnTo: { kind: 'queue', queue: 'Inbound' },
      })
      assert.deepEqual(offer?.userData, { k: 'v' })
      assert.deepEqual(
        (await store.listExpiredInvitations(1001, 10)).map((i) => i.id),
        ['MMMMMMMMMMMMMMM1'],
        'its offer time is kept',
      )
      assert.equal(await store.deleteCompletedInteractions(2001, 10), 1, 'completion time kept')
      const owned = { kind: 'owner', userId: AGENT1 } as const
      assert.deepEqual((await store.getInteraction(CC, 'MMMMMMMMMMMMMMM2'))?.location, owned)
      const transferred = { kind: 'invited', userId: AGENT2, returnTo: owned } as const
      const none = { set: {}, remove: [] }
      const moved = await store.moveInteraction(CC, 'MMMMMMMMMMMMMMM2', owned, transferred, {
        state: 'Invited',
        capabilities: [],
        userData: none,
      })
      assert.ok(moved.ok)
      assert.deepEqual(moved.interaction.location, transferred)
      // exactly one of the two returns: the rebuilt table refuses both, and neither
      const bad = (queue: string | null, by: string | null) =>
        store.db
          .prepare(
            `UPDATE interactions SET queue_name = ?, invited_by_user_id = ?
             WHERE id = 'MMMMMMMMMMMMMMM1'`,
          )
          .run(queue, by)
      assert.throws(() => bad('Inbound', AGENT1), /CHECK constraint failed/)
      assert.throws(() => bad(null, null), /CHECK constraint failed/)
      const indexes = store.db
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interactions'
          AND name NOT LIKE 'sqlite_%' ORDER BY name`,
        )
        .pluck()
        .all()
      assert.deepEqual(indexes, [
        'interactions_by_completed_at',
        'interactions_by_instance_page',
        'interactions_by_invited_at',
        'interactions_by_invitee',
        'interactions_by_owner',
        'interactions_by_queue',
      ])
    } finally {
      await store.close()
    }
  })

  it("finds a user's stored CometD sessions by index, not by scanning them all", async () => {
    const store = createSqliteStore(freshPath())
    try {
      await store.migrate()
      const plan = store.db
        .prepare('EXPLAIN QUERY PLAN DELETE FROM cometd_sessions WHERE user_id = ?')
        .all('u') as { detail: string }[]
      assert.match(
        plan.map((r) => r.detail).join('; '),
        /USING (COVERING )?INDEX cometd_sessions_by_user/,
      )
      // Idle sessions by the index of their positions' last use (a position row per session).
      const idle = store.db
        .prepare(
          'EXPLAIN QUERY PLAN DELETE FROM cometd_sessions WHERE client_id IN (SELECT client_id FROM cometd_session_positions WHERE last_seen < ?)',
        )
        .all(1) as { detail: string }[]
      assert.match(
        idle.map((r) => r.detail).join('; '),
        /USING (COVERING )?INDEX cometd_session_positions_by_last_seen/,
      )
    } finally {
      await store.close()
    }
  })

  it('creates the parent directory and uses WAL, busy_timeout and foreign keys', async () => {
    const path = join(dir, 'nested', 'deeper', 'w.db')
    const store = createSqliteStore(path)
    try {
      await store.migrate()
      assert.ok(existsSync(path))
      assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal')
      assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1)
      assert.ok((store.db.pragma('busy_timeout', { simple: true }) as number) >= 1000)
    } finally {
      await store.close()
    }
  })

  it('records each migration once and keeps data across reopen', async () => {
    const path = freshPath()
    const a = createSqliteStore(path)
    await a.migrate()
    await a.applyProvisioning(basePlan())
    await a.addSubscriptions(AGENT1, [
      { workbinId: basePlan().contactCenters[0]!.workbins[0]!.id, owner: AGENT1 },
    ])
    await a.close()

    const b = createSqliteStore(path)
    try {
      await b.migrate()
      await b.migrate()
      const versions = b.db
        .prepare('SELECT version FROM schema_migrations ORDER BY version')
        .pluck()
        .all()
      assert.deepEqual(
        versions,
        MIGRATIONS.map((m) => m.version),
      )
      assert.equal(await b.isEmpty(), false)
      assert.equal((await b.getUser(AGENT1))?.userName, 'agent1')
      assert.equal((await b.listSubscriptions(AGENT1)).length, 1)
      const r = await b.applyProvisioning(basePlan())
      assert.ok(Object.values(r.changed).every((v) => v === 0))
    } finally {
      await b.close()
    }
  })

  it('keeps reference ids increasing across reopen', async () => {
    const path = freshPath()
    const a = createSqliteStore(path)
    await a.migrate()
    await a.applyProvisioning(basePlan())
    const first = await a.nextReferenceIds(AGENT1, 3)
    await a.close()
    const b = createSqliteStore(path)
    try {
      await b.migrate()
      const next = await b.nextReferenceIds(AGENT1, 1)
      assert.ok(next[0]! > first[2]!, `${next} after ${first}`)
    } finally {
      await b.close()
    }
  })

  it('keeps reference ids increasing across reopen with reserved blocks (the rest is skipped)', async () => {
    const path = freshPath()
    const a = createSqliteStore(path, { referenceIdBlock: 32 })
    await a.migrate()
    await a.applyProvisioning(basePlan())
    const first = [
      ...(await a.nextReferenceIds(AGENT1, 1)),
      ...(await a.nextReferenceIds(AGENT1, 2)),
    ]
    assert.deepEqual(first, [1, 2, 3])
    await a.close()
    const b = createSqliteStore(path, { referenceIdBlock: 32 })
    try {
      await b.migrate()
      assert.deepEqual(await b.nextReferenceIds(AGENT1, 1), [33])
    } finally {
      await b.close()
    }
  })

  it('applies a later migration without re-running earlier ones', async () => {
    const path = freshPath()
    const a = createSqliteStore(path)
    await a.migrate()
    await a.applyProvisioning(basePlan())
    const extra = [
      ...MIGRATIONS,
      { version: 9999, name: 'test addition', sql: 'CREATE TABLE test_added (x INTEGER)' },
    ]
    assert.deepEqual(runMigrations(a.db, extra), [9999])
    assert.deepEqual(runMigrations(a.db, extra), [])
    assert.equal(await a.isEmpty(), false)
    await a.close()
  })

  it('refuses a database upgraded by a newer server', async () => {
    const path = freshPath()
    const a = createSqliteStore(path)
    await a.migrate()
    runMigrations(a.db, [...MIGRATIONS, { version: 9999, name: 'future', sql: 'SELECT 1' }])
    await a.close()
    const b = createSqliteStore(path)
    try {
      await assert.rejects(b.migrate(), /newer than this server/)
    } finally {
      await b.close()
    }
  })

  it('rolls back a failing migration whole', async () => {
    const store = createSqliteStore(':memory:')
    await store.migrate()
    const bad = [
      ...MIGRATIONS,
      { version: 9998, name: 'broken', sql: 'CREATE TABLE half (x); SELECT * FROM nope' },
    ]
    assert.throws(() => runMigrations(store.db, bad))
    const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all()
    assert.deepEqual(tables, [])
    const v = store.db.prepare('SELECT 1 FROM schema_migrations WHERE version = 9998').get()
    assert.equal(v, undefined)
    await store.close()
  })

  it('lets exactly one of two connections win a pull on the same file', async () => {
    const path = freshPath()
    const a = createSqliteStore(path)
    await a.migrate()
    await a.applyProvisioning(basePlan())
    const b = createSqliteStore(path)
    await b.migrate()
    try {
      const from = {
        kind: 'workbin' as const,
        workbinId: basePlan().contactCenters[0]!.workbins[0]!.id,
        owner: AGENT1,
      }
      const patch = { state: 'Processing', capabilities: [], userData: { set: {}, remove: [] } }
      const results = await Promise.all([
        a.moveInteraction(CC, '0001BaBFVPR20035', from, { kind: 'owner', userId: AGENT1 }, patch),
        b.moveInteraction(CC, '0001BaBFVPR20035', from, { kind: 'owner', userId: AGENT1 }, patch),
      ])
      assert.deepEqual(results.map((r) => r.ok).sort(), [false, true])
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('lets exactly one of two connections take a place on the same file', async () => {
    const path = freshPath()
    const a = createSqliteStore(path)
    await a.migrate()
    await a.applyProvisioning(basePlan())
    const b = createSqliteStore(path)
    await b.migrate()
    try {
      for (const [id, userId] of [
        ['s1', AGENT1],
        ['s2', AGENT2],
      ] as const) {
        await a.createSession({ id, userId, csrfToken: id, createdAt: 0, lastSeenAt: 5000 })
      }
      const results = await Promise.all([
        a.occupyPlace(AGENT1, CC, 'Place_7001', 1000),
        b.occupyPlace(AGENT2, CC, 'Place_7001', 1000),
      ])
      assert.deepEqual(results.map((r) => r.ok).sort(), [false, true])
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('migration 2 keeps the chosen place of a logged-in agent as their occupancy', async () => {
    const path = freshPath()
    const v1 = createSqliteStore(path)
    runMigrations(v1.db, MIGRATIONS.slice(0, 1))
    // provision with plain SQL: the adapter's statements need the newest schema
    const put = (sql: string, ...args: unknown[]) => v1.db.prepare(sql).run(...args)
    put(`INSERT INTO contact_centers (id, name, features) VALUES (?, 'Demo', '[]')`, CC)
    put(`INSERT INTO places (contact_center_id, name, place_groups) VALUES (?, 'P', '[]')`, CC)
    for (const [id, name] of [
      [AGENT1, 'agent1'],
      [AGENT2, 'agent2'],
    ]) {
      put(
        `INSERT INTO users (id, contact_center_id, user_name, password_hash, first_name, last_name, roles)
         VALUES (?, ?, ?, 'x', 'F', 'L', '[]')`,
        id,
        CC,
        name,
      )
    }
    put(
      'INSERT INTO user_state (user_id, current_place) VALUES (?, ?), (?, ?)',
      AGENT1,
      'P',
      AGENT2,
      'P',
    )
    put(`INSERT INTO http_sessions VALUES ('s', ?, 'c', 0, 1)`, AGENT2)
    await v1.close()

    const store = createSqliteStore(path)
    await store.migrate()
    assert.equal(await store.getPlaceOccupant(CC, 'P'), AGENT2, 'agent1 had no session')
    assert.equal(await store.getCurrentPlace(AGENT1), null)
    await store.close()
  })

  it('maps constraint failures to GwsError by code', async () => {
    const store = createSqliteStore(':memory:')
    await store.migrate()
    await store.applyProvisioning(basePlan())
    await assert.rejects(
      store.createInteraction(
        interaction('FKFKFKFKFKFKFKFK', {
          location: { kind: 'workbin', workbinId: 'no-such-workbin', owner: AGENT1 },
        }),
      ),
      (e: unknown) => e instanceof GwsError && e.statusCode === StatusCode.INVALID_PARAMETER,
    )
    await assert.rejects(
      store.nextReferenceIds('0'.repeat(32), 1),
      (e: unknown) => e instanceof GwsError && e.statusCode === StatusCode.INVALID_PARAMETER,
    )
    await store.close()
  })
})
