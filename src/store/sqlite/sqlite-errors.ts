// Maps SQLite constraint failures to the GwsError catalogue by SQLite's extended error code
// (better-sqlite3 exposes it as `err.code`), never by message text, and a disk that refuses
// writes to StoreUnavailableError (HTTP 503).

import { GwsError, StatusCode } from '../../errors.ts'
import { StoreUnavailableError } from '../store-errors.ts'

export function sqliteCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code
  return undefined
}

/**
 * The disk refuses writes: full, read-only (file, folder or mount), or failing. Not the request's
 * fault, and other nodes may still write: 503, and /ready fails until a write succeeds again.
 */
export function isStorageWriteError(err: unknown): boolean {
  const code = sqliteCode(err)
  if (code === undefined) return false
  return (
    code === 'SQLITE_FULL' || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR')
  )
}

/** Turn a driver error into a GwsError where it has a meaning for callers; rethrow others as they are. */
export function mapSqliteError(err: unknown, what: string): unknown {
  if (err instanceof GwsError) return err
  if (isStorageWriteError(err)) {
    return new StoreUnavailableError(`${what}: ${sqliteCode(err)}: ${(err as Error).message}`)
  }
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
