// Numbered schema migrations for the SQLite adapter. Append new entries; never edit an applied
// one (a database records the versions it has run in `schema_migrations`).

import type Database from 'better-sqlite3'
import { StoreOpenError } from '../store-errors.ts'

export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE contact_centers (
        id       TEXT PRIMARY KEY,
        name     TEXT NOT NULL,
        features TEXT NOT NULL,            -- JSON array of strings
        version  INTEGER NOT NULL DEFAULT 1 -- directory version (docs/provisioning.md), bumped by provisioning
      );

      CREATE TABLE place_groups (
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        name              TEXT NOT NULL,
        PRIMARY KEY (contact_center_id, name)
      );

      CREATE TABLE places (
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        name              TEXT NOT NULL,
        place_groups      TEXT NOT NULL,   -- JSON array of place group names
        PRIMARY KEY (contact_center_id, name)
      );

      CREATE TABLE users (
        id                TEXT PRIMARY KEY CHECK (length(id) = 32),
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        user_name         TEXT NOT NULL UNIQUE, -- Basic auth has no tenant: unique store-wide
        password_hash     TEXT NOT NULL,
        first_name        TEXT NOT NULL,
        last_name         TEXT NOT NULL,
        roles             TEXT NOT NULL,   -- JSON array
        place             TEXT,
        FOREIGN KEY (contact_center_id, place) REFERENCES places(contact_center_id, name)
      );
      CREATE INDEX users_by_contact_center ON users(contact_center_id);

      CREATE TABLE agent_groups (
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        name              TEXT NOT NULL,
        members           TEXT NOT NULL,   -- JSON array of user ids
        supervisors       TEXT NOT NULL,   -- JSON array of user ids
        PRIMARY KEY (contact_center_id, name)
      );

      CREATE TABLE workbins (
        id                TEXT PRIMARY KEY,
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        workbin_name      TEXT NOT NULL,
        display_name      TEXT NOT NULL,
        type              TEXT NOT NULL CHECK (type IN ('Agent', 'Place', 'AgentGroup', 'PlaceGroup')),
        UNIQUE (contact_center_id, workbin_name)
      );

      -- Per-user runtime state, kept apart from the provisioned user row.
      CREATE TABLE user_state (
        user_id           TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        current_place     TEXT,
        last_reference_id INTEGER NOT NULL DEFAULT 0
      );

      CREATE TABLE http_sessions (
        id           TEXT PRIMARY KEY,
        user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_token   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
      );
      CREATE INDEX http_sessions_by_user ON http_sessions(user_id);
      CREATE INDEX http_sessions_by_last_seen ON http_sessions(last_seen_at);

      CREATE TABLE subscriptions (
        user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        workbin_id TEXT NOT NULL REFERENCES workbins(id),
        owner      TEXT NOT NULL,
        PRIMARY KEY (user_id, workbin_id, owner)
      );
      CREATE INDEX subscriptions_by_instance ON subscriptions(workbin_id, owner);

      -- Where an interaction is: exactly one of owner_user_id / (workbin_id, workbin_owner).
      CREATE TABLE interactions (
        id                TEXT PRIMARY KEY CHECK (length(id) = 16),
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        media_type        TEXT NOT NULL,
        openmedia_type    TEXT,
        state             TEXT NOT NULL,
        user_data         TEXT NOT NULL,   -- JSON object
        received_date     TEXT NOT NULL,   -- as given, yyyy-MM-dd HH:mm:ss.SSS±HHmm
        received_at       INTEGER NOT NULL, -- ms epoch of received_date, for ordering
        capabilities      TEXT NOT NULL,   -- JSON array
        owner_user_id     TEXT REFERENCES users(id),
        workbin_id        TEXT REFERENCES workbins(id),
        workbin_owner     TEXT,
        extra             TEXT NOT NULL,   -- JSON object
        CHECK ((owner_user_id IS NULL) <> (workbin_id IS NULL)),
        CHECK ((workbin_id IS NULL) = (workbin_owner IS NULL))
      );
      CREATE INDEX interactions_by_owner ON interactions(owner_user_id) WHERE owner_user_id IS NOT NULL;
      CREATE INDEX interactions_by_instance ON interactions(workbin_id, workbin_owner, received_at)
        WHERE workbin_id IS NOT NULL;
    `,
  },
  {
    version: 2,
    name: 'place occupancy',
    // One agent per place: the primary key makes two concurrent StartContactCenterSession on one
    // place end with one winner; UNIQUE (user_id) keeps one place per agent.
    sql: `
      CREATE TABLE place_occupants (
        contact_center_id TEXT NOT NULL,
        place             TEXT NOT NULL,
        user_id           TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
        PRIMARY KEY (contact_center_id, place),
        FOREIGN KEY (contact_center_id, place) REFERENCES places(contact_center_id, name)
      );

      -- The place is free again when its agent's last HTTP session ends (logout, expiry, sweep),
      -- whichever code path deletes the session.
      CREATE TRIGGER http_sessions_release_place AFTER DELETE ON http_sessions
      WHEN NOT EXISTS (SELECT 1 FROM http_sessions WHERE user_id = OLD.user_id)
      BEGIN
        DELETE FROM place_occupants WHERE user_id = OLD.user_id;
      END;

      -- Carry over chosen places of agents still logged in (first one wins a shared place).
      INSERT OR IGNORE INTO place_occupants (contact_center_id, place, user_id)
        SELECT u.contact_center_id, s.current_place, s.user_id
        FROM user_state s JOIN users u ON u.id = s.user_id
        JOIN places p ON p.contact_center_id = u.contact_center_id AND p.name = s.current_place
        WHERE EXISTS (SELECT 1 FROM http_sessions h WHERE h.user_id = s.user_id)
        ORDER BY s.rowid;
      UPDATE user_state SET current_place = NULL; -- no longer read
    `,
  },
  {
    version: 3,
    name: 'notification log and CometD sessions',
    // docs/durable-delivery.md: one log entry per change (per user or per workbin instance),
    // numbered per user lazily (user_messages) as each user's feed advances (user_feeds).
    sql: `
      CREATE TABLE notification_log (
        id           INTEGER PRIMARY KEY AUTOINCREMENT, -- commit order; never reused after a sweep
        user_id      TEXT,            -- a direct entry: its one recipient
        workbin_id   TEXT,            -- an instance entry: every subscriber of (workbin_id, owner)
        owner        TEXT,
        channel      TEXT NOT NULL,
        data         TEXT NOT NULL,   -- JSON
        owner_user   TEXT,            -- instance entries: this user gets owner_data instead
        owner_data   TEXT,
        exclude_user TEXT,            -- instance entries: users skipped, as |a|b|
        created_at   INTEGER NOT NULL,
        CHECK ((user_id IS NULL) <> (workbin_id IS NULL))
      );
      CREATE INDEX notification_log_by_user ON notification_log(user_id, id) WHERE user_id IS NOT NULL;
      CREATE INDEX notification_log_by_instance ON notification_log(workbin_id, owner, id)
        WHERE workbin_id IS NOT NULL;
      CREATE INDEX notification_log_by_time ON notification_log(created_at);

      -- The highest id swept: a feed whose position is below it may have lost entries.
      CREATE TABLE notification_floor (id INTEGER NOT NULL);
      INSERT INTO notification_floor (id) VALUES (0);

      CREATE TABLE user_feeds (
        user_id   TEXT PRIMARY KEY,
        seq       INTEGER NOT NULL,           -- the user's newest number
        position  INTEGER NOT NULL,           -- log id up to which the feed is numbered
        reset_seq INTEGER NOT NULL DEFAULT 0  -- entries were lost just before this number
      );

      CREATE TABLE user_messages (
        user_id TEXT NOT NULL,
        seq     INTEGER NOT NULL,
        log_id  INTEGER NOT NULL,
        PRIMARY KEY (user_id, seq)
      );
      CREATE INDEX user_messages_by_log ON user_messages(log_id);

      CREATE TABLE cometd_sessions (
        client_id TEXT PRIMARY KEY,
        user_id   TEXT NOT NULL,
        record    TEXT NOT NULL,   -- JSON, written and read by the CometD server only
        position  INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
      );
      CREATE INDEX cometd_sessions_by_last_seen ON cometd_sessions(last_seen);
    `,
  },
  {
    version: 4,
    name: 'agent states and media channels',
    sql: `
      ALTER TABLE contact_centers ADD COLUMN agent_states TEXT NOT NULL DEFAULT '[]'; -- JSON array

      -- The media channels of StartContactCenterSession and each one's agent state.
      CREATE TABLE user_channels (
        user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        channel     TEXT NOT NULL,
        position    INTEGER NOT NULL,  -- order given by StartContactCenterSession
        state       TEXT NOT NULL CHECK (state IN ('Ready', 'NotReady')),
        reason_code TEXT,
        since       INTEGER NOT NULL,  -- ms epoch of the last change
        PRIMARY KEY (user_id, channel)
      );

      -- A user without any HTTP session is on no channel (never Ready for offers).
      CREATE TRIGGER http_sessions_clear_channels AFTER DELETE ON http_sessions
      WHEN NOT EXISTS (SELECT 1 FROM http_sessions WHERE user_id = OLD.user_id)
      BEGIN
        DELETE FROM user_channels WHERE user_id = OLD.user_id;
      END;
    `,
  },
  {
    version: 5,
    name: 'queues, offers and completed interactions',
    // An interaction may now also be offered to an agent (invited_user_id, with the queue it came
    // from), wait in a queue (queue_name) or be completed (no location column set). SQLite
    // cannot change a CHECK constraint in place: the table is rebuilt (nothing references it).
    sql: `
      CREATE TABLE queues (
        id                TEXT PRIMARY KEY,
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        name              TEXT NOT NULL,
        description       TEXT NOT NULL,
        channel           TEXT NOT NULL,
        UNIQUE (contact_center_id, name)
      );

      CREATE TABLE interactions_v3 (
        id                TEXT PRIMARY KEY CHECK (length(id) = 16),
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        media_type        TEXT NOT NULL,
        openmedia_type    TEXT,
        state             TEXT NOT NULL,
        user_data         TEXT NOT NULL,
        received_date     TEXT NOT NULL,
        received_at       INTEGER NOT NULL,
        capabilities      TEXT NOT NULL,
        owner_user_id     TEXT REFERENCES users(id),
        workbin_id        TEXT REFERENCES workbins(id),
        workbin_owner     TEXT,
        extra             TEXT NOT NULL,
        invited_user_id   TEXT REFERENCES users(id),
        queue_name        TEXT,
        -- at most one place: an owner, a workbin instance, an invitation (with its queue) or a queue
        CHECK ((owner_user_id IS NOT NULL) + (workbin_id IS NOT NULL)
               + (queue_name IS NOT NULL) <= 1),
        CHECK ((workbin_id IS NULL) = (workbin_owner IS NULL)),
        CHECK (invited_user_id IS NULL OR queue_name IS NOT NULL)
      );
      INSERT INTO interactions_v3 (id, contact_center_id, media_type, openmedia_type, state,
          user_data, received_date, received_at, capabilities, owner_user_id, workbin_id,
          workbin_owner, extra)
        SELECT id, contact_center_id, media_type, openmedia_type, state, user_data, received_date,
          received_at, capabilities, owner_user_id, workbin_id, workbin_owner, extra
        FROM interactions;
      DROP TABLE interactions;
      ALTER TABLE interactions_v3 RENAME TO interactions;
      CREATE INDEX interactions_by_owner ON interactions(owner_user_id) WHERE owner_user_id IS NOT NULL;
      CREATE INDEX interactions_by_instance ON interactions(workbin_id, workbin_owner, received_at)
        WHERE workbin_id IS NOT NULL;
      CREATE INDEX interactions_by_invitee ON interactions(invited_user_id)
        WHERE invited_user_id IS NOT NULL;
      CREATE INDEX interactions_by_queue ON interactions(contact_center_id, queue_name, received_at)
        WHERE queue_name IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'paged workbin content',
    // Keyset pages by receivedDate (store.ts pageWorkbinContent) read only the page from this
    // index; it also serves the whole-content read and the counts, so it replaces the old one.
    sql: `
      CREATE INDEX interactions_by_instance_page
        ON interactions(contact_center_id, workbin_id, workbin_owner, received_at, id)
        WHERE workbin_id IS NOT NULL;
      DROP INDEX interactions_by_instance;
    `,
  },
  {
    version: 7,
    name: 'offer time',
    // When an interaction was offered (ms epoch; set while invited_user_id is): every server's
    // periodic sweep withdraws offers older than WORKBINS_OFFER_TIMEOUT_SECONDS, also those whose
    // node stopped before its timer fired (docs/interactions.md "Offers").
    sql: `
      ALTER TABLE interactions ADD COLUMN invited_at INTEGER;
      CREATE INDEX interactions_by_invited_at ON interactions(invited_at)
        WHERE invited_at IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: 'CometD sessions by user',
    // Ending a user's sessions (logout, EndContactCenterSession, disconnectUser) deletes the
    // user's stored CometD sessions: without it, a scan of every stored session.
    sql: `CREATE INDEX cometd_sessions_by_user ON cometd_sessions(user_id);`,
  },
  {
    version: 9,
    name: 'notification log swept in commit order',
    // The sweep walks the log from its oldest id and stops at the first entry still kept, so
    // no query reads this index; keeping it cost a page write in every change's commit.
    sql: `DROP INDEX IF EXISTS notification_log_by_time;`,
  },
  {
    version: 10,
    name: 'notification numbers in runs',
    // One row per feed advance instead of one per number: an advance numbers consecutive
    // entries first_seq..last_seq, so a row holds their log ids (a JSON array, in number order).
    // A subscriber's numbers of a few seconds then cost one row, not one per change
    // (docs/durable-delivery.md). Rows of `user_messages` written before are not copied (that
    // would take minutes at a day's retention): they are still read, and the sweep empties the
    // table within the retention.
    sql: `
      CREATE TABLE user_message_runs (
        user_id     TEXT NOT NULL,
        first_seq   INTEGER NOT NULL,
        last_seq    INTEGER NOT NULL,
        log_ids     TEXT NOT NULL,     -- JSON array: the log id of first_seq, first_seq + 1, ...
        last_log_id INTEGER NOT NULL,  -- the newest of them (the sweep deletes by it)
        PRIMARY KEY (user_id, first_seq)
      ) WITHOUT ROWID;
      CREATE INDEX user_message_runs_by_log ON user_message_runs(last_log_id);
    `,
  },
  {
    version: 11,
    name: 'CometD session positions apart from their records',
    // Every live session's acknowledged position and last use are written each
    // WORKBINS_SESSION_SYNC_MS: in the session's own row (its ~330 B record beside them) that
    // rewrote every page of the table each second; here a row is ~70 B. Deleting a session
    // deletes its position (foreign key, ON DELETE CASCADE; the store turns foreign keys on).
    sql: `
      CREATE TABLE cometd_session_positions (
        client_id TEXT PRIMARY KEY REFERENCES cometd_sessions(client_id) ON DELETE CASCADE,
        position  INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO cometd_session_positions (client_id, position, last_seen)
        SELECT client_id, position, last_seen FROM cometd_sessions;
      CREATE INDEX cometd_session_positions_by_last_seen ON cometd_session_positions(last_seen);
      DROP INDEX cometd_sessions_by_last_seen;
      ALTER TABLE cometd_sessions DROP COLUMN position;
      ALTER TABLE cometd_sessions DROP COLUMN last_seen;
    `,
  },
  {
    version: 12,
    name: 'completion time',
    // When an interaction was completed (ms epoch; set while it is nowhere): the retention sweep
    // deletes those older than WORKBINS_COMPLETED_RETENTION_SECONDS (docs/interactions.md
    // "Completed interactions"). Those completed before this version count from now.
    sql: `
      ALTER TABLE interactions ADD COLUMN completed_at INTEGER;
      UPDATE interactions SET completed_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
        WHERE owner_user_id IS NULL AND workbin_id IS NULL AND invited_user_id IS NULL
          AND queue_name IS NULL;
      CREATE INDEX interactions_by_completed_at ON interactions(completed_at)
        WHERE completed_at IS NOT NULL;
    `,
  },
  {
    version: 13,
    name: 'transfer invitations',
    // A Transfer to an agent invites them (GWS Open Media API → Transfer); refused or withdrawn,
    // the interaction returns to the agent who transferred it (invited_by_user_id), as an Offer
    // returns to its queue (queue_name): an invitation has exactly one of the two. SQLite cannot
    // change a CHECK constraint in place: the table is rebuilt, as in version 5 (nothing
    // references it).
    sql: `
      CREATE TABLE interactions_v13 (
        id                 TEXT PRIMARY KEY CHECK (length(id) = 16),
        contact_center_id  TEXT NOT NULL REFERENCES contact_centers(id),
        media_type         TEXT NOT NULL,
        openmedia_type     TEXT,
        state              TEXT NOT NULL,
        user_data          TEXT NOT NULL,
        received_date      TEXT NOT NULL,
        received_at        INTEGER NOT NULL,
        capabilities       TEXT NOT NULL,
        owner_user_id      TEXT REFERENCES users(id),
        workbin_id         TEXT REFERENCES workbins(id),
        workbin_owner      TEXT,
        extra              TEXT NOT NULL,
        invited_user_id    TEXT REFERENCES users(id),
        queue_name         TEXT,
        invited_at         INTEGER,
        completed_at       INTEGER,
        invited_by_user_id TEXT REFERENCES users(id),
        -- at most one place: an owner, a workbin instance, a queue, or an invitation with where
        -- it returns (its queue or the transferring agent)
        CHECK ((owner_user_id IS NOT NULL) + (workbin_id IS NOT NULL)
               + (queue_name IS NOT NULL) + (invited_by_user_id IS NOT NULL) <= 1),
        CHECK ((workbin_id IS NULL) = (workbin_owner IS NULL)),
        CHECK (invited_user_id IS NULL OR queue_name IS NOT NULL
               OR invited_by_user_id IS NOT NULL),
        CHECK (invited_by_user_id IS NULL OR invited_user_id IS NOT NULL)
      );
      INSERT INTO interactions_v13 (id, contact_center_id, media_type, openmedia_type, state,
          user_data, received_date, received_at, capabilities, owner_user_id, workbin_id,
          workbin_owner, extra, invited_user_id, queue_name, invited_at, completed_at)
        SELECT id, contact_center_id, media_type, openmedia_type, state, user_data, received_date,
          received_at, capabilities, owner_user_id, workbin_id, workbin_owner, extra,
          invited_user_id, queue_name, invited_at, completed_at
        FROM interactions;
      DROP TABLE interactions;
      ALTER TABLE interactions_v13 RENAME TO interactions;
      CREATE INDEX interactions_by_owner ON interactions(owner_user_id) WHERE owner_user_id IS NOT NULL;
      CREATE INDEX interactions_by_instance_page
        ON interactions(contact_center_id, workbin_id, workbin_owner, received_at, id)
        WHERE workbin_id IS NOT NULL;
      CREATE INDEX interactions_by_invitee ON interactions(invited_user_id)
        WHERE invited_user_id IS NOT NULL;
      CREATE INDEX interactions_by_queue ON interactions(contact_center_id, queue_name, received_at)
        WHERE queue_name IS NOT NULL;
      CREATE INDEX interactions_by_invited_at ON interactions(invited_at)
        WHERE invited_at IS NOT NULL;
      CREATE INDEX interactions_by_completed_at ON interactions(completed_at)
        WHERE completed_at IS NOT NULL;
    `,
  },
]

/**
 * Apply every migration not yet recorded, each in its own (immediate) transaction. Safe to call
 * on every start and from several processes at once: each step re-checks under the write lock.
 */
export function runMigrations(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`)
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck()
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  )
  const newest = db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as
    number | null
  const known = Math.max(0, ...migrations.map((m) => m.version))
  if (newest !== null && newest > known) {
    // A newer server has upgraded this file; running older code on it could corrupt data.
    throw new StoreOpenError(
      `database schema version ${newest} is newer than this server knows (${known}); upgrade the server`,
    )
  }
  const applied: number[] = []
  const sorted = [...migrations].sort((a, b) => a.version - b.version)
  for (const m of sorted) {
    const step = db.transaction(() => {
      if (isApplied.get(m.version) !== undefined) return false
      db.exec(m.sql)
      record.run(m.version, m.name, new Date().toISOString())
      return true
    })
    if (step.immediate()) applied.push(m.version)
  }
  return applied
}
