// The store contract on a real PostgreSQL database, plus what is specific to the PostgreSQL
// adapter: migrations, reopening, concurrent pulls on two pools, error mapping, and a
// database that goes away and comes back (503, then recovery without a restart).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { GwsError, StatusCode } from '../../src/errors.ts'
import { MIGRATIONS, runMigrations } from '../../src/store/postgres/migrations.ts'
import { createPgStore, type PgStore } from '../../src/store/postgres/pg-store.ts'
import { StoreOpenError, StoreUnavailableError } from '../../src/store/store-errors.ts'
import {
  createTestDatabase,
  postgresSkipReason,
  withAdmin,
  type TestDatabase,
} from '../helpers/postgres.ts'
import { AGENT1, AGENT2, basePlan, CC, interaction } from './fixtures.ts'
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

/** Two stores (two pools, as two nodes) on one fresh provisioned schema, closed after `fn`. */
async function twoPools(fn: (a: PgStore, b: PgStore) => Promise<void>): Promise<void> {
  const shared = await db!.freshSchemaUrl()
  const a = createPgStore(shared, OPTS)
  await a.migrate()
  await a.applyProvisioning(basePlan())
  const b = createPgStore(shared, OPTS)
  try {
    await fn(a, b)
  } finally {
    await a.close()
    await b.close()
  }
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
    await twoPools(async (a, b) => {
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
    })
  })

  it('two pools claiming CometD sessions of one user stay within the limit together', async () => {
    await twoPools(async (a, b) => {
      const session = (clientId: string, lastSeen = Date.now()) => ({
        clientId,
        userId: AGENT1,
        record: '{}',
        position: 0,
        lastSeen,
      })
      for (let round = 0; round < 5; round++) {
        await a.deleteCometdSessionsOfUser(AGENT1)
        // six handshakes at one moment on two nodes, limit 2
        const results = await Promise.all(
          [a, b, a, b, a, b].map((s, i) => s.claimCometdSession(session(`r${round}c${i}`), 2, 0)),
        )
        assert.equal(results.filter(Boolean).length, 2, JSON.stringify(results))
      }
      // a session does not count against itself (saved again), stale ones do not count
      await a.deleteCometdSessionsOfUser(AGENT1)
      assert.equal(await a.claimCometdSession(session('x'), 1, 0), true)
      assert.equal(await b.claimCometdSession(session('x'), 1, 0), true)
      assert.equal(await b.claimCometdSession(session('y'), 1, 0), false)
      assert.equal(await b.claimCometdSession(session('y'), 1, Date.now() + 60_000), true)
    })
  })

  it('lets exactly one of two pools take a place', async () => {
    await twoPools(async (a, b) => {
      for (const [id, userId] of [
        ['s1', AGENT1],
        ['s2', AGENT2],
      ] as const) {
        await a.createSession({ id, userId, csrfToken: id, createdAt: 0, lastSeenAt: 5000 })
      }
      for (let round = 0; round < 10; round++) {
        await a.releasePlace(AGENT1)
        await a.releasePlace(AGENT2)
        const results = await Promise.all([
          a.occupyPlace(AGENT1, CC, 'Place_7001', 1000),
          b.occupyPlace(AGENT2, CC, 'Place_7001', 1000),
        ])
        assert.deepEqual(results.map((r) => r.ok).sort(), [false, true], JSON.stringify(results))
        const winner = results[0]!.ok ? AGENT1 : AGENT2
        assert.equal(await b.getPlaceOccupant(CC, 'Place_7001'), winner)
      }
    })
  })

  it('two concurrent logouts of one agent: the last one frees the place', async () => {
    const store = await fresh()
    await store.migrate()
    await store.applyProvisioning(basePlan())
    for (const id of ['s1', 's2']) {
      await store.createSession({ id, userId: AGENT1, csrfToken: id, createdAt: 0, lastSeenAt: 1 })
    }
    await store.occupyPlace(AGENT1, CC, 'Place_7001', 0)
    const [one, two] = [await store.pool.connect(), await store.pool.connect()]
    try {
      await one.query('BEGIN')
      await one.query(`DELETE FROM http_sessions WHERE id = 's1'`)
      await two.query('BEGIN')
      const pid = (await two.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      let done = false
      const deleting = two.query(`DELETE FROM http_sessions WHERE id = 's2'`).then(() => {
        done = true
      })
      // until the second waits for the first (the trigger's lock on the occupancy)
      while (!done) {
        const { rows } = await store.pool.query(
          'SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1',
          [pid],
        )
        if (rows[0]?.wait_event_type === 'Lock') break
        await new Promise((r) => setTimeout(r, 20))
      }
      await one.query('COMMIT')
      await deleting
      await two.query('COMMIT')
    } finally {
      one.release()
      two.release()
    }
    assert.equal(await store.getPlaceOccupant(CC, 'Place_7001'), null)
    await store.close()
  })

  it('a type change waits for a move into the workbin not yet committed, then refuses it', async () => {
    const store = await fresh()
    await store.migrate()
    await store.applyProvisioning(basePlan())
    const group = basePlan().contactCenters[0]!.workbins[1]!
    const mover = await store.pool.connect()
    try {
      // A move into the empty group workbin, still in its transaction: its foreign key check
      // holds the workbin row FOR KEY SHARE.
      await mover.query('BEGIN')
      await mover.query(
        `UPDATE interactions SET workbin_id = $1, workbin_owner = 'Sales' WHERE id = '0001BaBFVPR20035'`,
        [group.id],
      )
      const plan = basePlan()
      plan.contactCenters[0]!.workbins[1]!.type = 'PlaceGroup'
      let settled = false
      const applying = store.applyProvisioning(plan).then(
        () => 'applied',
        (e: unknown) => e,
      )
      void applying.finally(() => (settled = true))
      // until the type change waits for the mover (or did not wait at all)
      for (let waiting = 0; waiting === 0 && !settled;) {
        await new Promise((r) => setTimeout(r, 20))
        const { rows } = await store.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
        waiting = rows[0]!.n
      }
      await mover.query('COMMIT')
      const outcome = await applying
      assert.ok(
        outcome instanceof GwsError && outcome.statusCode === StatusCode.IN_USE,
        String(outcome),
      )
      const dir = await store.getDirectory(CC)
      assert.equal(dir?.workbins.find((w) => w.id === group.id)?.type, 'AgentGroup')
    } finally {
      mover.release()
      await store.close()
    }
  })

  it('migration 2 keeps the chosen place of a logged-in agent as their occupancy', async () => {
    const url = await db!.freshSchemaUrl()
    const store = createPgStore(url, OPTS)
    try {
      const client = await store.pool.connect()
      try {
        await runMigrations(client, MIGRATIONS.slice(0, 1))
        // provision with plain SQL: the adapter's statements need the newest schema
        const put = (sql: string, args: unknown[]) => client.query(sql, args)
        await put(`INSERT INTO contact_centers (id, name, features) VALUES ($1, 'Demo', '[]')`, [
          CC,
        ])
        await put(
          `INSERT INTO places (contact_center_id, name, place_groups) VALUES ($1, 'P', '[]')`,
          [CC],
        )
        for (const [id, name] of [
          [AGENT1, 'agent1'],
          [AGENT2, 'agent2'],
        ]) {
          await put(
            `INSERT INTO users (id, contact_center_id, user_name, password_hash, first_name,
               last_name, roles) VALUES ($1, $2, $3, 'x', 'F', 'L', '[]')`,
            [id, CC, name],
          )
        }
        await put('INSERT INTO user_state (user_id, current_place) VALUES ($1, $2), ($3, $4)', [
          AGENT1,
          'P',
          AGENT2,
          'P',
        ])
        await put(`INSERT INTO http_sessions VALUES ('s', $1, 'c', 0, 1)`, [AGENT2])
      } finally {
        client.release()
      }
      await store.migrate()
      assert.equal(await store.getPlaceOccupant(CC, 'P'), AGENT2, 'agent1 had no session')
      assert.equal(await store.getCurrentPlace(AGENT1), null)
      // the trigger is in place: the agent's last session going frees the place
      await store.deleteSession('s')
      assert.equal(await store.getPlaceOccupant(CC, 'P'), null)
    } finally {
      await store.close()
    }
  })

  it('gives interactions completed before the upgrade a completion time of the upgrade', async () => {
    const url = await db!.freshSchemaUrl()
    const store = createPgStore(url, OPTS)
    try {
      const client = await store.pool.connect()
      try {
        await runMigrations(
          client,
          MIGRATIONS.filter((m) => m.version < 11),
        )
        await client.query(
          `INSERT INTO contact_centers (id, name, features) VALUES ($1, 'D', '[]')`,
          [CC],
        )
        await client.query(
          `INSERT INTO users (id, contact_center_id, user_name, password_hash, first_name,
             last_name, roles) VALUES ($1, $2, 'agent1', 'x', 'F', 'L', '[]')`,
          [AGENT1, CC],
        )
        const insert = (id: string, state: string, owner: string | null, queue: string | null) =>
          client.query(
            `INSERT INTO interactions (id, contact_center_id, media_type, state, user_data,
               received_date, received_at, capabilities, owner_user_id, queue_name, extra)
             VALUES ($1, $2, 'workitem', $3, '{}', '2026-01-01 00:00:00.000+0000', 0, '[]', $4, $5, '{}')`,
            [id, CC, state, owner, queue],
          )
        await insert('DDDDDDDDDDDDDDD1', 'Completed', null, null)
        await insert('DDDDDDDDDDDDDDD2', 'Queued', null, 'Inbound')
        await insert('DDDDDDDDDDDDDDD3', 'Processing', AGENT1, null)
      } finally {
        client.release()
      }
      const upgraded = Date.now()
      await store.migrate()
      assert.equal(await store.deleteCompletedInteractions(upgraded - 1000, 10), 0)
      assert.equal(await store.deleteCompletedInteractions(Date.now() + 1000, 10), 1)
      const { rows } = await store.pool.query<{ id: string }>(
        'SELECT id FROM interactions ORDER BY id',
      )
      assert.deepEqual(
        rows.map((r) => r.id),
        ['DDDDDDDDDDDDDDD2', 'DDDDDDDDDDDDDDD3'],
      )
    } finally {
      await store.close()
    }
  })

  it('keeps offers and every other interaction through the upgrade to transfer invitations', async () => {
    const url = await db!.freshSchemaUrl()
    const store = createPgStore(url, OPTS)
    try {
      const client = await store.pool.connect()
      try {
        await runMigrations(
          client,
          MIGRATIONS.filter((m) => m.version < 13),
        )
        await client.query(
          `INSERT INTO contact_centers (id, name, features) VALUES ($1, 'D', '[]')`,
          [CC],
        )
        for (const [id, name] of [
          [AGENT1, 'agent1'],
          [AGENT2, 'agent2'],
        ]) {
          await client.query(
            `INSERT INTO users (id, contact_center_id, user_name, password_hash, first_name,
               last_name, roles) VALUES ($1, $2, $3, 'x', 'F', 'L', '[]')`,
            [id, CC, name],
          )
        }
        const insert = (id: string, state: string, cols: (string | number | null)[]) =>
          client.query(
            `INSERT INTO interactions (id, contact_center_id, media_type, state, user_data,
               received_date, received_at, capabilities, owner_user_id, invited_user_id,
               queue_name, invited_at, completed_at, extra)
             VALUES ($1, $2, 'workitem', $3, '{"k":"v"}', '2026-01-01 00:00:00.000+0000', 0, '[]',
               $4, $5, $6, $7, $8, '{}')`,
            [id, CC, state, ...cols],
          )
        await insert('MMMMMMMMMMMMMMM1', 'Invited', [null, AGENT2, 'Inbound', 1000, null])
        await insert('MMMMMMMMMMMMMMM2', 'Processing', [AGENT1, null, null, null, null])
        await insert('MMMMMMMMMMMMMMM3', 'Completed', [null, null, null, null, 2000])
      } finally {
        client.release()
      }
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
      const moved = await store.moveInteraction(CC, 'MMMMMMMMMMMMMMM2', owned, transferred, {
        state: 'Invited',
        capabilities: [],
        userData: { set: {}, remove: [] },
      })
      assert.ok(moved.ok)
      assert.deepEqual(moved.interaction.location, transferred)
      // exactly one of the two returns: the new constraints refuse both, and neither
      const bad = (queue: string | null, by: string | null) =>
        store.pool.query(
          `UPDATE interactions SET queue_name = $1, invited_by_user_id = $2
           WHERE id = 'MMMMMMMMMMMMMMM1'`,
          [queue, by],
        )
      await assert.rejects(bad('Inbound', AGENT1), /interactions_one_location/)
      await assert.rejects(bad(null, null), /interactions_invitation_returns/)
    } finally {
      await store.close()
    }
  })

  it('each take of a stored CometD session draws a higher number; an unknown one draws none', async () => {
    await twoPools(async (a, b) => {
      const s = { clientId: 'c1', userId: AGENT1, record: '{}', position: 3, lastSeen: 5 }
      await a.saveCometdSession(s)
      const first = await a.takeCometdSession('c1')
      const second = await b.takeCometdSession('c1')
      assert.deepEqual({ ...first, take: 0 }, { ...s, take: 0 })
      assert.ok(first && second && second.take > first.take, JSON.stringify([first, second]))
      const both = await Promise.all([a.takeCometdSession('c1'), b.takeCometdSession('c1')])
      const takes = both.map((x) => x?.take as number)
      assert.ok(takes.every((n) => n > (second?.take as number)) && takes[0] !== takes[1])
      assert.equal(await a.takeCometdSession('nope'), undefined)
    })
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
          /^WORKBINS_DB=postgres:\/\/wb:\*\*\*@127\.0\.0\.1:1\/nowhere: cannot connect to PostgreSQL: /,
        )
        assert.doesNotMatch(e.message, /secret|\n/)
        return true
      })
    } finally {
      await store.close()
    }
  })

  it('a write refused as read-only (25006) is 503, and ping() fails until a write is stored', async () => {
    const url = await db!.freshSchemaUrl()
    const setup = createPgStore(url, OPTS)
    await setup.migrate()
    await setup.applyProvisioning(basePlan())
    await setup.close()
    // Every new connection read-only (a failed statement's connection is replaced).
    const readOnly = (on: boolean) =>
      withAdmin((c) =>
        c.query(
          on
            ? `ALTER DATABASE ${db!.name} SET default_transaction_read_only = on`
            : `ALTER DATABASE ${db!.name} RESET default_transaction_read_only`,
        ),
      )
    await readOnly(true)
    const store = createPgStore(url, { poolSize: 1, statementTimeoutMs: 5000 })
    try {
      await store.ping()
      await assert.rejects(
        store.nextReferenceIds(AGENT1, 1),
        (e: unknown) => e instanceof StoreUnavailableError && /read-only/.test(e.detail),
      )
      await assert.rejects(store.ping(), StoreUnavailableError)
      await assert.rejects(store.ping(), StoreUnavailableError, 'still read-only: still not ready')
      await readOnly(false)
      await store.ping()
      await store.nextReferenceIds(AGENT1, 1)
    } finally {
      await readOnly(false)
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
