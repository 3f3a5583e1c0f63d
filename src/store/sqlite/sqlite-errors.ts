// Maps SQLite constraint failures to the GwsError catalogue by SQLite's extended error code
// (better-sqlite3 exposes it as `err.code`), never by message text.

import { GwsError, StatusCode } from '../../errors.ts'

export function sqliteCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code
  return undefined
}

/** Turn a driver error into a GwsError where it has a meaning for callers; rethrow others as they are. */
export function mapSqliteError(err: unknown, what: string): unknown {
  if (err instanceof GwsError) return err
  switch (sqliteCode(err)) {
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
    case 'SQLITE_CONSTRAINT_UNIQUE':
      return new GwsError(StatusCode.ALREADY_EXISTS, `${what}: already exists`)
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return new GwsError(StatusCode.INVALID_PARAMETER, `${what}: refers to an unknown object`)
    case 'SQLITE_CONSTRAINT_CHECK':
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return new GwsError(StatusCode.INVALID_PARAMETER, `${what}: invalid value`)
    default:
      return err
  }
}
