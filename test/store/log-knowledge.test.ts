// The SQLite notification log keeps what its own writes taught it (the newest direct and
// instance entries, each feed's position) so that advancing a feed usually needs no query.
// These tests break each assumption that knowledge rests on: another connection appends to
// the log, a write is rolled back, and a feed is numbered by both.

import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import type { LogEntry } from '../../src/store/notification-log.ts'
import { runMigrations } from '../../src/store/sqlite/migrations.ts'
import {
  AHEAD_LIMIT,
  SETTLE_USER_COST,
  SqliteNotificationLog,
} from '../../src/store/sqlite/notification-log.ts'

const dir = mkdtempSync(join(tmpdir(), 'workbins-log-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

function fresh() {
  return open(join(dir, `k-${++n}.sqlite`))
}

/** A copy of a database file, opened as at a restart. */
function openCopy(path: string) {
  const copy = `${path}.${++n}`
  copyFileSync(path, copy)
  return open(copy)
}

function open(path: string) {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  runMigrations(db)
  // The log names users and workbins without needing their rows: none are made here.
  db.pragma('foreign_keys = OFF')
  const log = new SqliteNotificationLog(db)
  /** One write transaction as the store runs it. */
  const write = <T>(fn: () => T): T =>
    db
      .transaction(() => {
        log.begin()
        return fn()
      })
      .immediate()
  return { path, db, log, write }
}

const direct = (userId: string, n: number): LogEntry => ({
  userId,
  channel: '/workbins/test',
  data: { n },
})

/** A direct entry appended by another connection (a second process, say). */
function appendElsewhere(path: string, userId: string, n: number): void {
  const other = new Database(path)
  try {
    other
      .prepare(
        "INSERT INTO notification_log (user_id, channel, data, created_at) VALUES (?, '/workbins/test', ?, 0)",
      )
      .run(userId, JSON.stringify({ n }))
  } finally {
    other.close()
  }
}

/** The users subscribe to the instance wb/Team (rows only: the log reads them). */
function subscribe(db: Database.Database, users: readonly string[]): void {
  const sub = db.prepare(
    "INSERT INTO subscriptions (user_id, workbin_id, owner) VALUES (?, 'wb', 'Team')",
  )
  for (const u of users) sub.run(u)
}

/** An entry for every subscriber of wb/Team; u2 gets its own text. */
const instance = (n: number, exclude?: string[]): LogEntry => ({
  instance: { workbinId: 'wb', owner: 'Team' },
  channel: '/workbins/team',
  data: { n },
  owner: { userId: 'u2', data: { n, mine: true } },
  exclude,
})

const seqs = (log: SqliteNotificationLog, userId: string) => {
  const r = log.read(userId, 0, 100)
  assert.ok(r.ok)
  return r.messages.map((m) => [m.seq, (JSON.parse(m.data) as { n: number }).n])
}

describe('SQLite notification log: what writes teach it', () => {
  it('numbers nothing at the append: an advance of the row, or numberAhead in memory, does', () => {
    const { db, log, write } = fresh()
    write(() => log.advance('u1', 100))
    write(() => log.append([direct('u1', 1)], 1))
    write(() => log.append([direct('u1', 2)], 2))
    const rows = () => db.prepare('SELECT seq FROM user_feeds').pluck().all()
    assert.deepEqual(rows(), [0])
    assert.equal(db.prepare('SELECT count(*) FROM user_message_runs').pluck().get(), 0)
    const ahead = log.numberAhead('u1', 0, 100)
    assert.deepEqual(ahead?.ok && ahead.messages.map((m) => [m.seq, m.data]), [
      [1, '{"n":1}'],
      [2, '{"n":2}'],
    ])
    assert.deepEqual(rows(), [0])
    assert.equal(
      write(() => log.advance('u1', 100)),
      2,
    )
    assert.deepEqual(seqs(log, 'u1'), [
      [1, 1],
      [2, 2],
    ])
  })

  it('sees an entry another connection appended (PRAGMA data_version)', () => {
    const { path, log, write } = fresh()
    write(() => log.append([direct('u1', 1)], 1))
    appendElsewhere(path, 'u1', 2)
    write(() => log.append([direct('u1', 3)], 3))
    write(() => log.advance('u1', 100))
    assert.deepEqual(seqs(log, 'u1'), [
      [1, 1],
      [2, 2],
      [3, 3],
    ])
    // A feed advanced by itself also finds what the other connection wrote.
    write(() => log.append([direct('u2', 9)], 4))
    appendElsewhere(path, 'u2', 10)
    assert.equal(
      write(() => log.advance('u2', 100)),
      2,
    )
  })

  it('forgets what a rolled-back write taught it', () => {
    const { db, log, write } = fresh()
    write(() => log.append([direct('u1', 1)], 1))
    write(() => {
      try {
        db.transaction(() => {
          log.append([direct('u1', 2)], 2)
          throw new Error('the change failed')
        })()
      } catch {
        log.rolledBack()
      }
      log.append([direct('u1', 3)], 3)
      log.advance('u1', 100)
    })
    assert.deepEqual(seqs(log, 'u1'), [
      [1, 1],
      [2, 3],
    ])
    write(() => log.append([direct('u1', 4)], 4))
    write(() => log.advance('u1', 100))
    assert.deepEqual(seqs(log, 'u1').at(-1), [3, 4])
  })

  it('numbers entries of many users in one transaction, each feed gap-free', () => {
    const { log, write } = fresh()
    write(() => {
      for (let i = 0; i < 50; i++) log.append([direct(`u${i % 7}`, i)], i)
    })
    for (let round = 0; round < 3; round++) {
      write(() => {
        for (let i = 0; i < 20; i++) log.append([direct(`u${i % 5}`, 100 + i)], i)
        for (let u = 0; u < 7; u++) log.advance(`u${u}`, 1000)
      })
    }
    for (let u = 0; u < 7; u++) {
      const got = seqs(log, `u${u}`)
      assert.deepEqual(
        got.map(([s]) => s),
        got.map((_, k) => k + 1),
      )
    }
    assert.equal(seqs(log, 'u0').length, 8 + 12)
    assert.equal(seqs(log, 'u6').length, 7)
  })
  it('builds the messages of instance entries from memory exactly as it reads them', () => {
    const { db, log, write } = fresh()
    subscribe(db, ['u1', 'u2', 'u3'])
    // Feeds exist and stand at their newest number, as a live session's do.
    write(() => log.append([direct('u1', 0), direct('u2', 0), direct('u3', 0)], 0))
    write(() => log.append([instance(1), instance(2, ['u3'])], 1))
    const live = ['u1', 'u2', 'u3'].map((u) => write(() => log.advanceAndRead(u, 1, 100)))
    // The same, read back from the tables by a fresh object (nothing in memory).
    const cold = new SqliteNotificationLog(db)
    for (const [i, u] of ['u1', 'u2', 'u3'].entries()) {
      assert.deepEqual(live[i], cold.read(u, 1, 100), u)
    }
    assert.deepEqual(
      live.map((r) => (r.ok ? r.messages.map((m) => m.data) : r)),
      [['{"n":1}', '{"n":2}'], ['{"n":1,"mine":true}', '{"n":2,"mine":true}'], ['{"n":1}']],
    )
    // A caller behind the feed's newest number gets everything after its own position.
    const behind = write(() => log.advanceAndRead('u1', 0, 100))
    assert.ok(behind.ok)
    assert.deepEqual(
      behind.messages.map((m) => m.seq),
      [1, 2, 3],
    )
  })

  it("finds a live feed's instance entries from memory, and follows every subscription change", () => {
    const { path, db, log, write } = fresh()
    subscribe(db, ['u1', 'u2'])
    // Feeds exist and the log trusts what it appended from here on.
    write(() => log.append([direct('u1', 0), direct('u2', 0), direct('u3', 0)], 0))
    const cold = new SqliteNotificationLog(db)
    /** The instance entries numbered for the user, as the tables say. */
    const got = (u: string) => {
      const r = cold.read(u, 0, 100)
      assert.ok(r.ok)
      return r.messages.map((m) => (JSON.parse(m.data) as { n: number }).n).filter((n) => n > 0)
    }
    const round = (n: number, exclude?: string[]) =>
      write(() => {
        log.append([instance(n, exclude)], n)
        for (const u of ['u1', 'u2', 'u3']) log.advance(u, 100)
      })
    round(1)
    round(2, ['u2'])
    // Added through this connection, by any statement (here a raw one).
    db.prepare(
      "INSERT INTO subscriptions (user_id, workbin_id, owner) VALUES ('u3', 'wb', 'Team')",
    ).run()
    round(3)
    // Removed.
    db.prepare("DELETE FROM subscriptions WHERE user_id = 'u1'").run()
    round(4)
    // Moved to another instance by an UPDATE.
    db.prepare("UPDATE subscriptions SET owner = 'Other' WHERE user_id = 'u2'").run()
    round(5)
    // Added by another connection (PRAGMA data_version).
    const other = new Database(path)
    other.pragma('foreign_keys = OFF')
    other
      .prepare("INSERT INTO subscriptions (user_id, workbin_id, owner) VALUES ('u1', 'wb', 'Team')")
      .run()
    other.close()
    round(6)
    // Removed in a savepoint rolled back after the feed was advanced inside it.
    write(() => {
      try {
        db.transaction(() => {
          db.prepare("DELETE FROM subscriptions WHERE user_id = 'u3'").run()
          log.append([instance(7)], 7)
          log.advance('u3', 100)
          throw new Error('the change failed')
        })()
      } catch {
        log.rolledBack()
      }
    })
    round(8)
    assert.deepEqual(got('u1'), [1, 2, 3, 6, 8])
    assert.deepEqual(got('u2'), [1, 3, 4])
    assert.deepEqual(got('u3'), [3, 4, 5, 6, 8])
  })

  it('numbers again exactly as an advance whose commit was lost (a power loss before its fsync)', async () => {
    const { path, db, log, write } = fresh()
    subscribe(db, ['u1', 'u2', 'u3'])
    write(() => log.append([direct('u1', 0), direct('u2', 0), direct('u3', 0)], 0))
    write(() => ['u1', 'u2', 'u3'].forEach((u) => log.advance(u, 100)))
    write(() => log.append([instance(1), direct('u2', 2), instance(3, ['u3'])], 1))
    write(() => log.append([instance(4)], 2))
    // What is on disk when an advance commits: a power loss before its fsync takes the disk back
    // to this copy. Numbering is a function of the log and the subscriptions, so the numbers
    // given again are the same (docs/durable-delivery.md, "Numbers per user").
    const copy = `${path}.before-advance`
    await db.backup(copy)
    const users = ['u1', 'u2', 'u3']
    const live = users.map((u) => write(() => log.advanceAndRead(u, 1, 100)))
    assert.ok(live.every((r) => r.ok && r.messages.length > 0))
    const again = openCopy(copy)
    // The next advance there, whichever way it comes: the pump's...
    const pumped = users.map((u) => again.write(() => again.log.advanceAndRead(u, 1, 100)))
    assert.deepEqual(pumped, live)
    // ...or a subscription change, which numbers the pending instance entries first.
    const third = openCopy(copy)
    third.write(() => third.log.beforeSubscriptionChange('u1'))
    third.write(() => third.log.append([direct('u1', 5)], 3))
    third.write(() => third.log.advance('u1', 100))
    const u1 = third.log.read('u1', 1, 100)
    assert.ok(u1.ok && live[0]?.ok)
    assert.deepEqual(u1.messages.slice(0, -1), live[0].messages)
    assert.equal(u1.messages.at(-1)?.seq, (live[0].messages.at(-1)?.seq ?? 0) + 1)
    again.db.close()
    third.db.close()
  })

  describe('numbers given in memory (numberAhead)', () => {
    /** Feeds of u1-u3 at their newest number, then entries for them not numbered yet. */
    async function live() {
      const f = fresh()
      subscribe(f.db, ['u1', 'u2', 'u3'])
      f.write(() => f.log.append([direct('u1', 0), direct('u2', 0), direct('u3', 0)], 0))
      f.write(() => ['u1', 'u2', 'u3'].forEach((u) => f.log.advance(u, 100)))
      f.write(() => f.log.append([instance(1), instance(2, ['u3'])], 1))
      f.write(() => f.log.append([instance(3)], 2))
      // As the store does once per synchronous run, outside any transaction.
      f.log.begin()
      return f
    }

    it('gives exactly the numbers an advance of the row gives, and writes nothing', async () => {
      const { path, db, log, write } = await live()
      const users = ['u1', 'u2', 'u3']
      const ahead = users.map((u) => log.numberAhead(u, 1, 100))
      assert.deepEqual(
        ahead.map((r) => (r?.ok ? r.messages.map((m) => [m.seq, m.data]) : r)),
        [
          [
            [2, '{"n":1}'],
            [3, '{"n":2}'],
            [4, '{"n":3}'],
          ],
          [
            [2, '{"n":1,"mine":true}'],
            [3, '{"n":2,"mine":true}'],
            [4, '{"n":3,"mine":true}'],
          ],
          [
            [2, '{"n":1}'],
            [3, '{"n":3}'],
          ],
        ],
      )
      // Nothing written: the database still says seq 1 (a restart now would number them).
      assert.deepEqual(seqs(new SqliteNotificationLog(db), 'u1'), [[1, 0]])
      await db.backup(`${path}.crash`)
      const restarted = open(`${path}.crash`)
      const again = users.map((u) => restarted.write(() => restarted.log.advanceAndRead(u, 1, 100)))
      assert.deepEqual(again, ahead)
      // Next from where memory stands: nothing new, then only what follows.
      assert.deepEqual(log.numberAhead('u1', 4, 100), { ok: true, messages: [], seq: 4 })
      write(() => log.append([instance(4)], 3))
      log.begin()
      assert.deepEqual(log.numberAhead('u1', 4, 100), {
        ok: true,
        messages: [{ seq: 5, channel: '/workbins/team', data: '{"n":4}' }],
        seq: 5,
      })
      // Written later as given, the user's row at once past it.
      assert.equal(
        write(() => log.settleAhead(100)),
        0,
      )
      const cold = new SqliteNotificationLog(db)
      assert.deepEqual(seqs(cold, 'u1'), [
        [1, 0],
        [2, 1],
        [3, 2],
        [4, 3],
        [5, 4],
      ])
      assert.deepEqual(seqs(cold, 'u3'), [
        [1, 0],
        [2, 1],
        [3, 3],
      ])
      assert.equal(log.aheadUsers, 0)
      restarted.db.close()
    })

    it('refuses a caller that is not at the newest number, and one too far past the row', async () => {
      const { db, log, write } = await live()
      assert.equal(log.numberAhead('u1', 0, 100), null)
      assert.equal(log.numberAhead('u1', 2, 100), null)
      assert.equal(log.numberAhead('nobody', 0, 100), null)
      const many: LogEntry[] = []
      for (let i = 0; i < AHEAD_LIMIT; i++) many.push(instance(100 + i))
      write(() => log.append(many, 3))
      log.begin()
      // Past AHEAD_LIMIT in memory the row must be advanced (the pump falls back to it).
      assert.equal(log.numberAhead('u1', 1, 1000), null)
      const r = log.numberAhead('u1', 1, 10)
      assert.ok(r?.ok)
      assert.equal(r.seq, 11)
      assert.deepEqual(seqs(new SqliteNotificationLog(db), 'u1'), [[1, 0]])
    })

    it('a subscription change with instance entries pending writes the same numbers first', async () => {
      const { db, log, write } = await live()
      const r = log.numberAhead('u1', 1, 100)
      assert.ok(r?.ok && r.seq === 4)
      // The store's unsubscribe: the feed is advanced, then the subscription goes.
      write(() => {
        log.beforeSubscriptionChange('u1')
        db.prepare("DELETE FROM subscriptions WHERE user_id = 'u1'").run()
        log.append([instance(4), direct('u1', 5)], 3)
      })
      assert.equal(log.aheadUsers, 0, "u1's advance wrote what memory held")
      write(() => log.advance('u1', 100))
      assert.deepEqual(seqs(new SqliteNotificationLog(db), 'u1'), [
        [1, 0],
        [2, 1],
        [3, 2],
        [4, 3],
        [5, 5],
      ])
    })

    it('a subscription change with only direct entries pending leaves the row: numbers stay as given', async () => {
      const { path, db, log, write } = fresh()
      write(() => log.advance('u1', 100))
      write(() => log.append([direct('u1', 1), direct('u1', 2)], 1))
      log.begin()
      const given = log.numberAhead('u1', 0, 100)
      assert.ok(given?.ok && given.seq === 2)
      const row = () =>
        db.prepare("SELECT seq, position FROM user_feeds WHERE user_id = 'u1'").get()
      const before = row()
      // The store's subscribe: nothing pending depends on the subscriptions, so nothing is written.
      write(() => {
        log.beforeSubscriptionChange('u1')
        subscribe(db, ['u1'])
        log.append([direct('u1', 3)], 2)
      })
      assert.deepEqual(row(), before)
      write(() => log.append([instance(4)], 3))
      log.begin()
      const next = log.numberAhead('u1', 2, 100)
      assert.ok(next?.ok)
      const text = (m: { seq: number; data: string }) => [
        m.seq,
        (JSON.parse(m.data) as { n: number }).n,
      ]
      const expected = [
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
      ]
      assert.deepEqual([...given.messages, ...next.messages].map(text), expected)
      // A power loss now: the row still stands before entry 1, the subscription is on disk.
      await db.backup(`${path}.crash`)
      const restarted = open(`${path}.crash`)
      restarted.write(() => restarted.log.advance('u1', 100))
      assert.deepEqual(seqs(restarted.log, 'u1'), expected)
      restarted.db.close()
    })

    it('a subscription change after an instance entry moves the row past it first', async () => {
      const { path, db, log, write } = fresh()
      write(() => log.advance('u1', 100))
      // Written before u1 subscribes (u4 has no feed at all yet): never numbered for them.
      write(() => log.append([instance(1)], 1))
      write(() => {
        for (const u of ['u1', 'u4']) log.beforeSubscriptionChange(u)
        subscribe(db, ['u1', 'u4'])
        log.append([direct('u1', 2), direct('u4', 2)], 2)
      })
      await db.backup(`${path}.crash`)
      const restarted = open(`${path}.crash`)
      for (const u of ['u1', 'u4']) {
        restarted.write(() => restarted.log.advance(u, 100))
        assert.deepEqual(seqs(restarted.log, u), [[1, 2]], u)
      }
      restarted.db.close()
    })

    it("numbers a user's direct entries from memory, and from the log past what memory keeps", async () => {
      const { path, db, log, write } = fresh()
      write(() => ['u1', 'u2'].forEach((u) => log.advance(u, 100)))
      const texts = (r: ReturnType<typeof log.numberAhead>) => {
        assert.ok(r?.ok)
        return r.messages.map((m) => [m.seq, (JSON.parse(m.data) as { n: number }).n])
      }
      write(() => log.append([direct('u1', 1), direct('u2', 1), direct('u1', 2)], 1))
      write(() => log.append([direct('u1', 3)], 2))
      log.begin()
      assert.deepEqual(texts(log.numberAhead('u1', 0, 2)), [
        [1, 1],
        [2, 2],
      ])
      assert.deepEqual(texts(log.numberAhead('u1', 2, 100)), [[3, 3]])
      assert.deepEqual(texts(log.numberAhead('u2', 0, 100)), [[1, 1]])
      // 70 more for u1: past what memory keeps of one user (they are read from the log).
      const many = Array.from({ length: 70 }, (_, i) => direct('u1', 4 + i))
      write(() => log.append(many, 3))
      log.begin()
      const more = texts(log.numberAhead('u1', 3, 100))
      assert.deepEqual(
        more,
        many.map((_, i) => [4 + i, 4 + i]),
      )
      write(() => log.append([direct('u2', 2)], 4))
      log.begin()
      assert.deepEqual(texts(log.numberAhead('u2', 1, 100)), [[2, 2]])
      // One more for each right after, then the rows written up to where memory stood: each
      // row passes what was numbered and not the new one.
      write(() => log.append([direct('u2', 3), direct('u1', 74)], 5))
      write(() => log.settleAhead(Number.MAX_SAFE_INTEGER))
      log.begin()
      assert.deepEqual(texts(log.numberAhead('u1', 73, 100)), [[74, 74]])
      assert.deepEqual(texts(log.numberAhead('u2', 2, 100)), [[3, 3]])
      assert.deepEqual(log.numberAhead('u2', 3, 100), { ok: true, messages: [], seq: 3 })
      // The same numbers from the log alone.
      await db.backup(`${path}.copy`)
      const again = open(`${path}.copy`)
      again.write(() => again.log.advance('u1', 1000))
      assert.deepEqual(
        seqs(again.log, 'u1').slice(0, 73),
        Array.from({ length: 73 }, (_, i) => [i + 1, i + 1]),
      )
      again.db.close()
    })

    it('forgets them on a rollback; the next advance gives the same numbers', async () => {
      const { db, log, write } = await live()
      const first = log.numberAhead('u2', 1, 100)
      assert.ok(first?.ok)
      log.rolledBack()
      log.begin()
      // Memory no longer knows seq 4: the caller must advance, and reads the same messages.
      assert.equal(log.numberAhead('u2', 4, 100), null)
      const read = write(() => log.advanceAndRead('u2', 1, 100))
      assert.deepEqual(read, first)
      assert.deepEqual(seqs(new SqliteNotificationLog(db), 'u2').length, 4)
    })

    it('writes them user by user until about the cost asked (a user and its numbers), the rest at the next call', async () => {
      const { db, log, write } = await live()
      // u1 and u2 three numbers each past their rows, u3 two.
      for (const u of ['u1', 'u2', 'u3']) assert.ok(log.numberAhead(u, 1, 100)?.ok)
      const rows = () =>
        db.prepare('SELECT user_id, seq FROM user_feeds ORDER BY user_id').raw().all()
      // u1 costs SETTLE_USER_COST + 3, all that is asked: u1 alone.
      assert.equal(
        write(() => log.settleAhead(SETTLE_USER_COST + 3)),
        2,
      )
      assert.deepEqual(rows(), [
        ['u1', 4],
        ['u2', 1],
        ['u3', 1],
      ])
      // u2 costs one less than asked, so u3 goes too: the bound is checked before each user,
      // never mid-user.
      assert.equal(
        write(() => log.settleAhead(SETTLE_USER_COST + 4)),
        0,
      )
      assert.deepEqual(rows(), [
        ['u1', 4],
        ['u2', 4],
        ['u3', 3],
      ])
    })

    it('the sweep writes them before it raises the floor, so no number is reset', async () => {
      const { db, log, write } = await live()
      const r = log.numberAhead('u1', 1, 100)
      assert.ok(r?.ok && r.seq === 4)
      write(() => log.sweep(Number.MAX_SAFE_INTEGER, 100))
      write(() => log.append([instance(4)], 3))
      const after = write(() => log.advanceAndRead('u1', 4, 100))
      assert.deepEqual(after, {
        ok: true,
        messages: [{ seq: 5, channel: '/workbins/team', data: '{"n":4}' }],
        seq: 5,
      })
      const row = db.prepare("SELECT seq, reset_seq FROM user_feeds WHERE user_id = 'u1'").get()
      assert.deepEqual(row, { seq: 5, reset_seq: 0 })
    })
  })
})
