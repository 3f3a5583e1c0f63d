// Online backup of a SQLite database (`workbins backup`), safe while the server runs and writes.
// SQLite's backup API copies every page in one step, that is inside one read transaction: in
// WAL mode readers do not block the writer, and the copy is one consistent snapshot.

import { existsSync, renameSync, rmSync } from 'node:fs'
import Database from 'better-sqlite3'

export class BackupError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BackupError'
  }
}

export interface BackupResult {
  /** Newest migration applied in the copy (0 when none). */
  schemaVersion: number
  /** Size of the copy, in database pages. */
  pages: number
}

/** All pages in one step: a step that stops part-way would restart when the server writes. */
const ALL_PAGES = 0x7fffffff

/**
 * Copy the database at `source` to the new file `target` (never overwritten), check the copy's
 * integrity, and leave it as one self-contained file (rollback journal, no -wal beside it).
 */
export async function backupSqlite(source: string, target: string): Promise<BackupResult> {
  if (existsSync(target)) {
    throw new BackupError(`${target} already exists; a backup never overwrites a file`)
  }
  if (!existsSync(source)) throw new BackupError(`no database at ${source}`)
  const partial = `${target}.partial-${process.pid}`
  try {
    const db = new Database(source, { fileMustExist: true })
    try {
      db.pragma('busy_timeout = 5000')
      const known = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
        .get()
      if (known === undefined) throw new BackupError(`${source} is not a workbins database`)
      await db.backup(partial, { progress: () => ALL_PAGES })
    } finally {
      db.close()
    }
    const copy = new Database(partial, { fileMustExist: true })
    try {
      const check = copy.pragma('integrity_check', { simple: true })
      if (check !== 'ok') throw new BackupError(`the copy failed its integrity check: ${check}`)
      copy.pragma('journal_mode = DELETE')
      const version = copy.prepare('SELECT max(version) FROM schema_migrations').pluck().get()
      const pages = copy.pragma('page_count', { simple: true })
      const result = { schemaVersion: Number(version ?? 0), pages: Number(pages) }
      copy.close()
      renameSync(partial, target)
      return result
    } finally {
      if (copy.open) copy.close()
    }
  } catch (err) {
    if (err instanceof BackupError) throw err
    throw new BackupError(`backup of ${source} failed: ${(err as Error).message}`)
  } finally {
    rmSync(partial, { force: true })
    rmSync(`${partial}-wal`, { force: true })
    rmSync(`${partial}-shm`, { force: true })
  }
}
