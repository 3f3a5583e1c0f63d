// Every SQL statement of the adapter, prepared once (after migrations have created the tables).
//
// A bound LIMIT or OFFSET is written `+?` (an expression), never a bare `?`: with a bare
// parameter there, SQLite planned the statement again at every run (8.5 against 0.7 µs for a
// one-row indexed read, measured with better-sqlite3 12). The same rule holds in every file of
// this folder; test/unit/sqlite-limits.test.ts checks it.

import type Database from 'better-sqlite3'
import { SESSION_CALLER_SQL } from './rows.ts'

export function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql)
  return {
    // contact centers
    anyContactCenter: p('SELECT 1 FROM contact_centers LIMIT 1').pluck(),
    allContactCenters: p('SELECT * FROM contact_centers ORDER BY rowid'),
    contactCenter: p('SELECT * FROM contact_centers WHERE id = ?'),
    insertContactCenter: p(
      `INSERT INTO contact_centers (id, name, features, agent_states, version)
       VALUES (@id, @name, @features, @agent_states, 1)`,
    ),
    updateContactCenter: p(
      'UPDATE contact_centers SET name = @name, features = @features, agent_states = @agent_states WHERE id = @id',
    ),
    bumpVersion: p('UPDATE contact_centers SET version = version + 1 WHERE id = ?'),
    directoryVersion: p('SELECT version FROM contact_centers WHERE id = ?').pluck(),

    // place groups, places, agent groups
    placeGroupsOf: p('SELECT * FROM place_groups WHERE contact_center_id = ? ORDER BY rowid'),
    placeGroup: p('SELECT 1 FROM place_groups WHERE contact_center_id = ? AND name = ?').pluck(),
    insertPlaceGroup: p('INSERT INTO place_groups (contact_center_id, name) VALUES (?, ?)'),
    placesOf: p('SELECT * FROM places WHERE contact_center_id = ? ORDER BY rowid'),
    place: p('SELECT * FROM places WHERE contact_center_id = ? AND name = ?'),
    insertPlace: p(
      'INSERT INTO places (contact_center_id, name, place_groups) VALUES (@contact_center_id, @name, @place_groups)',
    ),
    updatePlace: p(
      'UPDATE places SET place_groups = @place_groups WHERE contact_center_id = @contact_center_id AND name = @name',
    ),
    agentGroupsOf: p('SELECT * FROM agent_groups WHERE contact_center_id = ? ORDER BY rowid'),
    agentGroup: p('SELECT * FROM agent_groups WHERE contact_center_id = ? AND name = ?'),
    insertAgentGroup: p(
      `INSERT INTO agent_groups (contact_center_id, name, members, supervisors)
       VALUES (@contact_center_id, @name, @members, @supervisors)`,
    ),
    updateAgentGroup: p(
      `UPDATE agent_groups SET members = @members, supervisors = @supervisors
       WHERE contact_center_id = @contact_center_id AND name = @name`,
    ),

    // users
    usersOf: p('SELECT * FROM users WHERE contact_center_id = ? ORDER BY rowid'),
    user: p('SELECT * FROM users WHERE id = ?'),
    userByName: p('SELECT * FROM users WHERE user_name = ?'),
    insertUser: p(
      `INSERT INTO users (id, contact_center_id, user_name, password_hash, first_name, last_name, roles, place)
       VALUES (@id, @contact_center_id, @user_name, @password_hash, @first_name, @last_name, @roles, @place)`,
    ),
    updateUser: p(
      `UPDATE users SET user_name = @user_name, password_hash = @password_hash, first_name = @first_name,
       last_name = @last_name, roles = @roles, place = @place WHERE id = @id`,
    ),

    // queues
    queuesOf: p('SELECT * FROM queues WHERE contact_center_id = ? ORDER BY rowid'),
    queue: p('SELECT * FROM queues WHERE id = ?'),
    insertQueue: p(
      `INSERT INTO queues (id, contact_center_id, name, description, channel)
       VALUES (@id, @contact_center_id, @name, @description, @channel)`,
    ),
    updateQueue: p(
      'UPDATE queues SET name = @name, description = @description, channel = @channel WHERE id = @id',
    ),
    // workbins
    workbinsOf: p('SELECT * FROM workbins WHERE contact_center_id = ? ORDER BY rowid'),
    workbin: p('SELECT * FROM workbins WHERE id = ?'),
    insertWorkbin: p(
      `INSERT INTO workbins (id, contact_center_id, workbin_name, display_name, type)
       VALUES (@id, @contact_center_id, @workbin_name, @display_name, @type)`,
    ),
    updateWorkbin: p(
      'UPDATE workbins SET workbin_name = @workbin_name, display_name = @display_name, type = @type WHERE id = @id',
    ),
    // Two probes of one row each (interactions_by_instance_page, subscriptions_by_instance).
    workbinInUse: p(
      `SELECT
         EXISTS (SELECT 1 FROM interactions WHERE contact_center_id = @cc AND workbin_id = @wb)
           AS interactions,
         EXISTS (SELECT 1 FROM subscriptions WHERE workbin_id = @wb) AS subscriptions`,
    ),

    // per-user state
    // place occupancy (one agent per place)
    currentPlace: p('SELECT place FROM place_occupants WHERE user_id = ?').pluck(),
    placeOccupant: p(
      'SELECT user_id FROM place_occupants WHERE contact_center_id = ? AND place = ?',
    ).pluck(),
    liveSessionOf: p(
      'SELECT 1 FROM http_sessions WHERE user_id = ? AND last_seen_at >= ? LIMIT 1',
    ).pluck(),
    insertOccupant: p(
      'INSERT INTO place_occupants (contact_center_id, place, user_id) VALUES (?, ?, ?)',
    ),
    releasePlaceOf: p('DELETE FROM place_occupants WHERE user_id = ? RETURNING place').pluck(),
    releasePlaceAt: p('DELETE FROM place_occupants WHERE contact_center_id = ? AND place = ?'),
    releaseOrphanPlaces: p(
      'DELETE FROM place_occupants WHERE user_id NOT IN (SELECT user_id FROM http_sessions)',
    ),
    reserveReferenceIds: p(
      `INSERT INTO user_state (user_id, last_reference_id) VALUES (@userId, @count)
       ON CONFLICT (user_id) DO UPDATE SET last_reference_id = last_reference_id + @count
       RETURNING last_reference_id`,
    ).pluck(),

    // HTTP sessions
    insertSession: p(
      `INSERT INTO http_sessions (id, user_id, csrf_token, created_at, last_seen_at)
       VALUES (@id, @user_id, @csrf_token, @created_at, @last_seen_at)`,
    ),
    session: p('SELECT * FROM http_sessions WHERE id = ?'),
    sessionCaller: p(`${SESSION_CALLER_SQL} WHERE s.id = ?`),
    touchSession: p('UPDATE http_sessions SET last_seen_at = ? WHERE id = ?'),
    deleteSession: p('DELETE FROM http_sessions WHERE id = ?'),
    deleteIdleSessions: p('DELETE FROM http_sessions WHERE last_seen_at < ?'),
    deleteUserSessions: p('DELETE FROM http_sessions WHERE user_id = ?'),
    // All but the `keep` most recently seen sessions of a user.
    trimUserSessions: p(
      `DELETE FROM http_sessions WHERE id IN (
         SELECT id FROM http_sessions WHERE user_id = ?
         ORDER BY last_seen_at DESC, created_at DESC LIMIT -1 OFFSET +?)`,
    ),

    // subscriptions
    insertSubscription: p(
      'INSERT INTO subscriptions (user_id, workbin_id, owner) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    deleteSubscription: p(
      'DELETE FROM subscriptions WHERE user_id = ? AND workbin_id = ? AND owner = ?',
    ),
    subscriptionsOf: p(
      'SELECT workbin_id, owner FROM subscriptions WHERE user_id = ? ORDER BY rowid',
    ),
    deleteSubscriptionsOf: p('DELETE FROM subscriptions WHERE user_id = ?'),
    subscriptionsOfContactCenter: p(
      `SELECT s.user_id, s.workbin_id, s.owner FROM subscriptions s
         JOIN users u ON u.id = s.user_id
       WHERE u.contact_center_id = ? ORDER BY s.user_id, s.rowid`,
    ),
    subscribers: p(
      'SELECT user_id FROM subscriptions WHERE workbin_id = ? AND owner = ? ORDER BY rowid',
    ).pluck(),

    // interactions
    insertInteraction: p(
      `INSERT INTO interactions (id, contact_center_id, media_type, openmedia_type, state, user_data,
         received_date, received_at, capabilities, owner_user_id, workbin_id, workbin_owner, extra,
         invited_user_id, queue_name, invited_by_user_id)
       VALUES (@id, @contact_center_id, @media_type, @openmedia_type, @state, @user_data,
         @received_date, @received_at, @capabilities, @owner_user_id, @workbin_id, @workbin_owner, @extra,
         @invited_user_id, @queue_name, @invited_by_user_id)`,
    ),
    interactionAnyContactCenter: p('SELECT * FROM interactions WHERE id = ?'),
    interaction: p('SELECT * FROM interactions WHERE contact_center_id = ? AND id = ?'),
    ownedInteractions: p(
      `SELECT * FROM interactions WHERE contact_center_id = @cc
         AND (owner_user_id = @user OR invited_user_id = @user)
       ORDER BY received_at, id`,
    ),
    // Two counts, each on its index (interactions_by_owner, interactions_by_invitee); a row has
    // an owner or an invitee, never both.
    countHandled: p(
      `SELECT (SELECT count(*) FROM interactions WHERE owner_user_id = @user AND contact_center_id = @cc)
            + (SELECT count(*) FROM interactions WHERE invited_user_id = @user AND contact_center_id = @cc)`,
    ).pluck(),
    workbinContent: p(
      `SELECT * FROM interactions WHERE contact_center_id = ? AND workbin_id = ? AND workbin_owner = ?
       ORDER BY received_at, id`,
    ),
    countWorkbinContent: p(
      `SELECT count(*) FROM interactions
       WHERE contact_center_id = ? AND workbin_id = ? AND workbin_owner = ?`,
    ).pluck(),
    // Compare-and-set on the location: the WHERE clause is the "expected" location.
    moveInteraction: p(
      `UPDATE interactions SET owner_user_id = @next_owner_user_id, workbin_id = @next_workbin_id,
         workbin_owner = @next_workbin_owner, invited_user_id = @next_invited_user_id,
         queue_name = @next_queue_name, invited_by_user_id = @next_invited_by_user_id,
         state = @state, capabilities = @capabilities, user_data = @user_data,
         invited_at = CASE WHEN @next_invited_user_id IS NULL THEN NULL ELSE @now END,
         completed_at = CASE WHEN @next_owner_user_id IS NULL AND @next_workbin_id IS NULL
           AND @next_invited_user_id IS NULL AND @next_queue_name IS NULL THEN @now END
       WHERE contact_center_id = @contact_center_id AND id = @id
         AND owner_user_id IS @owner_user_id AND workbin_id IS @workbin_id
         AND workbin_owner IS @workbin_owner AND invited_user_id IS @invited_user_id
         AND queue_name IS @queue_name AND invited_by_user_id IS @invited_by_user_id`,
    ),
    // Completed interactions older than the given ms epoch, oldest first (the retention sweep).
    deleteCompleted: p(
      `DELETE FROM interactions WHERE id IN (SELECT id FROM interactions
         WHERE completed_at < ? ORDER BY completed_at LIMIT +?)`,
    ),
    // Offers older than the given ms epoch, oldest first, over every contact center.
    expiredInvitations: p(
      'SELECT * FROM interactions WHERE invited_at < ? ORDER BY invited_at LIMIT +?',
    ),
    updateUserData: p(
      `UPDATE interactions SET user_data = @user_data
       WHERE contact_center_id = @contact_center_id AND id = @id
         AND owner_user_id IS @owner_user_id AND workbin_id IS @workbin_id
         AND workbin_owner IS @workbin_owner AND invited_user_id IS @invited_user_id
         AND queue_name IS @queue_name AND invited_by_user_id IS @invited_by_user_id`,
    ),

    // media channels
    channelsOf: p('SELECT * FROM user_channels WHERE user_id = ? ORDER BY position'),
    channel: p('SELECT * FROM user_channels WHERE user_id = ? AND channel = ?'),
    upsertChannel: p(
      `INSERT INTO user_channels (user_id, channel, position, state, reason_code, since)
       VALUES (@user_id, @channel, @position, 'NotReady', NULL, @since)
       ON CONFLICT (user_id, channel) DO UPDATE SET position = excluded.position`,
    ),
    deleteChannel: p('DELETE FROM user_channels WHERE user_id = ? AND channel = ?'),
    setChannelState: p(
      `UPDATE user_channels SET state = @state, reason_code = @reason_code, since = @since
       WHERE user_id = @user_id AND channel = @channel`,
    ),
    clearChannels: p('DELETE FROM user_channels WHERE user_id = ?'),
  }
}

export type Statements = ReturnType<typeof prepareStatements>
