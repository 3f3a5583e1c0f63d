// The notification log and stored CometD sessions on PostgreSQL (docs/durable-delivery.md): the
// same tables and rules as src/store/sqlite/notification-log.ts. Every function runs on the
// caller's transaction connection.

import type { PoolClient } from 'pg'

/** A connection in a transaction, or the pool (one statement, its own transaction). */
export type Queryable = Pick<PoolClient, 'query'>
import type { FeedRead, LogEntry } from '../notification-log.ts'
import { excludeColumn } from '../notification-log.ts'

const APPEND = `INSERT INTO notification_log
  (id, user_id, workbin_id, owner, channel, data, owner_user, owner_data, exclude_user, created_at)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::bigint[])`

/** Append in commit order: the head row's lock is held until this transaction ends. */
export async function appendLog(
  c: PoolClient,
  entries: readonly LogEntry[],
  now: number,
): Promise<void> {
  if (entries.length === 0) return
  const { rows } = await c.query<{ id: number }>(
    'UPDATE notification_head SET id = id + $1 RETURNING id',
    [entries.length],
  )
  const last = (rows[0] as { id: number }).id
  const first = last - entries.length + 1
  await c.query(APPEND, [
    entries.map((_, i) => first + i),
    entries.map((e) => e.userId ?? null),
    entries.map((e) => e.instance?.workbinId ?? null),
    entries.map((e) => e.instance?.owner ?? null),
    entries.map((e) => e.channel),
    entries.map((e) => JSON.stringify(e.data)),
    entries.map((e) => e.owner?.userId ?? null),
    entries.map((e) => (e.owner ? JSON.stringify(e.owner.data) : null)),
    entries.map((e) => excludeColumn(e.exclude)),
    entries.map(() => now),
  ])
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

/** The user's numbered messages after `afterSeq`: one statement, so one snapshot. */
export async function readFeed(
  c: Queryable,
  userId: string,
  afterSeq: number,
  limit: number,
): Promise<FeedRead> {
  const { rows } = await c.query<{
    feed_seq: number
    reset_seq: number
    seq: number | null
    channel: string | null
    data: string | null
  }>(READ, [userId, afterSeq, limit])
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
