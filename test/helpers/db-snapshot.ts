// The data a request may change, read straight from the server's SQLite file: every table but
// the HTTP sessions (a successful Basic login creates one even when the request then fails)
// and the migration log. Equal snapshots before and after a request = nothing changed.

import Database from 'better-sqlite3'
import { rowOrder } from './table-order.ts'

const SKIP = new Set(['http_sessions', 'schema_migrations'])

export class DbSnapshot {
  readonly #db: Database.Database
  readonly #tables: string[]

  constructor(dbPath: string) {
    this.#db = new Database(dbPath, { readonly: true, fileMustExist: true })
    this.#tables = (
      this.#db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all() as { name: string }[]
    )
      .map((r) => r.name)
      .filter((n) => !SKIP.has(n) && !n.startsWith('sqlite_'))
  }

  /** Every row of every table, in a stable order, as one string. */
  take(): string {
    const out: string[] = []
    for (const t of this.#tables) {
      const rows = this.#db
        .prepare(`SELECT * FROM "${t}" ORDER BY ${rowOrder(this.#db, t)}`)
        .raw()
        .all()
      out.push(`${t}:${JSON.stringify(rows)}`)
    }
    return out.join('\n')
  }

  close(): void {
    this.#db.close()
  }
}
