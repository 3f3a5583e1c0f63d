// The notification log and stored CometD sessions on SQLite (docs/durable-delivery.md). Every
// method runs inside the caller's transaction (better-sqlite3 is synchronous, and the store's
// write transactions are IMMEDIATE), so appends are numbered in commit order.
//
// Writes also keep what they learn in memory (WriteKnowledge below), so that advancing a feed
// usually runs no query at all: the store calls begin() at the start of each write transaction
// and rolledBack() when any part of one is undone, and both drop what may no longer be true.

import type Database from 'better-sqlite3'
import type { WorkbinInstance } from '../../model.ts'
import type { FeedMessage, FeedRead, LogEntry, StoredCometdSession } from '../notification-log.ts'
import { excludeColumn } from '../notification-log.ts'

/** Newest entries whose text is kept in memory (advanceAndRead answers from them). */
const RECENT_ENTRIES = 2048

/**
 * Instance entries kept in memory (id, instance, excluded users), newest last: with them and the
 * user's subscriptions, the pump finds what a live user has pending without a query.
 */
const KNOWN_INSTANCE_ENTRIES = 4096

/**
 * Entries a live user may have numbered in memory only (numberAhead) before its feed's row must
 * catch up: below the pump's batch, so that any later advance of the row reaches them.
 */
export const AHEAD_LIMIT = 256

/**
 * What settleAhead counts for writing one user (its run of numbers and its feed's row), in
 * numbers: a user costs ~10 µs and a number in its run well under 1 µs (measured at 1,000
 * subscribers), so a transaction's length follows both.
 */
export const SETTLE_USER_COST = 16

/**
 * A user's direct entries kept in memory until its feed's row passes them (past this many, only
 * the newest id is kept and the others are read from the log when numbered).
 */
const KNOWN_DIRECTS_PER_USER = 64

/** Users whose subscriptions are kept in memory (past this, all are forgotten at once). */
const KNOWN_SUBSCRIBERS = 100_000

/**
 * Per connection, the logs told when a row of `subscriptions` changes. TEMP triggers live in
 * the connection alone (nothing is added to the database's schema) and fire for every change,
 * whatever statement makes it, foreign-key cascades included
 * (https://sqlite.org/lang_createtrigger.html).
 */
const subscriptionWatchers = new WeakMap<Database.Database, Set<(userId: string) => void>>()

function watchSubscriptions(db: Database.Database, changed: (userId: string) => void): void {
  let watchers = subscriptionWatchers.get(db)
  if (!watchers) {
    const all = new Set<(userId: string) => void>()
    watchers = all
    subscriptionWatchers.set(db, all)
    db.function('workbins_subscriptions_changed', { deterministic: false }, (userId: unknown) => {
      for (const w of all) w(String(userId))
      return null
    })
    db.exec(`
      CREATE TEMP TRIGGER IF NOT EXISTS workbins_subscription_added AFTER INSERT ON main.subscriptions
        BEGIN SELECT workbins_subscriptions_changed(NEW.user_id); END;
      CREATE TEMP TRIGGER IF NOT EXISTS workbins_subscription_removed AFTER DELETE ON main.subscriptions
        BEGIN SELECT workbins_subscriptions_changed(OLD.user_id); END;
      CREATE TEMP TRIGGER IF NOT EXISTS workbins_subscription_updated AFTER UPDATE ON main.subscriptions
        BEGIN SELECT workbins_subscriptions_changed(OLD.user_id), workbins_subscriptions_changed(NEW.user_id); END;
    `)
  }
  watchers.add(changed)
}

/** An instance entry as appended: which instance, and who is left out (`|a|b|`, or null). */
interface InstanceEntry {
  id: number
  key: string
  exclude: string | null
}

const instanceKey = (workbinId: string, owner: string): string => `${workbinId}\u0000${owner}`

/** An entry as appended: enough to build any user's message from it. */
interface RecentEntry {
  channel: string
  data: string
  ownerUser: string | null
  ownerData: string | null
}

interface FeedRow {
  seq: number
  position: number
  reset_seq: number
}

