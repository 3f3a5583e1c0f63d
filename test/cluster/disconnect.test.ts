// A /meta/disconnect is answered once the stored session is deleted (docs/cluster.md): a
// handshake that follows the reply on another node counts the stored sessions of the user for
// COMETD_MAX_SESSIONS_PER_USER, so a row still there would refuse it. The delete is held back
// here by a real row lock taken on a second PostgreSQL connection.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { World } from '../helpers/world.ts'
import { basic, handshake, newClient } from '../helpers/cometd.ts'
import { PASSWORD } from '../helpers/fixtures/content.ts'
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.ts'
import { until } from '../helpers/wait.ts'

const skip = await postgresSkipReason()

describe('a disconnect and its stored session (PostgreSQL)', { skip }, () => {
  let db: TestDatabase
  let w: World
  let locker: pg.Client
  /** Outside the locker's transaction: pg_stat_activity is read once per transaction. */
  let watcher: pg.Client

  before(async () => {
    db = await createTestDatabase()
    const url = await db.freshSchemaUrl()
    w = await World.start({ db: url })
    locker = new pg.Client({ connectionString: url })
    await locker.connect()
    watcher = new pg.Client({ connectionString: url })
    await watcher.connect()
  })

  after(async () => {
    await locker?.end()
    await watcher?.end()
    await w?.close()
    await db?.drop()
  })

  test('is answered only after the stored session is deleted', async () => {
    const c = newClient(w.server.cometdUrl, {
      headers: { Authorization: basic('agent1', PASSWORD) },
    })
    await handshake(c)
    const clientId = c.getClientId() as string
    await locker.query('BEGIN')
    const held = await locker.query(
      'SELECT client_id FROM cometd_sessions WHERE client_id = $1 FOR UPDATE',
      [clientId],
    )
    assert.equal(held.rowCount, 1, 'stored at handshake')
    let answered = false
    const done = new Promise<void>((resolve) =>
      c.disconnect(() => {
        answered = true
        resolve()
      }),
    )
    // The server's DELETE waits on the lock: a backend of this database blocked by the locker
    // (other test files run their own databases beside this one).
    const me = (await locker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number
    await until(
      'the delete waits on the row lock',
      async () => {
        const blocked = await watcher.query(
          `SELECT query FROM pg_stat_activity
            WHERE datname = current_database() AND $1 = ANY(pg_blocking_pids(pid))`,
          [me],
        )
        return blocked.rows.some((r: { query: string }) =>
          r.query.startsWith('DELETE FROM cometd_sessions'),
        )
      },
      5000,
    )
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(answered, false, 'no disconnect reply while the stored session remains')
    await locker.query('COMMIT')
    await done
    assert.equal(answered, true)
    const left = await locker.query('SELECT 1 FROM cometd_sessions WHERE client_id = $1', [
      clientId,
    ])
    assert.equal(left.rowCount, 0, 'deleted when the reply came')
  })
})
