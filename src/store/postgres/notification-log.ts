// The notification log and stored CometD sessions on PostgreSQL (docs/durable-delivery.md): the
// same tables and rules as src/store/sqlite/notification-log.ts. Every function runs on the
// caller's transaction connection.

import type { PoolClient } from 'pg'
import type { FeedMessage, FeedRead, LogEntry } from '../notification-log.ts'
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

interface FeedRow {
  seq: number
  position: number
  reset_seq: number
}

const PENDING = `SELECT id FROM (
    SELECT id FROM notification_log WHERE user_id = $1 AND id > $2 AND id <= $3
    UNION ALL
    SELECT l.id FROM subscriptions s JOIN notification_log l
      ON l.workbin_id = s.workbin_id AND l.owner = s.owner AND l.id > $2 AND l.id <= $3
    WHERE s.user_id = $1 AND (l.exclude_user IS NULL OR strpos(l.exclude_user, '|' || $1 || '|') = 0)
  ) p ORDER BY id LIMIT $4`

/** Number the user's pending entries (at most `limit`); returns the newest number. */
export async function advanceFeed(c: PoolClient, userId: string, limit: number): Promise<number> {
  const head = (
    await c.query<{ id: number; floor: number }>('SELECT id, floor FROM notification_head')
  ).rows[0] as { id: number; floor: number }
  await c.query(
    'INSERT INTO user_feeds (user_id, seq, position) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING',
    [userId, head.floor],
  )
  // The row lock makes concurrent advances of one user (two nodes) take turns.
  const feed = (
    await c.query<FeedRow>(
      'SELECT seq, position, reset_seq FROM user_feeds WHERE user_id = $1 FOR UPDATE',
      [userId],
    )
  ).rows[0] as FeedRow
  let { seq, position, reset_seq } = feed
  if (position < head.floor) {
    reset_seq = seq + 1
    position = head.floor
  }
  if (head.id > position) {
    const ids = (
      await c.query<{ id: number }>(PENDING, [userId, position, head.id, limit])
    ).rows.map((r) => r.id)
    if (ids.length > 0) {
      await c.query(
        'INSERT INTO user_messages (user_id, seq, log_id) SELECT $1, * FROM unnest($2::bigint[], $3::bigint[])',
        [userId, ids.map((_, i) => seq + 1 + i), ids],
      )
      seq += ids.length
    }
    position = ids.length === limit ? (ids[ids.length - 1] as number) : head.id
  }
  if (seq !== feed.seq || position !== feed.position || reset_seq !== feed.reset_seq) {
    await c.query(
      'UPDATE user_feeds SET seq = $2, position = $3, reset_seq = $4 WHERE user_id = $1',
      [userId, seq, position, reset_seq],
    )
  }
  return seq
}

export async function readFeed(
  c: PoolClient,
  userId: string,
  afterSeq: number,
  limit: number,
): Promise<FeedRead> {
  const feed = (
    await c.query<FeedRow>('SELECT seq, position, reset_seq FROM user_feeds WHERE user_id = $1', [
      userId,
    ])
  ).rows[0]
  const seq = feed?.seq ?? 0
  if (afterSeq > seq) return { ok: false, reason: 'future', seq }
  if (feed && afterSeq < feed.reset_seq) return { ok: false, reason: 'gone', seq }
  if (afterSeq === seq) return { ok: true, messages: [], seq }
  const { rows } = await c.query<FeedMessage>(
    `SELECT m.seq AS seq, l.channel AS channel,
        CASE WHEN l.owner_user = m.user_id THEN l.owner_data ELSE l.data END AS data
      FROM user_messages m JOIN notification_log l ON l.id = m.log_id
      WHERE m.user_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3`,
    [userId, afterSeq, limit],
  )
  if (rows[0]?.seq !== afterSeq + 1) return { ok: false, reason: 'gone', seq }
  return { ok: true, messages: rows, seq }
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