export class SqliteNotificationLog {
  readonly #append: Database.Statement
  readonly #headStmt: Database.Statement
  readonly #floorStmt: Database.Statement
  readonly #feed: Database.Statement
  readonly #insertFeed: Database.Statement
  readonly #updateFeed: Database.Statement
  readonly #pendingDirect: Database.Statement
  readonly #pendingInstances: Database.Statement
  readonly #hasSubscriptions: Database.Statement
  readonly #subscriptionsOf: Database.Statement
  readonly #numberRun: Database.Statement
  readonly #read: Database.Statement
  readonly #hasSeq: Database.Statement
  readonly #legacyRead: Database.Statement
  readonly #legacyHasSeq: Database.Statement
  readonly #legacyAny: Database.Statement
  readonly #legacyDelete: Database.Statement
  readonly #oldest: Database.Statement
  readonly #deleteLog: Database.Statement
  readonly #deleteRuns: Database.Statement
  readonly #raiseFloor: Database.Statement
  readonly #saveSession: Database.Statement
  readonly #savePosition: Database.Statement
  readonly #getSession: Database.Statement
  readonly #deleteSession: Database.Statement
  readonly #touchSession: Database.Statement
  readonly #deleteIdle: Database.Statement
  readonly #deleteOfUser: Database.Statement
  readonly #dataVersion: Database.Statement

  // --- WriteKnowledge: true of the database as this connection last wrote it --------------
  // Every entry with an id above #trustFrom was appended through this object, so #directs
  // and #lastInstance tell whether a feed has anything between its position and the head
  // without querying. Another connection's commit (PRAGMA data_version) or a rollback resets it.
  #trustFrom = Number.POSITIVE_INFINITY
  #seenVersion: unknown = undefined
  #floorNow: number | undefined
  #headNow: number | undefined
  readonly #feeds = new Map<string, FeedRow>()
  /**
   * Per user, its direct entries above both #trustFrom and its feed's row: their ids, oldest
   * first (null past KNOWN_DIRECTS_PER_USER: then read), and the newest. Dropped as the row
   * passes them.
   */
  readonly #directs = new Map<string, { ids: number[] | null; last: number }>()
  /** The id of the newest instance entry above #trustFrom (0: none). */
  #lastInstance = 0
  /**
   * Instance entries appended here, oldest first: every one with an id above #instancesFrom
   * (at most KNOWN_INSTANCE_ENTRIES; the oldest go first and raise #instancesFrom).
   */
  #instances: InstanceEntry[] = []
  #instancesFrom = Number.POSITIVE_INFINITY
  /** Per user, the instances it subscribes to, as the database says (loaded when needed). */
  readonly #subscriptions = new Map<string, Set<string>>()
  /** The newest entries appended here, by id, oldest first (RECENT_ENTRIES at most). */
  readonly #recent = new Map<number, RecentEntry>()
  /**
   * Per user, numbering done in memory only (numberAhead), past the feed's row: what an advance
   * of the row is bound to write (see numberAhead). Dropping it is always safe.
   */
  readonly #ahead = new Map<string, FeedRow>()
  /**
   * `user_messages` (numbers written one row each, before runs) still has rows: reads look there
   * first. Only sweeps delete them, and nothing writes there any more. Undefined: ask the table
   * (after a rollback, which may have undone a sweep).
   */
  #legacy: boolean | undefined

