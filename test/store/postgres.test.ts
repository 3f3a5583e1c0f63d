// The store contract on a real PostgreSQL database, plus what is specific to the PostgreSQL
// adapter: migrations, reopening, concurrent pulls on two pools, error mapping, and a
// database that goes away and comes back (503, then recovery without a restart).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { GwsError, StatusCode } from '../../src/errors.ts'
import { MIGRATIONS, runMigrations } from '../../src/store/postgres/migrations.ts'
import { createPgStore, type PgStore } from '../../src/store/postgres/pg-store.ts'
import { StoreOpenError, StoreUnavailableError } from '../../src/store/store-errors.ts'
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.ts'
import { AGENT1, basePlan, CC, interaction } from './fixtures.ts'
import { storeContract } from './store-contract.ts'

const skip = await postgresSkipReason()
const OPTS = { poolSize: 4, statementTimeoutMs: 5000 }

let db: TestDatabase | undefined
if (!skip) {
  db = await createTestDatabase()
  after(() => db?.drop())
}
const fresh = async (): Promise<PgStore> => createPgStore(await db!.freshSchemaUrl(), OPTS)

if (skip) {
  describe('Store contract: postgresql', { skip }, () => {
    it('needs PostgreSQL')
  })
} else {
  storeContract('postgresql', fresh)
}

describe('PostgreSQL adapter', { skip }, () => {
  let url: string
  before(async () => {
    url = await db!.freshSchemaUrl()
  })

  it('records each migration once and keeps data across reopen', async () => {
    const a = createPgStore(url, OPTS)
    await a.migrate()
    await a.applyProvisioning(basePlan())
    await a.addSubscriptions(AGENT1, [
      { workbinId: basePlan().contactCenters[0]!.workbins[0]!.id, owner: AGENT1 },
    ])
    const first = await a.nextReferenceIds(AGENT1, 3)
    await a.close()

    const b = createPgStore(url, OPTS)
    try {
      await Promise.all([b.migrate(), b.migrate()])
      const { rows } = await b.pool.query('SELECT version FROM schema_migrations ORDER BY version')
      assert.deepEqual(
        rows.map((r: { version: number }) => r.version),
        MIGRATIONS.map((m) => m.version),
      )
      assert.equal(await b.isEmpty(), false)
      assert.equal((await b.getUser(AGENT1))?.userName, 'agent1')
      assert.equal((await b.listSubscriptions(AGENT1)).length, 1)
      const next = await b.nextReferenceIds(AGENT1, 1)
      assert.ok(next[0]! > first[2]!, `${next} after ${first}`)
      const r = await b.applyProvisioning(basePlan())
      assert.ok(Object.values(r.changed).every((v) => v === 0))
    } finally {
      await b.close()
    }
  })

  it('applies a later migration alone, rolls back a failing one whole, refuses a newer schema', async () => {
    const store = await fresh()
    await store.migrate()
    const client = await store.pool.connect()
    try {
      const extra = [
        ...MIGRATIONS,
        { version: 9998, name: 'test addition', sql: 'CREATE TABLE test_added (x INTEGER)' },
      ]
      assert.deepEqual(await runMigrations(client, extra), [9998])
      assert.deepEqual(await runMigrations(client, extra), [])
      const bad = [
        ...extra,
        { version: 9999, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM nope' },
      ]
      await assert.rejects(runMigrations(client, bad), /nope/)
      const half = await client.query("SELECT to_regclass('half') AS t")
      assert.equal(half.rows[0].t, null)
      const v = await client.query('SELECT 1 FROM schema_migrations WHERE version = 9999')
      assert.equal(v.rowCount, 0)
    } finally {
      client.release()
    }
    await assert.rejects(store.migrate(), /newer than this server/)
    await store.close()
  })

  it('lets exactly one of two pools win a pull of the same item', async () => {
    const shared = await db!.freshSchemaUrl()
    const a = createPgStore(shared, OPTS)
    await a.migrate()
    await a.applyProvisioning(basePlan())
    const b = createPgStore(shared, OPTS)
    try {
      const from = {
        kind: 'workbin' as const,
        workbinId: basePlan().contactCenters[0]!.workbins[0]!.id,
        owner: AGENT1,
      }
      const to = { kind: 'owner' as const, userId: AGENT1 }
      const patch = { state: 'Processing', capabilities: [], userData: { set: {}, remove: [] } }
      const results = await Promise.all(
        [a, b, a, b].map((s) => s.moveInteraction(CC, '0001BaBFVPR20035', from, to, patch)),
      )
      assert.deepEqual(results.map((r) => r.ok).sort(), [false, false, false, true])
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('maps constraint failures to GwsError by SQLSTATE', async () => {
    const store = await fresh()
    await store.migrate()
    await store.applyProvisioning(basePlan())
    try {
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
    } finally {
      await store.close()
    }
  })

  it('a database that cannot be reached at start is one clear error naming it without the password', async () => {
    const store = createPgStore('postgres://wb:secret@127.0.0.1:1/nowhere', OPTS)
    try {
      await assert.rejects(store.migrate(), (e: unknown) => {
        assert.ok(e instanceof StoreOpenError, String(e))
        assert.match(
          e.message,
          /^cannot connect to PostgreSQL at postgres:\/\/wb:\*\*\*@127\.0\.0\.1:1\/nowhere: /,
        )
        assert.doesNotMatch(e.message, /secret|\n/)
        return true
      })
    } finally {
      await store.close()
    }
  })

  it('a statement that outlives the statement timeout is StoreUnavailableError (503)', async () => {
    const url = await db!.freshSchemaUrl()
    // Set up with the usual timeout: on a loaded machine DDL may take longer than the short one.
    const setup = createPgStore(url, OPTS)
    await setup.migrate()
    await setup.applyProvisioning(basePlan())
    await setup.close()
    const store = createPgStore(url, { poolSize: 2, statementTimeoutMs: 300 })
    try {
      // Hold the interaction's row lock elsewhere: the compare-and-set waits past its timeout.
      const holder = await store.pool.connect()
      await holder.query('BEGIN')
      await holder.query("SELECT 1 FROM interactions WHERE id = '0001BaBFVPR20035' FOR UPDATE")
      const from = {
        kind: 'workbin' as const,
        workbinId: basePlan().contactCenters[0]!.workbins[0]!.id,
        owner: AGENT1,
      }
      await assert.rejects(
        store.updateUserData(CC, '0001BaBFVPR20035', from, { set: { a: 1 }, remove: [] }),
        (e: unknown) => e instanceof StoreUnavailableError && e.httpStatus === 503,
      )
      await holder.query('ROLLBACK')
      holder.release()
      const ok = await store.updateUserData(CC, '0001BaBFVPR20035', from, {
        set: { a: 1 },
        remove: [],
      })
      assert.equal(ok.ok, true)
    } finally {
      await store.close()
    }
  })
})
