// Every SQL statement of the PostgreSQL adapter. Positional parameters ($1...); NULL-safe
// location comparisons use IS NOT DISTINCT FROM (SQLite's `IS`).

import { SESSION_CALLER_SQL } from '../sqlite/rows.ts'

const INTERACTION_COLUMNS = `id, contact_center_id, media_type, openmedia_type, state, user_data,
  received_date, received_at, capabilities, owner_user_id, workbin_id, workbin_owner, extra,
  invited_user_id, queue_name, invited_by_user_id`

export const SQL = {
  // contact centers
  anyContactCenter: 'SELECT 1 FROM contact_centers LIMIT 1',
  allContactCenters: 'SELECT * FROM contact_centers ORDER BY seq',
  contactCenter: 'SELECT * FROM contact_centers WHERE id = $1',
  contactCenterForUpdate: 'SELECT * FROM contact_centers WHERE id = $1 FOR UPDATE',
  insertContactCenter:
    'INSERT INTO contact_centers (id, name, features, agent_states, version) VALUES ($1, $2, $3, $4, 1)',
  updateContactCenter:
    'UPDATE contact_centers SET name = $2, features = $3, agent_states = $4 WHERE id = $1',
  bumpVersion: 'UPDATE contact_centers SET version = version + 1 WHERE id = $1',
  directoryVersion: 'SELECT version FROM contact_centers WHERE id = $1',

  // place groups, places, agent groups
  placeGroupsOf: 'SELECT name FROM place_groups WHERE contact_center_id = $1 ORDER BY seq',
  placeGroup: 'SELECT 1 FROM place_groups WHERE contact_center_id = $1 AND name = $2',
  insertPlaceGroup: 'INSERT INTO place_groups (contact_center_id, name) VALUES ($1, $2)',
  placesOf: 'SELECT * FROM places WHERE contact_center_id = $1 ORDER BY seq',
  place: 'SELECT * FROM places WHERE contact_center_id = $1 AND name = $2',
  insertPlace: 'INSERT INTO places (contact_center_id, name, place_groups) VALUES ($1, $2, $3)',
  updatePlace: 'UPDATE places SET place_groups = $3 WHERE contact_center_id = $1 AND name = $2',
  agentGroupsOf: 'SELECT * FROM agent_groups WHERE contact_center_id = $1 ORDER BY seq',
  agentGroup: 'SELECT * FROM agent_groups WHERE contact_center_id = $1 AND name = $2',
  insertAgentGroup: `INSERT INTO agent_groups (contact_center_id, name, members, supervisors)
    VALUES ($1, $2, $3, $4)`,
  updateAgentGroup: `UPDATE agent_groups SET members = $3, supervisors = $4
    WHERE contact_center_id = $1 AND name = $2`,

  // users
  usersOf: 'SELECT * FROM users WHERE contact_center_id = $1 ORDER BY seq',
  user: 'SELECT * FROM users WHERE id = $1',
  userByName: 'SELECT * FROM users WHERE user_name = $1',
  insertUser: `INSERT INTO users (id, contact_center_id, user_name, password_hash, first_name,
    last_name, roles, place) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  updateUser: `UPDATE users SET user_name = $3, password_hash = $4, first_name = $5,
    last_name = $6, roles = $7, place = $8 WHERE id = $1 AND contact_center_id = $2`,

  // workbins
  workbinsOf: 'SELECT * FROM workbins WHERE contact_center_id = $1 ORDER BY seq',
  workbin: 'SELECT * FROM workbins WHERE id = $1',
  queuesOf: 'SELECT * FROM queues WHERE contact_center_id = $1 ORDER BY seq',
  queue: 'SELECT * FROM queues WHERE id = $1',
  insertQueue: `INSERT INTO queues (id, contact_center_id, name, description, channel)
    VALUES ($1, $2, $3, $4, $5)`,
  updateQueue: `UPDATE queues SET name = $3, description = $4, channel = $5
    WHERE id = $1 AND contact_center_id = $2`,
  insertWorkbin: `INSERT INTO workbins (id, contact_center_id, workbin_name, display_name, type)
    VALUES ($1, $2, $3, $4, $5)`,
  updateWorkbin: `UPDATE workbins SET workbin_name = $3, display_name = $4, type = $5
    WHERE id = $1 AND contact_center_id = $2`,
  // A type change locks the row first: a move into the workbin or a new subscription to it
  // (their foreign key locks the row FOR KEY SHARE) waits for it, or it for them.
  workbinForUpdate: 'SELECT 1 FROM workbins WHERE id = $1 FOR UPDATE',
  // Two probes of one row each (interactions_by_instance_page, subscriptions_by_instance).
  workbinInUse: `SELECT
      EXISTS (SELECT 1 FROM interactions WHERE contact_center_id = $1 AND workbin_id = $2)
        AS interactions,
      EXISTS (SELECT 1 FROM subscriptions WHERE workbin_id = $2) AS subscriptions`,

  // place occupancy (one agent per place)
  currentPlace: 'SELECT place FROM place_occupants WHERE user_id = $1',
  placeOccupant: 'SELECT user_id FROM place_occupants WHERE contact_center_id = $1 AND place = $2',
  // The place's occupancy and the taker's own, locked in user order like the session trigger.
  lockOccupancies: `SELECT contact_center_id, place, user_id FROM place_occupants
    WHERE (contact_center_id = $1 AND place = $2) OR user_id = $3
    ORDER BY user_id FOR UPDATE`,
  liveSessionOf: 'SELECT 1 FROM http_sessions WHERE user_id = $1 AND last_seen_at >= $2 LIMIT 1',
  // DO NOTHING on either constraint: a concurrent taker committed first (the caller looks again).
  insertOccupant: `INSERT INTO place_occupants (contact_center_id, place, user_id)
    VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
  releasePlaceOf: 'DELETE FROM place_occupants WHERE user_id = $1 RETURNING place',
  releasePlaceAt: `DELETE FROM place_occupants
    WHERE contact_center_id = $1 AND place = $2 AND user_id = $3`,
  // Locked in user order, as the session trigger does.
  releaseOrphanPlaces: `DELETE FROM place_occupants WHERE user_id IN (
    SELECT user_id FROM place_occupants o
    WHERE NOT EXISTS (SELECT 1 FROM http_sessions h WHERE h.user_id = o.user_id)
    ORDER BY user_id FOR UPDATE)`,

  // per-user state
  // One statement reserves the whole range; the row lock makes concurrent callers take turns.
  reserveReferenceIds: `INSERT INTO user_state (user_id, last_reference_id) VALUES ($1, $2)
    ON CONFLICT (user_id) DO UPDATE SET last_reference_id = user_state.last_reference_id + $2
    RETURNING last_reference_id`,

  // HTTP sessions
  insertSession: `INSERT INTO http_sessions (id, user_id, csrf_token, created_at, last_seen_at)
    VALUES ($1, $2, $3, $4, $5)`,
  session: 'SELECT * FROM http_sessions WHERE id = $1',
  sessionCaller: `${SESSION_CALLER_SQL} WHERE s.id = $1`,
  touchSession: 'UPDATE http_sessions SET last_seen_at = $2 WHERE id = $1',
  deleteSession: 'DELETE FROM http_sessions WHERE id = $1',
  deleteIdleSessions: 'DELETE FROM http_sessions WHERE last_seen_at < $1',
  deleteUserSessions: 'DELETE FROM http_sessions WHERE user_id = $1',
  // Serializes a user's logins, so that concurrent ones cannot both stay under the cap.
  lockUserForSessions: 'SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE',
  // CometD sessions (docs/durable-delivery.md): the stored position only grows.
  saveCometdSession: `INSERT INTO cometd_sessions (client_id, user_id, record, position, last_seen)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (client_id) DO UPDATE SET record = excluded.record,
      position = greatest(cometd_sessions.position, excluded.position),
      last_seen = excluded.last_seen`,
  // Expired sessions (kept for their client to resume: markCometdSessionExpired) do not count.
  countOtherCometdSessions: `SELECT count(*) AS n FROM cometd_sessions
    WHERE user_id = $1 AND last_seen >= $2 AND client_id <> $3
      AND (record::jsonb ->> 'expiredAt') IS NULL`,
  reclaimCometdSession: `UPDATE cometd_sessions
    SET record = $2, position = greatest(position, $3), last_seen = greatest(last_seen, $4)
    WHERE client_id = $1`,
  markCometdSessionExpired: `UPDATE cometd_sessions
    SET record = jsonb_set(record::jsonb, '{expiredAt}', to_jsonb($3::bigint))::text
    WHERE client_id = $1 AND last_seen <= $2`,
  // All but the $2 most recently seen sessions of a user.
  trimUserSessions: `DELETE FROM http_sessions WHERE id IN (
    SELECT id FROM http_sessions WHERE user_id = $1
    ORDER BY last_seen_at DESC, created_at DESC OFFSET $2)`,

  // subscriptions
  // Migration 10: the feed advance, the change and (adding) its log entries in one round trip.
  addSubscriptions: `SELECT workbins_add_subscriptions($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
    $12)`,
  removeSubscriptions: `SELECT workbins_remove_subscriptions($1, $2, $3, $4, $5, $6, $7, $8, $9,
    $10, $11, $12, $13) AS existed`,
  subscriptionsOf: 'SELECT workbin_id, owner FROM subscriptions WHERE user_id = $1 ORDER BY seq',
  deleteSubscriptionsOf: `DELETE FROM subscriptions WHERE user_id = $1`,
  subscriptionsOfContactCenter: `SELECT s.user_id, s.workbin_id, s.owner FROM subscriptions s
      JOIN users u ON u.id = s.user_id
    WHERE u.contact_center_id = $1 ORDER BY s.user_id, s.seq`,
  lockSubscriptionsOf: 'SELECT 1 FROM subscriptions WHERE user_id = $1 FOR UPDATE',
  subscribers:
    'SELECT user_id FROM subscriptions WHERE workbin_id = $1 AND owner = $2 ORDER BY seq',

  // interactions
  insertInteraction: `INSERT INTO interactions (${INTERACTION_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
  interactionAnyContactCenter: 'SELECT * FROM interactions WHERE id = $1',
  interaction: 'SELECT * FROM interactions WHERE contact_center_id = $1 AND id = $2',
  // Row lock for the compare-and-set: a concurrent move of the same row waits here, then reads
  // the committed location (READ COMMITTED re-reads a locked row once it is released).
  interactionForUpdate:
    'SELECT * FROM interactions WHERE contact_center_id = $1 AND id = $2 FOR UPDATE',
  ownedInteractions: `SELECT * FROM interactions WHERE contact_center_id = $1
      AND (owner_user_id = $2 OR invited_user_id = $2)
    ORDER BY received_at, id`,
  // Two counts, each on its index (interactions_by_owner, interactions_by_invitee); a row has
  // an owner or an invitee, never both.
  countHandled: `SELECT
      (SELECT count(*) FROM interactions WHERE owner_user_id = $2 AND contact_center_id = $1)::int
    + (SELECT count(*) FROM interactions WHERE invited_user_id = $2 AND contact_center_id = $1)::int
      AS count`,
  workbinContent: `SELECT * FROM interactions
    WHERE contact_center_id = $1 AND workbin_id = $2 AND workbin_owner = $3
    ORDER BY received_at, id`,
  countWorkbinContent: `SELECT t.n, count(i.id)::int AS count
    FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(w, o, n)
    LEFT JOIN interactions i
      ON i.contact_center_id = $1 AND i.workbin_id = t.w AND i.workbin_owner = t.o
    GROUP BY t.n ORDER BY t.n`,
  // Compare-and-set on the location: $3..$5, $12, $13, $17 are the "expected" location.
  moveInteraction: `UPDATE interactions SET owner_user_id = $6, workbin_id = $7, workbin_owner = $8,
      state = $9, capabilities = $10, user_data = $11, invited_user_id = $14, queue_name = $15,
      invited_by_user_id = $18,
      invited_at = CASE WHEN $14::text IS NULL THEN NULL ELSE $16::bigint END,
      completed_at = CASE WHEN $6::text IS NULL AND $7::text IS NULL AND $14::text IS NULL
        AND $15::text IS NULL THEN $16::bigint END
    WHERE contact_center_id = $1 AND id = $2
      AND owner_user_id IS NOT DISTINCT FROM $3 AND workbin_id IS NOT DISTINCT FROM $4
      AND workbin_owner IS NOT DISTINCT FROM $5 AND invited_user_id IS NOT DISTINCT FROM $12
      AND queue_name IS NOT DISTINCT FROM $13 AND invited_by_user_id IS NOT DISTINCT FROM $17
    RETURNING *`,
  // Completed interactions older than $1 (ms epoch), oldest first (the retention sweep).
  deleteCompleted: `DELETE FROM interactions WHERE id IN (SELECT id FROM interactions
    WHERE completed_at < $1 ORDER BY completed_at LIMIT $2)`,
  // Offers older than $1 (ms epoch), oldest first, over every contact center.
  expiredInvitations: `SELECT * FROM interactions WHERE invited_at < $1
    ORDER BY invited_at LIMIT $2`,
  updateUserData: `UPDATE interactions SET user_data = $6
    WHERE contact_center_id = $1 AND id = $2
      AND owner_user_id IS NOT DISTINCT FROM $3 AND workbin_id IS NOT DISTINCT FROM $4
      AND workbin_owner IS NOT DISTINCT FROM $5 AND invited_user_id IS NOT DISTINCT FROM $7
      AND queue_name IS NOT DISTINCT FROM $8 AND invited_by_user_id IS NOT DISTINCT FROM $9
    RETURNING *`,

  // media channels
  channelsOf: 'SELECT * FROM user_channels WHERE user_id = $1 ORDER BY position',
  lockUserForChannels: 'SELECT 1 FROM users WHERE id = $1 FOR UPDATE',
  deleteChannelsNotIn: 'DELETE FROM user_channels WHERE user_id = $1 AND NOT (channel = ANY($2))',
  upsertChannels: `INSERT INTO user_channels (user_id, channel, position, state, reason_code, since)
    SELECT $1, t.channel, t.n - 1, 'NotReady', NULL, $3
    FROM unnest($2::text[]) WITH ORDINALITY AS t(channel, n)
    ON CONFLICT (user_id, channel) DO UPDATE SET position = excluded.position`,
  setChannelState: `UPDATE user_channels SET state = $3, reason_code = $4, since = $5
    WHERE user_id = $1 AND channel = $2 RETURNING *`,
  clearChannels: 'DELETE FROM user_channels WHERE user_id = $1',
} as const
