// The notification log and stored CometD sessions on SQLite (docs/durable-delivery.md). Every
// method runs inside the caller's transaction (better-sqlite3 is synchronous, and the store's
// write transactions are IMMEDIATE), so appends are numbered in commit order.

import type Database from 'better-sqlite3'
import type { FeedMessage, FeedRead, LogEntry, StoredCometdSession } from '../notification-log.ts'
import { excludeColumn } from '../notification-log.ts'

/** Entries numbered for a user by the append that gives it a direct entry. */
const DIRECT_NUMBER_LIMIT = 500

interface FeedRow {
  seq: number
  position: number
  reset_seq: number
}

export class SqliteNotificationLog {
  readonly #append: Database.Statement
  readonly #head: Database.Statement
  readonly #floor: Database.Statement
  readonly #feed: Database.Statement
  readonly #insertFeed: Database.Statement
  readonly #updateFeed: Database.Statement
  readonly #pendingDirect: Database.Statement
  readonly #pendingInstances: Database.Statement
  readonly #hasSubscriptions: Database.Statement
  readonly #number: Database.Statement
  readonly #read: Database.Statement
  readonly #hasSeq: Database.Statement
  readonly #sweepUpTo: Database.Statement
  readonly #deleteLog: Database.Statement
  readonly #deleteNumbers: Database.Statement
  readonly #raiseFloor: Database.Statement
  readonly #saveSession: Database.Statement
  readonly #getSession: Database.Statement
  readonly #deleteSession: Database.Statement
  readonly #touchSession: Database.Statement
  readonly #deleteIdle: Database.Statement
  readonly #deleteOfUser: Database.Statement

