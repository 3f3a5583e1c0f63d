// A stable order for every row of a SQLite table: its rowid, or its primary key for a
// WITHOUT ROWID table (which has no rowid: https://sqlite.org/withoutrowid.html).

import type Database from 'better-sqlite3'

export function rowOrder(db: Database.Database, table: string): string {
  const pk = (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string; pk: number }[])
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => `"${c.name}"`)
  const sql = db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(table)
  const withoutRowid = typeof sql === 'string' && /WITHOUT\s+ROWID/i.test(sql)
  return withoutRowid ? pk.join(', ') : 'rowid'
}
