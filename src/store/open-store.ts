// Picks the store adapter from the WORKBINS_DB value: a postgres:// or postgresql:// URL opens
// PostgreSQL (docs/postgresql.md), anything else is a SQLite file path.

import { isPostgresUrl, type Config } from '../config.ts'
import { createPgStore } from './postgres/index.ts'
import { createSqliteStore } from './sqlite/index.ts'
import type { Store } from './store.ts'
import { DEFAULT_USER_DATA_LIMIT, type UserDataLimit } from './user-data-limit.ts'

export type StoreSettings = Pick<Config, 'db' | 'pgPoolSize' | 'pgStatementTimeoutMs'> &
  Partial<
    Pick<
      Config,
      | 'sqliteSynchronous'
      | 'sqliteGroupCommitMax'
      | 'sqliteCheckpointMs'
      | 'referenceIdBlock'
      | 'userDataMaxBytes'
      | 'userDataMaxKeys'
    >
  >

/** Told when SQLite's checkpoint thread fails (`threadLost`: it stopped for good). */
export type CheckpointErrorHandler = (err: Error, threadLost: boolean) => void

export function openStore(
  settings: StoreSettings,
  onCheckpointError?: CheckpointErrorHandler,
): Store {
  const userDataLimit: UserDataLimit = {
    maxBytes: settings.userDataMaxBytes ?? DEFAULT_USER_DATA_LIMIT.maxBytes,
    maxKeys: settings.userDataMaxKeys ?? DEFAULT_USER_DATA_LIMIT.maxKeys,
  }
  if (isPostgresUrl(settings.db)) {
    return createPgStore(settings.db, {
      poolSize: settings.pgPoolSize,
      statementTimeoutMs: settings.pgStatementTimeoutMs,
      referenceIdBlock: settings.referenceIdBlock,
      userDataLimit,
    })
  }
  return createSqliteStore(settings.db, {
    synchronous: settings.sqliteSynchronous === 'normal' ? 'normal' : 'full',
    groupCommitMax: settings.sqliteGroupCommitMax,
    referenceIdBlock: settings.referenceIdBlock,
    checkpointMs: settings.sqliteCheckpointMs,
    onCheckpointError,
    userDataLimit,
  })
}
