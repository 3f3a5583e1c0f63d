// Maps PostgreSQL failures to the GwsError catalogue by SQLSTATE (node-postgres exposes it as
// `err.code`), and connection failures to StoreUnavailableError (HTTP 503).

import { GwsError, StatusCode } from '../../errors.ts'
import { StoreUnavailableError } from '../store-errors.ts'

function codeOf(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code
  return undefined
}

// Socket errors of the driver (node system errors) that mean "no database right now".
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

// node-postgres raises these without a code when a connection drops or cannot be had in time.
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
]

/** True when the error says the database cannot be reached (as opposed to a bad statement). */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err)
  if (code !== undefined) {
    if (NETWORK_CODES.has(code)) return true
    // Class 08 connection exception, 53 insufficient resources, 57P admin shutdown / crash,
    // 57014 statement timeout (the database is too busy to answer in time), and the two
    // transaction-rollback codes a retry can cure: 40001 serialization failure, 40P01 deadlock.
    return (
      code.startsWith('08') ||
      code.startsWith('53') ||
      code.startsWith('57P') ||
      code === '57014' ||
      code === '40001' ||
      code === '40P01'
    )
  }
  return err instanceof Error && DRIVER_MESSAGES.some((m) => err.message.startsWith(m))
}

/** 53100 disk_full, 25006 read_only_sql_transaction (a standby, or a read-only default). */
export function isStorageWriteError(err: unknown): boolean {
  const code = codeOf(err)
  return code === '53100' || code === '25006'
}

/** Turn a driver error into a GwsError where it has a meaning for callers; rethrow others as they are. */
export function mapPgError(err: unknown, what: string): unknown {
  if (err instanceof GwsError) return err
  if (isConnectionError(err) || isStorageWriteError(err)) {
    return new StoreUnavailableError(err instanceof Error ? err.message : String(err))
  }
  switch (codeOf(err)) {
    case '23505': // unique_violation
      return new GwsError(StatusCode.ALREADY_EXISTS, `${what}: already exists`)
    case '23503': // foreign_key_violation
      return new GwsError(StatusCode.INVALID_PARAMETER, `${what}: refers to an unknown object`)
    case '23514': // check_violation
    case '23502': // not_null_violation
      return new GwsError(StatusCode.INVALID_PARAMETER, `${what}: invalid value`)
    default:
      return err
  }
}
