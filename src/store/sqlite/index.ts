// The SQLite adapter of the Store port.

export {
  createSqliteStore,
  isSqliteFile,
  type SqliteOptions,
  type SqliteStore,
} from './sqlite-store.ts'
export { MIGRATIONS, runMigrations, type Migration } from './migrations.ts'
export { backupSqlite, BackupError, type BackupResult } from './backup.ts'
