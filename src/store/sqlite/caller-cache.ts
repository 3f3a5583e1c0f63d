// The caller read of every REST request (a session joined with its user, contact center and
// place facts, SESSION_CALLER_SQL) kept in memory per session id, so that a desktop's requests
// cost no query while nothing they depend on changes (docs/operations.md, "What the SQLite
// store keeps in memory").
//
// The cache answers exactly what the query would: TEMP triggers on the four tables the query
// reads tell it of every change this connection makes, whatever statement makes it (foreign-key
// cascades and the schema's own triggers included; https://sqlite.org/lang_createtrigger.html),
// and `PRAGMA data_version` tells it another connection committed
// (https://sqlite.org/pragma.html#pragma_data_version), asked once per event-loop turn: the
// reads of one turn answer as of its first. A session's touch updates the kept row; any other
// change to a session drops it; any change to users, contact centers or place occupants drops
// everything (they change far less often than requests arrive). A drop by a statement later
// rolled back only costs a read. Nothing read inside a transaction is kept, nor a miss.

import type Database from 'better-sqlite3'
import type { SessionCallerRow } from './rows.ts'

/** Sessions kept (past this, all are forgotten at once and the cache fills again). */
export const KNOWN_CALLERS = 100_000

/** Told of a change: a session's touch (`seenAt` set), a session's other change, or any. */
type Watcher = (sessionId: string | null, seenAt?: number) => void

/** Per connection, the caches told when a row the caller read depends on changes. */
const watchers = new WeakMap<Database.Database, Set<Watcher>>()

function watchCallers(db: Database.Database, changed: Watcher): void {
  let all = watchers.get(db)
  if (!all) {
    const set = new Set<Watcher>()
    all = set
    watchers.set(db, set)
    db.function('workbins_callers_changed', { deterministic: false }, (id: unknown) => {
      for (const w of set) w(id === null ? null : String(id))
      return null
    })
    db.function('workbins_callers_touched', { deterministic: false }, (id, at) => {
      for (const w of set) w(String(id), Number(at))
      return null
    })
    const everything = (table: string) => `
      CREATE TEMP TRIGGER IF NOT EXISTS workbins_callers_${table}_i AFTER INSERT ON main.${table}
        BEGIN SELECT workbins_callers_changed(NULL); END;
      CREATE TEMP TRIGGER IF NOT EXISTS workbins_callers_${table}_u AFTER UPDATE ON main.${table}
        BEGIN SELECT workbins_callers_changed(NULL); END;
      CREATE TEMP TRIGGER IF NOT EXISTS workbins_callers_${table}_d AFTER DELETE ON main.${table}
        BEGIN SELECT workbins_callers_changed(NULL); END;`
    db.exec(`
      CREATE TEMP TRIGGER IF NOT EXISTS workbins_callers_session_t AFTER UPDATE ON main.http_sessions
        WHEN OLD.id = NEW.id AND OLD.user_id = NEW.user_id AND OLD.csrf_token = NEW.csrf_token
          AND OLD.created_at = NEW.created_at
        BEGIN SELECT workbins_callers_touched(NEW.id, NEW.last_seen_at); END;
      CREATE TEMP TRIGGER IF NOT EXISTS workbins_callers_session_u AFTER UPDATE ON main.http_sessions
        WHEN NOT (OLD.id = NEW.id AND OLD.user_id = NEW.user_id AND OLD.csrf_token = NEW.csrf_token
          AND OLD.created_at = NEW.created_at)
        BEGIN SELECT workbins_callers_changed(OLD.id), workbins_callers_changed(NEW.id); END;
      CREATE TEMP TRIGGER IF NOT EXISTS workbins_callers_session_d AFTER DELETE ON main.http_sessions
        BEGIN SELECT workbins_callers_changed(OLD.id); END;
      ${everything('users')}
      ${everything('contact_centers')}
      ${everything('place_occupants')}
    `)
  }
  all.add(changed)
}

export class CallerCache {
  readonly #rows = new Map<string, SessionCallerRow>()
  readonly #dataVersion: Database.Statement
  #seenVersion: unknown
  /** data_version was asked in this event-loop turn. */
  #asked = false
  readonly #turnEnded = () => {
    this.#asked = false
  }

  constructor(
    private readonly db: Database.Database,
    private readonly query: (id: string) => SessionCallerRow | undefined,
    private readonly max = KNOWN_CALLERS,
  ) {
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck()
    this.#seenVersion = this.#dataVersion.get()
    watchCallers(db, (id, seenAt) => {
      if (id === null) {
        this.#rows.clear()
        return
      }
      const row = this.#rows.get(id)
      // Kept rows are never changed in place: a reader may still hold the old one.
      if (row && seenAt !== undefined) this.#rows.set(id, { ...row, last_seen_at: seenAt })
      else this.#rows.delete(id)
    })
  }

  /** The caller row of session `id`, as SESSION_CALLER_SQL reads it now. */
  get(id: string): SessionCallerRow | undefined {
    if (!this.#asked) {
      // About 4-7 µs (it starts a read transaction): once per turn, not once per request.
      this.#asked = true
      setImmediate(this.#turnEnded)
      const version = this.#dataVersion.get()
      if (version !== this.#seenVersion) {
        this.#rows.clear()
        this.#seenVersion = version
      }
    }
    const known = this.#rows.get(id)
    if (known) return known
    const row = this.query(id)
    if (row && !this.db.inTransaction) {
      if (this.#rows.size >= this.max) this.#rows.clear()
      this.#rows.set(id, row)
    }
    return row
  }
}
