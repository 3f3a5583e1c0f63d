// The notification log and stored CometD sessions on PostgreSQL (docs/durable-delivery.md): the
// same tables and rules as src/store/sqlite/notification-log.ts. Every function runs on the
// caller's transaction connection.

import type { PoolClient } from 'pg'

/** A connection in a transaction, or the pool (one statement, its own transaction). */
export type Queryable = Pick<PoolClient, 'query'>
import type { FeedRead, LogEntry } from '../notification-log.ts'
import { excludeColumn } from '../notification-log.ts'

/**
 * Append in commit order (workbins_append_log, migration 10: one round trip): the head row's lock
 * is held until this transaction ends.
 */
export async function appendLog(
  c: Queryable,
  entries: readonly LogEntry[],
  now: number,
): Promise<void> {
  if (entries.length === 0) return
  await c.query(
    'SELECT workbins_append_log($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    logColumns(entries, now),
  )
}

/** The entries as the nine column arrays of workbins_append_log, in its parameter order. */
export function logColumns(entries: readonly LogEntry[], now: number): unknown[] {
  return [
    entries.map((e) => e.userId ?? null),
    entries.map((e) => e.instance?.workbinId ?? null),
    entries.map((e) => e.instance?.owner ?? null),
    entries.map((e) => e.channel),
    entries.map((e) => JSON.stringify(e.data)),
    entries.map((e) => e.owner?.userId ?? null),
    entries.map((e) => (e.owner ? JSON.stringify(e.owner.data) : null)),
    entries.map((e) => excludeColumn(e.exclude)),
    entries.map(() => now),
  ]
}

/**
 * Number the user's pending entries (at most `limit`); returns the newest number. The work is
 * the database function workbins_advance_feed (migration 8): one round trip.
 */
export async function advanceFeed(c: Queryable, userId: string, limit: number): Promise<number> {
  const { rows } = await c.query<{ seq: number }>('SELECT workbins_advance_feed($1, $2) AS seq', [
    userId,
    limit,
  ])
  return (rows[0] as { seq: number }).seq
}

const READ = `SELECT f.seq AS feed_seq, f.reset_seq, m.seq, m.channel, m.data
  FROM user_feeds f LEFT JOIN LATERAL (
    SELECT um.seq, l.channel,
      CASE WHEN l.owner_user = um.user_id THEN l.owner_data ELSE l.data END AS data
    FROM user_messages um JOIN notification_log l ON l.id = um.log_id
    WHERE um.user_id = f.user_id AND um.seq > $2 ORDER BY um.seq LIMIT $3
  ) m ON true
  WHERE f.user_id = $1 ORDER BY m.seq`

interface FeedRow {
  feed_seq: number
  reset_seq: number
  seq: number | null
  channel: string | null
  data: string | null
}

/** The user's numbered messages after `afterSeq`: one statement, so one snapshot. */
export async function readFeed(
  c: Queryable,
  userId: string,
  afterSeq: number,
  limit: number,
): Promise<FeedRead> {
  return feedOf((await c.query<FeedRow>(READ, [userId, afterSeq, limit])).rows, afterSeq)
}

/**
 * advanceFeed, then readFeed, in one round trip (workbins_advance_and_read, migration 10: the
 * same read, run after the advance inside the function).
 */
export async function advanceAndRead(
  c: Queryable,
  userId: string,
  afterSeq: number,
  limit: number,
): Promise<FeedRead> {
  const { rows } = await c.query<FeedRow>('SELECT * FROM workbins_advance_and_read($1, $2, $3)', [
    userId,
    afterSeq,
    limit,
  ])
  return feedOf(rows, afterSeq)
}

function feedOf(rows: FeedRow[], afterSeq: number): FeedRead {
  const feed = rows[0]
  const seq = feed?.feed_seq ?? 0
  if (afterSeq > seq) return { ok: false, reason: 'future', seq }
  if (feed && afterSeq < feed.reset_seq) return { ok: false, reason: 'gone', seq }
  if (afterSeq === seq) return { ok: true, messages: [], seq }
  if (rows[0]?.seq !== afterSeq + 1) return { ok: false, reason: 'gone', seq }
  const messages = rows.map((r) => ({
    seq: r.seq as number,
    channel: r.channel as string,
    data: r.data as string,
  }))
  return { ok: true, messages, seq }
}

export async function sweepLog(c: PoolClient, before: number, max: number): Promise<number> {
  const { rows } = await c.query<{ up_to: number | null }>(
    'SELECT max(id) AS up_to FROM (SELECT id FROM notification_log WHERE created_at < $1 ORDER BY id LIMIT $2) t',
    [before, max],
  )
  const upTo = rows[0]?.up_to ?? null
  if (upTo === null) return 0
  const deleted = await c.query('DELETE FROM notification_log WHERE id <= $1', [upTo])
  await c.query('DELETE FROM user_messages WHERE log_id <= $1', [upTo])
  await c.query('UPDATE notification_head SET floor = greatest(floor, $1)', [upTo])
  return deleted.rowCount ?? 0
}