  constructor(db: Database.Database) {
    const p = (sql: string) => db.prepare(sql)
    this.#append = p(`INSERT INTO notification_log
      (user_id, workbin_id, owner, channel, data, owner_user, owner_data, exclude_user, created_at)
      VALUES (@user_id, @workbin_id, @owner, @channel, @data, @owner_user, @owner_data, @exclude_user, @created_at)`)
    // Plain max(id): SQLite answers it from the end of the rowid b-tree (wrapped, it scans).
    this.#headStmt = p('SELECT max(id) FROM notification_log').pluck()
    // `+@limit`: a bare bound LIMIT is planned again at every run (statements.ts), and the
    // pump runs these for every subscriber of a change.
    this.#floorStmt = p('SELECT id FROM notification_floor').pluck()
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
      'SELECT id FROM notification_log WHERE user_id = @u AND id > @from AND id <= @to ORDER BY id LIMIT +@limit',
    ).pluck()
    this.#pendingInstances = p(`SELECT l.id FROM subscriptions s JOIN notification_log l
        ON l.workbin_id = s.workbin_id AND l.owner = s.owner AND l.id > @from AND l.id <= @to
      WHERE s.user_id = @u AND (l.exclude_user IS NULL OR instr(l.exclude_user, '|' || @u || '|') = 0)
      ORDER BY l.id LIMIT +@limit`).pluck()
    this.#hasSubscriptions = p('SELECT 1 FROM subscriptions WHERE user_id = ? LIMIT 1').pluck()
    this.#subscriptionsOf = p('SELECT workbin_id, owner FROM subscriptions WHERE user_id = ?').raw()
    // One row per advance: the numbers first_seq..last_seq, their log ids in order (migration 10).
    this.#numberRun =
      p(`INSERT INTO user_message_runs (user_id, first_seq, last_seq, log_ids, last_log_id)
      VALUES (?, ?, ?, ?, ?)`)
    // From the run holding @after + 1 on (a primary-key search, then the user's later runs);
    // an entry swept from the log drops out of the join.
    this.#read = p(`SELECT r.first_seq + j.key AS seq, l.channel AS channel,
        CASE WHEN l.owner_user = r.user_id THEN l.owner_data ELSE l.data END AS data
      FROM user_message_runs r, json_each(r.log_ids) j JOIN notification_log l ON l.id = j.value
      WHERE r.user_id = @u AND r.first_seq >= coalesce((SELECT first_seq FROM user_message_runs
          WHERE user_id = @u AND first_seq <= @after + 1 ORDER BY first_seq DESC LIMIT 1), 0)
        AND r.first_seq + j.key > @after
      ORDER BY r.first_seq, j.key LIMIT +@limit`)
    // The number is kept while its entry is: the sweep deletes entries oldest first, and a
    // user's numbers follow log order, so every later number's entry is kept too.
    this.#hasSeq = p(`SELECT 1 FROM user_message_runs r, json_each(r.log_ids) j
        JOIN notification_log l ON l.id = j.value
      WHERE r.user_id = @u AND r.first_seq = (SELECT first_seq FROM user_message_runs
          WHERE user_id = @u AND first_seq <= @s ORDER BY first_seq DESC LIMIT 1)
        AND r.last_seq >= @s AND j.key = @s - r.first_seq`).pluck()
    this.#legacyRead = p(`SELECT m.seq AS seq, l.channel AS channel,
        CASE WHEN l.owner_user = m.user_id THEN l.owner_data ELSE l.data END AS data
      FROM user_messages m JOIN notification_log l ON l.id = m.log_id
      WHERE m.user_id = ? AND m.seq > ? ORDER BY m.seq LIMIT +?`)
    this.#legacyHasSeq = p('SELECT 1 FROM user_messages WHERE user_id = ? AND seq = ?').pluck()
    this.#legacyAny = p('SELECT 1 FROM user_messages LIMIT 1').pluck()
    this.#legacyDelete = p('DELETE FROM user_messages WHERE log_id <= ?')
    // The oldest entries in commit order (the rowid b-tree's own order): the sweep stops at the
    // first one still kept, so it reads at most `max` + 1 rows however long the log is.
    this.#oldest = p('SELECT id, created_at FROM notification_log ORDER BY id LIMIT +?').raw()
    this.#deleteLog = p('DELETE FROM notification_log WHERE id <= ?')
    // A run goes with its newest entry; an older part swept before drops out of reads' join.
    this.#deleteRuns = p('DELETE FROM user_message_runs WHERE last_log_id <= ?')
    this.#raiseFloor = p('UPDATE notification_floor SET id = max(id, ?)')
    // A session's record and its position live apart (migration 11): the position is written
    // every sync for every live session, the record only at handshake and subscription changes.
    this.#saveSession = p(`INSERT INTO cometd_sessions (client_id, user_id, record)
      VALUES (@clientId, @userId, @record)
      ON CONFLICT (client_id) DO UPDATE SET record = excluded.record`)
    this.#savePosition = p(`INSERT INTO cometd_session_positions (client_id, position, last_seen)
      VALUES (@clientId, @position, @lastSeen)
      ON CONFLICT (client_id) DO UPDATE SET
        position = max(position, excluded.position), last_seen = excluded.last_seen`)
    // saveSession writes both rows in one transaction: a session always has its position.
    this.#getSession = p(`SELECT s.client_id AS clientId, s.user_id AS userId, s.record,
        p.position AS position, p.last_seen AS lastSeen
      FROM cometd_sessions s JOIN cometd_session_positions p ON p.client_id = s.client_id
      WHERE s.client_id = ?`)
    // Its position goes with it (ON DELETE CASCADE).
    this.#deleteSession = p('DELETE FROM cometd_sessions WHERE client_id = ?')
    this.#touchSession = p(
      'UPDATE cometd_session_positions SET position = max(position, ?), last_seen = max(last_seen, ?) WHERE client_id = ?',
    )
    this.#deleteIdle = p(`DELETE FROM cometd_sessions WHERE client_id IN
      (SELECT client_id FROM cometd_session_positions WHERE last_seen < ?)`)
    // Indexed (migration 8): runs when a user's sessions end.
    this.#deleteOfUser = p('DELETE FROM cometd_sessions WHERE user_id = ?')
    this.#dataVersion = p('PRAGMA data_version').pluck()
    watchSubscriptions(db, (userId) => this.#subscriptions.delete(userId))
  }

  /** At the start of each write transaction of this connection. */
  begin(): void {
    const version = this.#dataVersion.get()
    if (version !== this.#seenVersion) {
      // First use, or another connection (a provisioning run, a second process) committed.
      this.rolledBack()
      this.#seenVersion = version
    }
    if (this.#trustFrom === Number.POSITIVE_INFINITY) {
      this.#trustFrom = this.#head()
      this.#instancesFrom = this.#trustFrom
    }
  }

  /** Part or all of a write transaction was undone: forget what it may have taught. */
  rolledBack(): void {
    this.#trustFrom = Number.POSITIVE_INFINITY
    this.#floorNow = undefined
    this.#headNow = undefined
    this.#feeds.clear()
    this.#ahead.clear()
    this.#directs.clear()
    this.#lastInstance = 0
    this.#recent.clear()
    this.#instances = []
    this.#instancesFrom = Number.POSITIVE_INFINITY
    // A rolled-back subscription change may have been read in after its trigger fired.
    this.#subscriptions.clear()
    this.#legacy = undefined
  }

  #head(): number {
    this.#headNow ??= (this.#headStmt.get() as number | null) ?? 0
    return this.#headNow
  }

  #floor(): number {
    this.#floorNow ??= this.#floorStmt.get() as number
    return this.#floorNow
  }

  #feedOf(userId: string): FeedRow | undefined {
    let feed = this.#feeds.get(userId)
    if (!feed) {
      feed = this.#feed.get(userId) as FeedRow | undefined
      if (feed) this.#feeds.set(userId, feed)
    }
    return feed
  }

  /**
   * Append. Nothing is numbered here: the delivery pump numbers a live user's entries in memory
   * (numberAhead) and writes them later, with the user's other numbers of those seconds, so the
   * requester's transaction writes no feed row and no run (docs/durable-delivery.md).
   */
  append(entries: readonly LogEntry[], now: number): void {
    for (const e of entries) {
      const data = JSON.stringify(e.data)
      const ownerData = e.owner ? JSON.stringify(e.owner.data) : null
      const exclude = excludeColumn(e.exclude)
      const id = Number(
        this.#append.run({
          user_id: e.userId ?? null,
          workbin_id: e.instance?.workbinId ?? null,
          owner: e.instance?.owner ?? null,
          channel: e.channel,
          data,
          owner_user: e.owner?.userId ?? null,
          owner_data: ownerData,
          exclude_user: exclude,
          created_at: now,
        }).lastInsertRowid,
      )
      if (this.#headNow !== undefined && id > this.#headNow) this.#headNow = id
      this.#remember(id, {
        channel: e.channel,
        data,
        ownerUser: e.owner?.userId ?? null,
        ownerData,
      })
      if (e.userId !== undefined) {
        this.#rememberDirect(e.userId, id)
      } else {
        this.#lastInstance = id
        if (e.instance) this.#rememberInstance(id, e.instance, exclude)
      }
    }
  }

  #rememberDirect(userId: string, id: number): void {
    let mine = this.#directs.get(userId)
    if (!mine) this.#directs.set(userId, (mine = { ids: [], last: id }))
    mine.last = id
    if (mine.ids) {
      mine.ids.push(id)
      if (mine.ids.length > KNOWN_DIRECTS_PER_USER) mine.ids = null
    }
  }

  #remember(id: number, entry: RecentEntry): void {
    this.#recent.set(id, entry)
    if (this.#recent.size > RECENT_ENTRIES) {
      const oldest = this.#recent.keys().next().value as number
      this.#recent.delete(oldest)
    }
  }

  #rememberInstance(id: number, instance: WorkbinInstance, exclude: string | null): void {
    if (this.#instancesFrom === Number.POSITIVE_INFINITY) return
    this.#instances.push({ id, key: instanceKey(instance.workbinId, instance.owner), exclude })
    if (this.#instances.length > KNOWN_INSTANCE_ENTRIES) {
      const dropped = this.#instances.splice(0, this.#instances.length / 2)
      this.#instancesFrom = (dropped[dropped.length - 1] as InstanceEntry).id
    }
  }

  /** The instances the user subscribes to (read once, then kept until a trigger says). */
  #subscriptionsOfUser(userId: string): Set<string> {
    let subs = this.#subscriptions.get(userId)
    if (!subs) {
      if (this.#subscriptions.size >= KNOWN_SUBSCRIBERS) this.#subscriptions.clear()
      const rows = this.#subscriptionsOf.all(userId) as [string, string][]
      subs = new Set(rows.map(([workbinId, owner]) => instanceKey(workbinId, owner)))
      this.#subscriptions.set(userId, subs)
    }
    return subs
  }

  /** The user's instance entries in (from, to], from memory (#instancesFrom <= from). */
  #knownInstanceIds(userId: string, from: number, to: number, limit: number): number[] {
    const out: number[] = []
    const list = this.#instances
    // Binary search for the first entry above `from`.
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((list[mid] as InstanceEntry).id <= from) lo = mid + 1
      else hi = mid
    }
    if (lo === list.length) return out
    const subs = this.#subscriptionsOfUser(userId)
    if (subs.size === 0) return out
    const me = `|${userId}|`
    for (let i = lo; i < list.length && out.length < limit; i++) {
      const e = list[i] as InstanceEntry
      if (e.id > to) break
      if (subs.has(e.key) && (e.exclude === null || !e.exclude.includes(me))) out.push(e.id)
    }
    return out
  }

  /**
   * Advance, then read after `afterSeq`. When the caller stands at the feed's newest number and
   * every entry numbered now was appended lately by this connection, the messages are built
   * from memory instead of read back (the common case of a live session).
   */
  advanceAndRead(userId: string, afterSeq: number, limit: number): FeedRead {
    const before = this.#feedOf(userId)
    const r = this.#advance(userId, limit)
    const after = this.#feeds.get(userId)
    if (
      before &&
      after &&
      afterSeq === before.seq &&
      after.reset_seq === before.reset_seq &&
      after.reset_seq <= afterSeq
    ) {
      const messages: FeedMessage[] = []
      for (const [k, id] of r.ids.entries()) {
        const e = this.#recent.get(id)
        if (!e) break
        const data = e.ownerUser === userId && e.ownerData !== null ? e.ownerData : e.data
        messages.push({ seq: r.first + k, channel: e.channel, data })
      }
      if (messages.length === r.ids.length) return { ok: true, messages, seq: r.seq }
    }
    return this.read(userId, afterSeq, limit)
  }

  /**
   * Inside a subscription change's transaction, before the change: whatever is pending for the
   * user must be numbered as the subscriptions stand now. Only instance entries depend on them:
   * when this connection knows that none was appended after the feed's row (and the row is
   * within the retention), the numbers of what is pending are the same whenever the row
   * advances, and the row is left as it is (no write). Else the row advances now.
   */
  beforeSubscriptionChange(userId: string): void {
    const row = this.#feedOf(userId)
    if (
      row &&
      row.position >= this.#trustFrom &&
      this.#lastInstance <= row.position &&
      row.position >= this.#floor()
    ) {
      return
    }
    this.#advance(userId, Number.MAX_SAFE_INTEGER)
  }

  /** advanceFeed inside a write transaction; returns the user's newest number. */
  advance(userId: string, limit: number): number {
    return this.#advance(userId, limit).seq
  }

  /** Number the user's pending entries: the newest number, and the ids numbered from `first`. */
  #advance(
    userId: string,
    limit: number,
    /** No entry above this id is numbered (settleAhead); the head by default. */
    upTo = Number.POSITIVE_INFINITY,
  ): { seq: number; first: number; ids: number[] } {
    const floor = this.#floor()
    let feed = this.#feedOf(userId)
    if (!feed) {
      // A new feed starts below every retained entry: its direct entries are all still there.
      this.#insertFeed.run(userId, floor)
      feed = { seq: 0, position: floor, reset_seq: 0 }
      this.#feeds.set(userId, feed)
    }
    let { seq, position, reset_seq } = feed
    if (position < floor) {
      // Entries the user had not been given were swept: a replay across this point is refused.
      reset_seq = seq + 1
      position = floor
    }
    const first = seq + 1
    let ids: number[] = []
    const to = Math.min(this.#head(), upTo)
    if (to > position) {
      ids = this.#pendingIds(userId, position, to, limit)
      if (ids.length > 0) {
        const last = seq + ids.length
        this.#numberRun.run(userId, seq + 1, last, JSON.stringify(ids), ids[ids.length - 1])
        seq = last
      }
      position = ids.length === limit ? (ids[ids.length - 1] as number) : to
    }
    if (seq !== feed.seq || position !== feed.position || reset_seq !== feed.reset_seq) {
      this.#updateFeed.run({ user_id: userId, seq, position, reset_seq })
      this.#feeds.set(userId, { seq, position, reset_seq })
      // Every later read of the user's pending entries starts at this row or past it.
      const mine = this.#directs.get(userId)
      if (mine && mine.last <= position) this.#directs.delete(userId)
      else if (mine?.ids) mine.ids = mine.ids.filter((id) => id > position)
    }
    const ahead = this.#ahead.get(userId)
    if (ahead && position >= ahead.position) this.#ahead.delete(userId)
    return { seq, first, ids }
  }

  /**
   * Number the user's pending entries in memory only, when the caller stands at the feed's newest
   * number: the messages after `afterSeq`, or null when this cannot be done without a write
   * (the caller then advances). No transaction: it writes nothing.
   *
   * Numbering is a function of the log and the subscriptions, and a change of a user's
   * subscriptions advances the feed's row first whenever an instance entry is pending
   * (beforeSubscriptionChange; the sweep and settleAhead advance it too): whatever
   * advances the row later writes exactly these numbers, whether this process is still running
   * or not. A live subscriber then costs the fan-out no write and no fsync; settleAhead writes
   * the numbers later, many operations in one row update per user.
   */
  numberAhead(userId: string, afterSeq: number, limit: number): FeedRead | null {
    const row = this.#feedOf(userId)
    if (!row) return null
    let feed = row
    const ahead = this.#ahead.get(userId)
    if (ahead && ahead.position > row.position) feed = ahead
    else if (ahead) this.#ahead.delete(userId)
    if (feed.seq !== afterSeq || feed.reset_seq > afterSeq) return null
    // Below what this connection knows, or behind the retention: the row's advance decides.
    if (feed.position < this.#trustFrom || feed.position < this.#floor()) return null
    const head = this.#head()
    if (head <= feed.position) return { ok: true, messages: [], seq: feed.seq }
    const ids = this.#pendingIds(userId, feed.position, head, limit)
    if (feed.seq + ids.length - row.seq > AHEAD_LIMIT) return null
    const messages: FeedMessage[] = []
    for (const [k, id] of ids.entries()) {
      const e = this.#recent.get(id)
      if (!e) return null
      const data = e.ownerUser === userId && e.ownerData !== null ? e.ownerData : e.data
      messages.push({ seq: feed.seq + k + 1, channel: e.channel, data })
    }
    const seq = feed.seq + ids.length
    const position = ids.length === limit ? (ids[ids.length - 1] as number) : head
    this.#ahead.set(userId, { seq, position, reset_seq: feed.reset_seq })
    return { ok: true, messages, seq }
  }

  /** Users numbered in memory whose rows are not written yet (settleAhead). */
  get aheadUsers(): number {
    return this.#ahead.size
  }

  /**
   * Inside a write transaction: write the in-memory numbering of users (the oldest first) to
   * their rows, exactly as numberAhead assigned it, until about `max` is reached: each user
   * counts SETTLE_USER_COST plus its numbers (one row per user, a run however many numbers it
   * holds), checked before each user, never mid-user. Returns how many users remain.
   */
  settleAhead(max: number): number {
    let n = 0
    for (const [userId, ahead] of this.#ahead) {
      if (n >= max) break
      this.#ahead.delete(userId)
      const row = this.#feedOf(userId)
      if (!row || ahead.position <= row.position || row.position < this.#floor()) continue
      n += SETTLE_USER_COST + ahead.seq - row.seq
      // The row's own advance, up to where memory stood: the same entries, the same numbers.
      const { seq } = this.#advance(userId, Number.MAX_SAFE_INTEGER, ahead.position)
      if (seq !== ahead.seq) {
        // Cannot happen while subscription changes keep to beforeSubscriptionChange. Nothing of it
        // is written (the job rolls back); a later advance numbers from the log as it is.
        throw new Error(
          `feed of user ${userId}: ${seq - row.seq} entries where ${ahead.seq - row.seq} were numbered`,
        )
      }
    }
    return this.#ahead.size
  }

  #pendingIds(userId: string, from: number, to: number, limit: number): number[] {
    const q = { u: userId, from, to, limit }
    // What this connection appended since it began to keep count needs no query.
    const known = from >= this.#trustFrom
    let direct: number[]
    const mine = known ? this.#directs.get(userId) : undefined
    if (known && (mine === undefined || mine.last <= from)) {
      direct = []
    } else if (mine?.ids) {
      direct = mine.ids.filter((id) => id > from && id <= to).slice(0, limit)
    } else {
      direct = this.#pendingDirect.all(q) as number[]
    }
    if (known && this.#lastInstance <= from) return direct
    let shared: number[]
    if (known && from >= this.#instancesFrom) {
      shared = this.#knownInstanceIds(userId, from, to, limit)
    } else {
      if (this.#hasSubscriptions.get(userId) === undefined) return direct
      shared = this.#pendingInstances.all(q) as number[]
    }
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
    if (this.#hasLegacy()) return this.#readWithLegacy(userId, afterSeq, limit, seq)
    if (this.#hasSeq.get({ u: userId, s: afterSeq + 1 }) === undefined) {
      return { ok: false, reason: 'gone', seq }
    }
    const messages = this.#read.all({ u: userId, after: afterSeq, limit }) as FeedMessage[]
    return { ok: true, messages, seq }
  }

  #hasLegacy(): boolean {
    this.#legacy ??= this.#legacyAny.get() !== undefined
    return this.#legacy
  }

  /** read() while numbers written one row each remain: those (always the older) first. */
  #readWithLegacy(userId: string, afterSeq: number, limit: number, seq: number): FeedRead {
    const next = afterSeq + 1
    if (
      this.#legacyHasSeq.get(userId, next) === undefined &&
      this.#hasSeq.get({ u: userId, s: next }) === undefined
    ) {
      return { ok: false, reason: 'gone', seq }
    }
    const messages = this.#legacyRead.all(userId, afterSeq, limit) as FeedMessage[]
    if (messages.length < limit) {
      const after = messages[messages.length - 1]?.seq ?? afterSeq
      const rest = this.#read.all({ u: userId, after, limit: limit - messages.length })
      messages.push(...(rest as FeedMessage[]))
    }
    return { ok: true, messages, seq }
  }

  sweep(before: number, max: number): number {
    // The rows first: numbers given in memory must not be lost to the floor below.
    this.settleAhead(Number.MAX_SAFE_INTEGER)
    let upTo: number | null = null
    for (const [id, createdAt] of this.#oldest.iterate(max) as Iterable<[number, number]>) {
      if (createdAt >= before) break
      upTo = id
    }
    if (upTo === null) return 0
    const { changes } = this.#deleteLog.run(upTo)
    this.#deleteRuns.run(upTo)
    if (this.#hasLegacy()) {
      this.#legacyDelete.run(upTo)
      this.#legacy = undefined
    }
    this.#raiseFloor.run(upTo)
    this.#floorNow = undefined
    return changes
  }

  saveSession(s: StoredCometdSession): void {
    this.#saveSession.run({ clientId: s.clientId, userId: s.userId, record: s.record })
    this.#savePosition.run({ clientId: s.clientId, position: s.position, lastSeen: s.lastSeen })
  }

  getSession(clientId: string): StoredCometdSession | undefined {
    return this.#getSession.get(clientId) as StoredCometdSession | undefined
  }

  deleteSession(clientId: string): void {
    this.#deleteSession.run(clientId)
  }

  /** False when the session is not stored. */
  touchSession(clientId: string, position: number, lastSeen: number): boolean {
    return this.#touchSession.run(position, lastSeen, clientId).changes > 0
  }

  deleteSessionsOfUser(userId: string): number {
    return this.#deleteOfUser.run(userId).changes
  }

  deleteIdleSessions(before: number): number {
    return this.#deleteIdle.run(before).changes
  }
}