  constructor(db: Database.Database) {
    const p = (sql: string) => db.prepare(sql)
    this.#append = p(`INSERT INTO notification_log
      (user_id, workbin_id, owner, channel, data, owner_user, owner_data, exclude_user, created_at)
      VALUES (@user_id, @workbin_id, @owner, @channel, @data, @owner_user, @owner_data, @exclude_user, @created_at)`)
    // Plain max(id): SQLite answers it from the end of the rowid b-tree (wrapped, it scans).
    this.#head = p('SELECT max(id) FROM notification_log').pluck()
    this.#floor = p('SELECT id FROM notification_floor').pluck()
    this.#feed = p('SELECT seq, position, reset_seq FROM user_feeds WHERE user_id = ?')
    this.#insertFeed = p(
      'INSERT INTO user_feeds (user_id, seq, position, reset_seq) VALUES (?, 0, ?, 0)',
    )
    this.#updateFeed = p(
      'UPDATE user_feeds SET seq = @seq, position = @position, reset_seq = @reset_seq WHERE user_id = @user_id',
    )
    // Direct entries of the user, and entries of the instances the user subscribes to (minus
    // those the user is excluded from), each in log order; merged in advance() (two plain
    // index searches cost a tenth of one UNION ... ORDER BY).
    this.#pendingDirect = p(
      'SELECT id FROM notification_log WHERE user_id = @u AND id > @from AND id <= @to ORDER BY id LIMIT @limit',
    ).pluck()
    this.#pendingInstances = p(`SELECT l.id FROM subscriptions s JOIN notification_log l
        ON l.workbin_id = s.workbin_id AND l.owner = s.owner AND l.id > @from AND l.id <= @to
      WHERE s.user_id = @u AND (l.exclude_user IS NULL OR instr(l.exclude_user, '|' || @u || '|') = 0)
      ORDER BY l.id LIMIT @limit`).pluck()
    this.#hasSubscriptions = p('SELECT 1 FROM subscriptions WHERE user_id = ? LIMIT 1').pluck()
    this.#number = p('INSERT INTO user_messages (user_id, seq, log_id) VALUES (?, ?, ?)')
    this.#read = p(`SELECT m.seq AS seq, l.channel AS channel,
        CASE WHEN l.owner_user = m.user_id THEN l.owner_data ELSE l.data END AS data
      FROM user_messages m JOIN notification_log l ON l.id = m.log_id
      WHERE m.user_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`)
    this.#hasSeq = p('SELECT 1 FROM user_messages WHERE user_id = ? AND seq = ?').pluck()
    this.#sweepUpTo = p(
      'SELECT max(id) FROM (SELECT id FROM notification_log WHERE created_at < ? ORDER BY id LIMIT ?)',
    ).pluck()
    this.#deleteLog = p('DELETE FROM notification_log WHERE id <= ?')
    this.#deleteNumbers = p('DELETE FROM user_messages WHERE log_id <= ?')
    this.#raiseFloor = p('UPDATE notification_floor SET id = max(id, ?)')
    this.#saveSession =
      p(`INSERT INTO cometd_sessions (client_id, user_id, record, position, last_seen)
      VALUES (@clientId, @userId, @record, @position, @lastSeen)
      ON CONFLICT (client_id) DO UPDATE SET record = excluded.record,
        position = max(position, excluded.position), last_seen = excluded.last_seen`)
    this.#getSession = p(
      'SELECT client_id AS clientId, user_id AS userId, record, position, last_seen AS lastSeen FROM cometd_sessions WHERE client_id = ?',
    )
    this.#deleteSession = p('DELETE FROM cometd_sessions WHERE client_id = ?')
    this.#touchSession = p(
      'UPDATE cometd_sessions SET position = max(position, ?), last_seen = max(last_seen, ?) WHERE client_id = ?',
    )
    this.#deleteIdle = p('DELETE FROM cometd_sessions WHERE last_seen < ?')
    // A scan: the table holds live sessions only, and this runs when a user's sessions end.
    this.#deleteOfUser = p('DELETE FROM cometd_sessions WHERE user_id = ?')
  }

  /**
   * Append, then number the direct entries for their users at once (Store.numbersDirectEntries):
   * the feed pump then only reads. At most DIRECT_NUMBER_LIMIT per user here; the pump numbers
   * the rest.
   */
  append(entries: readonly LogEntry[], now: number): void {
    let direct: Set<string> | undefined
    for (const e of entries) {
      if (e.userId !== undefined) (direct ??= new Set()).add(e.userId)
      this.#append.run({
        user_id: e.userId ?? null,
        workbin_id: e.instance?.workbinId ?? null,
        owner: e.instance?.owner ?? null,
        channel: e.channel,
        data: JSON.stringify(e.data),
        owner_user: e.owner?.userId ?? null,
        owner_data: e.owner ? JSON.stringify(e.owner.data) : null,
        exclude_user: excludeColumn(e.exclude),
        created_at: now,
      })
    }
    if (direct) for (const u of direct) this.advance(u, DIRECT_NUMBER_LIMIT)
  }

  /** advanceFeed inside a write transaction; returns the user's newest number. */
  advance(userId: string, limit: number): number {
    const floor = this.#floor.get() as number
    let feed = this.#feed.get(userId) as FeedRow | undefined
    if (!feed) {
      // A new feed starts below every retained entry: its direct entries are all still there.
      this.#insertFeed.run(userId, floor)
      feed = { seq: 0, position: floor, reset_seq: 0 }
    }
    let { seq, position, reset_seq } = feed
    if (position < floor) {
      // Entries the user had not been given were swept: a replay across this point is refused.
      reset_seq = seq + 1
      position = floor
    }
    const head = (this.#head.get() as number | null) ?? 0
    if (head > position) {
      const ids = this.#pendingIds(userId, position, head, limit)
      for (const id of ids) this.#number.run(userId, ++seq, id)
      position = ids.length === limit ? (ids[ids.length - 1] as number) : head
    }
    if (seq !== feed.seq || position !== feed.position || reset_seq !== feed.reset_seq) {
      this.#updateFeed.run({ user_id: userId, seq, position, reset_seq })
    }
    return seq
  }

  #pendingIds(userId: string, from: number, to: number, limit: number): number[] {
    const q = { u: userId, from, to, limit }
    const direct = this.#pendingDirect.all(q) as number[]
    if (this.#hasSubscriptions.get(userId) === undefined) return direct
    const shared = this.#pendingInstances.all(q) as number[]
    if (shared.length === 0) return direct
    const out: number[] = []
    let i = 0
    let j = 0
    while (out.length < limit && (i < direct.length || j < shared.length)) {
      const a = direct[i]
      const b = shared[j]
      if (b === undefined || (a !== undefined && a < b)) {
        out.push(a as number)
        i++
      } else {
        out.push(b)
        j++
      }
    }
    return out
  }

  read(userId: string, afterSeq: number, limit: number): FeedRead {
    const feed = this.#feed.get(userId) as FeedRow | undefined
    const seq = feed?.seq ?? 0
    if (afterSeq > seq) return { ok: false, reason: 'future', seq }
    if (feed && afterSeq < feed.reset_seq) return { ok: false, reason: 'gone', seq }
    if (afterSeq === seq) return { ok: true, messages: [], seq }
    if (this.#hasSeq.get(userId, afterSeq + 1) === undefined) {
      return { ok: false, reason: 'gone', seq }
    }
    const messages = this.#read.all(userId, afterSeq, limit) as FeedMessage[]
    return { ok: true, messages, seq }
  }

  sweep(before: number, max: number): number {
    const upTo = this.#sweepUpTo.get(before, max) as number | null
    if (upTo === null) return 0
    const { changes } = this.#deleteLog.run(upTo)
    this.#deleteNumbers.run(upTo)
    this.#raiseFloor.run(upTo)
    return changes
  }

  saveSession(s: StoredCometdSession): void {
    this.#saveSession.run(s)
  }

  getSession(clientId: string): StoredCometdSession | undefined {
    return this.#getSession.get(clientId) as StoredCometdSession | undefined
  }

  deleteSession(clientId: string): void {
    this.#deleteSession.run(clientId)
  }

  touchSession(clientId: string, position: number, lastSeen: number): void {
    this.#touchSession.run(position, lastSeen, clientId)
  }

  deleteSessionsOfUser(userId: string): number {
    return this.#deleteOfUser.run(userId).changes
  }

  deleteIdleSessions(before: number): number {
    return this.#deleteIdle.run(before).changes
  }
}
