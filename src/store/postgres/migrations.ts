// Numbered schema migrations for the PostgreSQL adapter, the same tables as the SQLite ones
// (src/store/sqlite/migrations.ts). Append new entries; never edit an applied one (a database
// records the versions it has run in `schema_migrations`). `seq` columns keep insertion order
// where the SQLite adapter orders by rowid.

import type { PoolClient } from 'pg'

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
        seq      BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        id       TEXT PRIMARY KEY,
        name     TEXT NOT NULL,
        features TEXT NOT NULL,             -- JSON array of strings
        version  INTEGER NOT NULL DEFAULT 1 -- directory version, bumped by provisioning
      );

      CREATE TABLE place_groups (
        seq               BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        name              TEXT NOT NULL,
        PRIMARY KEY (contact_center_id, name)
      );

      CREATE TABLE places (
        seq               BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        name              TEXT NOT NULL,
        place_groups      TEXT NOT NULL,    -- JSON array of place group names
        PRIMARY KEY (contact_center_id, name)
      );

      CREATE TABLE users (
        seq               BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        id                TEXT PRIMARY KEY CHECK (length(id) = 32),
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        user_name         TEXT NOT NULL UNIQUE, -- Basic auth has no tenant: unique store-wide
        password_hash     TEXT NOT NULL,
        first_name        TEXT NOT NULL,
        last_name         TEXT NOT NULL,
        roles             TEXT NOT NULL,    -- JSON array
        place             TEXT,
        FOREIGN KEY (contact_center_id, place) REFERENCES places(contact_center_id, name)
      );
      CREATE INDEX users_by_contact_center ON users(contact_center_id);

      CREATE TABLE agent_groups (
        seq               BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        name              TEXT NOT NULL,
        members           TEXT NOT NULL,    -- JSON array of user ids
        supervisors       TEXT NOT NULL,    -- JSON array of user ids
        PRIMARY KEY (contact_center_id, name)
      );

      CREATE TABLE workbins (
        seq               BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
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
        last_reference_id BIGINT NOT NULL DEFAULT 0
      );

      CREATE TABLE http_sessions (
        id           TEXT PRIMARY KEY,
        user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_token   TEXT NOT NULL,
        created_at   BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL
      );
      CREATE INDEX http_sessions_by_user ON http_sessions(user_id);
      CREATE INDEX http_sessions_by_last_seen ON http_sessions(last_seen_at);

      CREATE TABLE subscriptions (
        seq        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
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
        user_data         TEXT NOT NULL,    -- JSON object
        received_date     TEXT NOT NULL,    -- as given, yyyy-MM-dd HH:mm:ss.SSS±HHmm
        received_at       BIGINT NOT NULL,  -- ms epoch of received_date, for ordering
        capabilities      TEXT NOT NULL,    -- JSON array
        owner_user_id     TEXT REFERENCES users(id),
        workbin_id        TEXT REFERENCES workbins(id),
        workbin_owner     TEXT,
        extra             TEXT NOT NULL,    -- JSON object
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

      -- The place is free again when its agent's last HTTP session ends (logout, expiry, sweep,
      -- session cap, password change), whichever code path deletes the session: a trigger, as
      -- on SQLite, rather than a step every deleting method must remember. Once per statement
      -- (the sweep deletes many sessions). The occupancies concerned are locked first, in user
      -- order (occupyPlace locks in the same order: no deadlock between them): a transaction
      -- ending another session of the same user at the same time waits here, and its next
      -- statement (READ COMMITTED: a new snapshot) sees this one's deletion, so the last of
      -- two concurrent logouts frees the place.
      CREATE FUNCTION http_sessions_release_places() RETURNS trigger
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      BEGIN
        PERFORM 1 FROM place_occupants WHERE user_id IN (SELECT user_id FROM gone)
          ORDER BY user_id FOR UPDATE;
        DELETE FROM place_occupants o WHERE o.user_id IN (SELECT user_id FROM gone)
          AND NOT EXISTS (SELECT 1 FROM http_sessions h WHERE h.user_id = o.user_id);
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER http_sessions_release_places AFTER DELETE ON http_sessions
        REFERENCING OLD TABLE AS gone
        FOR EACH STATEMENT EXECUTE FUNCTION http_sessions_release_places();

      -- Carry over chosen places of agents still logged in (first user wins a shared place).
      INSERT INTO place_occupants (contact_center_id, place, user_id)
        SELECT u.contact_center_id, s.current_place, s.user_id
        FROM user_state s JOIN users u ON u.id = s.user_id
        JOIN places p ON p.contact_center_id = u.contact_center_id AND p.name = s.current_place
        WHERE EXISTS (SELECT 1 FROM http_sessions h WHERE h.user_id = s.user_id)
        ORDER BY u.seq
        ON CONFLICT DO NOTHING;
      UPDATE user_state SET current_place = NULL; -- no longer read
    `,
  },
  {
    version: 3,
    name: 'notification log and CometD sessions',
    // As in the SQLite schema (docs/durable-delivery.md). Log ids come from notification_head,
    // whose row lock serializes appending transactions: ids are in commit order, so a reader
    // that saw head H has every entry up to H.
    sql: `
      CREATE TABLE notification_log (
        id           BIGINT PRIMARY KEY,
        user_id      TEXT,
        workbin_id   TEXT,
        owner        TEXT,
        channel      TEXT NOT NULL,
        data         TEXT NOT NULL,
        owner_user   TEXT,
        owner_data   TEXT,
        exclude_user TEXT,
        created_at   BIGINT NOT NULL,
        CHECK ((user_id IS NULL) <> (workbin_id IS NULL))
      );
      CREATE INDEX notification_log_by_user ON notification_log(user_id, id) WHERE user_id IS NOT NULL;
      CREATE INDEX notification_log_by_instance ON notification_log(workbin_id, owner, id)
        WHERE workbin_id IS NOT NULL;
      CREATE INDEX notification_log_by_time ON notification_log(created_at);

      CREATE TABLE notification_head (id BIGINT NOT NULL, floor BIGINT NOT NULL);
      INSERT INTO notification_head (id, floor) VALUES (0, 0);

      CREATE TABLE user_feeds (
        user_id   TEXT PRIMARY KEY,
        seq       BIGINT NOT NULL,
        position  BIGINT NOT NULL,
        reset_seq BIGINT NOT NULL DEFAULT 0
      );

      CREATE TABLE user_messages (
        user_id TEXT NOT NULL,
        seq     BIGINT NOT NULL,
        log_id  BIGINT NOT NULL,
        PRIMARY KEY (user_id, seq)
      );
      CREATE INDEX user_messages_by_log ON user_messages(log_id);

      CREATE TABLE cometd_sessions (
        client_id TEXT PRIMARY KEY,
        user_id   TEXT NOT NULL,
        record    TEXT NOT NULL,
        position  BIGINT NOT NULL,
        last_seen BIGINT NOT NULL
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
        since       BIGINT NOT NULL,   -- ms epoch of the last change
        PRIMARY KEY (user_id, channel)
      );

      -- A user without any HTTP session is on no channel (never Ready for offers).
      CREATE FUNCTION http_sessions_clear_channels() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        DELETE FROM user_channels c WHERE c.user_id IN (SELECT user_id FROM gone)
          AND NOT EXISTS (SELECT 1 FROM http_sessions h WHERE h.user_id = c.user_id);
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER http_sessions_clear_channels AFTER DELETE ON http_sessions
        REFERENCING OLD TABLE AS gone
        FOR EACH STATEMENT EXECUTE FUNCTION http_sessions_clear_channels();
    `,
  },
  {
    version: 5,
    name: 'queues, offers and completed interactions',
    // An interaction may now also be offered to an agent (invited_user_id, with the queue it came
    // from), wait in a queue (queue_name) or be completed (no location column set).
    sql: `
      CREATE TABLE queues (
        seq               BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        id                TEXT PRIMARY KEY,
        contact_center_id TEXT NOT NULL REFERENCES contact_centers(id),
        name              TEXT NOT NULL,
        description       TEXT NOT NULL,
        channel           TEXT NOT NULL,
        UNIQUE (contact_center_id, name)
      );

      ALTER TABLE interactions
        ADD COLUMN invited_user_id TEXT REFERENCES users(id),
        ADD COLUMN queue_name TEXT,
        DROP CONSTRAINT interactions_check,
        ADD CONSTRAINT interactions_one_location CHECK (
          (owner_user_id IS NOT NULL)::int + (workbin_id IS NOT NULL)::int
          + (queue_name IS NOT NULL)::int <= 1),
        ADD CONSTRAINT interactions_invited_from_queue CHECK (
          invited_user_id IS NULL OR queue_name IS NOT NULL);
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
    // index (ids compare by code point, as on SQLite); it also serves the whole-content read
    // and the counts, so it replaces the old one.
    sql: `
      CREATE INDEX interactions_by_instance_page
        ON interactions(contact_center_id, workbin_id, workbin_owner, received_at, id COLLATE "C")
        WHERE workbin_id IS NOT NULL;
      DROP INDEX interactions_by_instance;
    `,
  },
  {
    version: 7,
    name: 'CometD sessions by user',
    // A cluster counts a user's stored sessions at each handshake (docs/cluster.md).
    sql: `CREATE INDEX cometd_sessions_by_user ON cometd_sessions(user_id);`,
  },
  {
    version: 8,
    name: 'feed advance in one round trip',
    // notification-log.ts advanceFeed, run by the server (docs/durable-delivery.md): one round
    // trip instead of six, which is most of the delivery pump's time on PostgreSQL.
    sql: `
      CREATE FUNCTION workbins_advance_feed(p_user TEXT, p_limit BIGINT) RETURNS BIGINT
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      DECLARE
        h_id BIGINT; h_floor BIGINT;
        f_seq BIGINT; f_pos BIGINT; f_reset BIGINT;
        n_seq BIGINT; n_pos BIGINT; n_reset BIGINT;
        ids BIGINT[]; cnt BIGINT;
      BEGIN
        SELECT id, floor INTO h_id, h_floor FROM notification_head;
        INSERT INTO user_feeds (user_id, seq, position) VALUES (p_user, 0, h_floor)
          ON CONFLICT DO NOTHING;
        -- The row lock makes concurrent advances of one user (two nodes) take turns.
        SELECT seq, position, reset_seq INTO f_seq, f_pos, f_reset
          FROM user_feeds WHERE user_id = p_user FOR UPDATE;
        n_seq := f_seq; n_pos := f_pos; n_reset := f_reset;
        IF n_pos < h_floor THEN
          -- Entries the user had not been given were swept: replays across this are refused.
          n_reset := n_seq + 1;
          n_pos := h_floor;
        END IF;
        IF h_id > n_pos THEN
          SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO ids FROM (
            SELECT id FROM (
              SELECT id FROM notification_log WHERE user_id = p_user AND id > n_pos AND id <= h_id
              UNION ALL
              SELECT l.id FROM subscriptions s JOIN notification_log l
                ON l.workbin_id = s.workbin_id AND l.owner = s.owner AND l.id > n_pos AND l.id <= h_id
              WHERE s.user_id = p_user
                AND (l.exclude_user IS NULL OR strpos(l.exclude_user, '|' || p_user || '|') = 0)
            ) p ORDER BY id LIMIT p_limit
          ) q;
          cnt := coalesce(array_length(ids, 1), 0);
          IF cnt > 0 THEN
            INSERT INTO user_messages (user_id, seq, log_id)
              SELECT p_user, n_seq + t.o, t.i FROM unnest(ids) WITH ORDINALITY AS t(i, o);
            n_seq := n_seq + cnt;
          END IF;
          IF cnt = p_limit THEN n_pos := ids[cnt]; ELSE n_pos := h_id; END IF;
        END IF;
        IF n_seq <> f_seq OR n_pos <> f_pos OR n_reset <> f_reset THEN
          UPDATE user_feeds SET seq = n_seq, position = n_pos, reset_seq = n_reset
            WHERE user_id = p_user;
        END IF;
        RETURN n_seq;
      END
      $fn$;
    `,
  },
  {
    version: 9,
    name: 'offer time',
    // When an interaction was offered (ms epoch; set while invited_user_id is): every node's
    // periodic sweep withdraws offers older than WORKBINS_OFFER_TIMEOUT_SECONDS, also those whose
    // node stopped before its timer fired (docs/interactions.md "Offers").
    sql: `
      ALTER TABLE interactions ADD COLUMN invited_at BIGINT;
      CREATE INDEX interactions_by_invited_at ON interactions(invited_at)
        WHERE invited_at IS NOT NULL;
    `,
  },
  {
    version: 10,
    name: 'one round trip per subscription change and per feed read',
    // On PostgreSQL each statement is a round trip, and their count is most of a node's CPU per
    // REST call (docs/scaling.md "Measured"). These run what notification-log.ts and pg-store.ts
    // sent as separate statements: appending to the log (head update and insert), a
    // subscription change with its feed advance and log entries, and the pump's advance and
    // read. Each rule is the same as before; only where it runs changed.
    sql: `
      CREATE FUNCTION workbins_append_log(p_user_id TEXT[], p_workbin TEXT[], p_owner TEXT[],
        p_channel TEXT[], p_data TEXT[], p_owner_user TEXT[], p_owner_data TEXT[],
        p_exclude TEXT[], p_created BIGINT[]) RETURNS VOID
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      DECLARE
        cnt BIGINT := coalesce(array_length(p_channel, 1), 0);
        last BIGINT;
      BEGIN
        IF cnt = 0 THEN RETURN; END IF;
        -- The head row's lock, held until commit, appends in commit order.
        UPDATE notification_head SET id = id + cnt RETURNING id INTO last;
        INSERT INTO notification_log (id, user_id, workbin_id, owner, channel, data, owner_user,
            owner_data, exclude_user, created_at)
          SELECT last - cnt + e.n, e.u, e.w, e.o, e.c, e.d, e.ou, e.od, e.x, e.t
          FROM unnest(p_user_id, p_workbin, p_owner, p_channel, p_data, p_owner_user,
            p_owner_data, p_exclude, p_created) WITH ORDINALITY AS e(u, w, o, c, d, ou, od, x, t, n);
      END
      $fn$;

      -- Advance first: the subscriptions a feed is read through never change between two
      -- advances (store.ts). Idempotent adds, in the order given.
      CREATE FUNCTION workbins_add_subscriptions(p_user TEXT, p_workbin TEXT[], p_owner TEXT[],
        p_user_id TEXT[], p_l_workbin TEXT[], p_l_owner TEXT[], p_channel TEXT[], p_data TEXT[],
        p_owner_user TEXT[], p_owner_data TEXT[], p_exclude TEXT[], p_created BIGINT[])
        RETURNS VOID
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      BEGIN
        PERFORM workbins_advance_feed(p_user, ${Number.MAX_SAFE_INTEGER});
        INSERT INTO subscriptions (user_id, workbin_id, owner)
          SELECT p_user, w, o FROM unnest(p_workbin, p_owner) WITH ORDINALITY AS t(w, o, n)
          ORDER BY n ON CONFLICT DO NOTHING;
        PERFORM workbins_append_log(p_user_id, p_l_workbin, p_l_owner, p_channel, p_data,
          p_owner_user, p_owner_data, p_exclude, p_created);
      END
      $fn$;

      -- Advance, then remove; per instance in order, whether it existed. The log entries depend
      -- on that answer: entry i is appended when p_when[i] is NULL or equals the answer for the
      -- first instance (the caller passes the entries of both answers for a single instance).
      CREATE FUNCTION workbins_remove_subscriptions(p_user TEXT, p_workbin TEXT[], p_owner TEXT[],
        p_when BOOLEAN[], p_user_id TEXT[], p_l_workbin TEXT[], p_l_owner TEXT[],
        p_channel TEXT[], p_data TEXT[], p_owner_user TEXT[], p_owner_data TEXT[],
        p_exclude TEXT[], p_created BIGINT[]) RETURNS BOOLEAN[]
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      DECLARE
        out BOOLEAN[] := '{}';
        i INT;
        n INT;
        a_u TEXT[]; a_w TEXT[]; a_o TEXT[]; a_c TEXT[]; a_d TEXT[]; a_ou TEXT[]; a_od TEXT[];
        a_x TEXT[]; a_t BIGINT[];
      BEGIN
        PERFORM workbins_advance_feed(p_user, ${Number.MAX_SAFE_INTEGER});
        FOR i IN 1 .. coalesce(array_length(p_workbin, 1), 0) LOOP
          DELETE FROM subscriptions
            WHERE user_id = p_user AND workbin_id = p_workbin[i] AND owner = p_owner[i];
          GET DIAGNOSTICS n = ROW_COUNT;
          out := out || (n > 0);
        END LOOP;
        IF coalesce(array_length(p_channel, 1), 0) > 0 THEN
          SELECT array_agg(u ORDER BY k), array_agg(w ORDER BY k), array_agg(o ORDER BY k),
              array_agg(c ORDER BY k), array_agg(d ORDER BY k), array_agg(ou ORDER BY k),
              array_agg(od ORDER BY k), array_agg(x ORDER BY k), array_agg(t ORDER BY k)
            INTO a_u, a_w, a_o, a_c, a_d, a_ou, a_od, a_x, a_t
            FROM unnest(p_when, p_user_id, p_l_workbin, p_l_owner, p_channel, p_data,
              p_owner_user, p_owner_data, p_exclude, p_created)
              WITH ORDINALITY AS e(wh, u, w, o, c, d, ou, od, x, t, k)
            WHERE wh IS NULL OR wh = out[1];
          PERFORM workbins_append_log(a_u, a_w, a_o, a_c, a_d, a_ou, a_od, a_x, a_t);
        END IF;
        RETURN out;
      END
      $fn$;

      -- The pump's advance and read of one feed. The read is its own statement inside, so it
      -- sees the advance.
      CREATE FUNCTION workbins_advance_and_read(p_user TEXT, p_after BIGINT, p_limit BIGINT)
        RETURNS TABLE (feed_seq BIGINT, reset_seq BIGINT, seq BIGINT, channel TEXT, data TEXT)
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      #variable_conflict use_column
      BEGIN
        PERFORM workbins_advance_feed(p_user, p_limit);
        RETURN QUERY
          SELECT f.seq, f.reset_seq, m.seq, m.channel, m.data
          FROM user_feeds f LEFT JOIN LATERAL (
            SELECT um.seq, l.channel,
              CASE WHEN l.owner_user = um.user_id THEN l.owner_data ELSE l.data END AS data
            FROM user_messages um JOIN notification_log l ON l.id = um.log_id
            WHERE um.user_id = f.user_id AND um.seq > p_after ORDER BY um.seq LIMIT p_limit
          ) m ON true
          WHERE f.user_id = p_user ORDER BY m.seq;
      END
      $fn$;
    `,
  },
  {
    version: 11,
    name: 'completion time',
    // When an interaction was completed (ms epoch; set while it is nowhere): the retention sweep
    // deletes those older than WORKBINS_COMPLETED_RETENTION_SECONDS (docs/interactions.md
    // "Completed interactions"). Those completed before this version count from now.
    sql: `
      ALTER TABLE interactions ADD COLUMN completed_at BIGINT;
      UPDATE interactions SET completed_at = (extract(epoch FROM now()) * 1000)::bigint
        WHERE owner_user_id IS NULL AND workbin_id IS NULL AND invited_user_id IS NULL
          AND queue_name IS NULL;
      CREATE INDEX interactions_by_completed_at ON interactions(completed_at)
        WHERE completed_at IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: 'CometD session takes',
    // Every restore of a stored session on a node of a cluster draws a number (docs/cluster.md
    // "Two nodes taking one session"): the higher number keeps the session when two nodes take
    // it at once. A sequence, not a column: the restore stays a read (no row is written).
    sql: `CREATE SEQUENCE cometd_session_takes;`,
  },
  {
    version: 13,
    name: 'transfer invitations',
    // A Transfer to an agent invites them (GWS Open Media API → Transfer); refused or withdrawn,
    // the interaction returns to the agent who transferred it (invited_by_user_id), as an Offer
    // returns to its queue (queue_name): an invitation has exactly one of the two.
    sql: `
      ALTER TABLE interactions
        ADD COLUMN invited_by_user_id TEXT REFERENCES users(id),
        DROP CONSTRAINT interactions_one_location,
        DROP CONSTRAINT interactions_invited_from_queue,
        ADD CONSTRAINT interactions_one_location CHECK (
          (owner_user_id IS NOT NULL)::int + (workbin_id IS NOT NULL)::int
          + (queue_name IS NOT NULL)::int + (invited_by_user_id IS NOT NULL)::int <= 1),
        ADD CONSTRAINT interactions_invitation_returns CHECK (
          invited_user_id IS NULL OR queue_name IS NOT NULL OR invited_by_user_id IS NOT NULL),
        ADD CONSTRAINT interactions_invited_by_with_invitee CHECK (
          invited_by_user_id IS NULL OR invited_user_id IS NOT NULL);
    `,
  },
]

/** Session-level advisory lock key serializing migrations of several processes on one database. */
const MIGRATION_LOCK = 0x776b6231 // "wkb1"

/**
 * Apply every migration not yet recorded, each in its own transaction (PostgreSQL DDL is
 * transactional: a failing step leaves nothing behind). Safe on every start and from several
 * processes at once: they take turns on an advisory lock.
 */
export async function runMigrations(
  client: PoolClient,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`)
    const { rows } = await client.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM schema_migrations',
    )
    const newest = rows[0]?.v ?? null
    const known = Math.max(0, ...migrations.map((m) => m.version))
    if (newest !== null && newest > known) {
      // A newer server has upgraded this database; running older code on it could corrupt data.
      throw new Error(
        `database schema version ${newest} is newer than this server knows (${known}); upgrade the server`,
      )
    }
    const applied: number[] = []
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        m.version,
      ])
      if (done.rowCount !== 0) continue
      await client.query('BEGIN')
      try {
        await client.query(m.sql)
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw err
      }
      applied.push(m.version)
    }
    return applied
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined)
  }
}
