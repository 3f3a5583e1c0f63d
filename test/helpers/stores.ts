// The stores an end-to-end test file runs on: SQLite always, PostgreSQL too (a throw-away
// database for the file, a fresh schema per server). Call `e2eStores()` at the top level of
// the file: it registers the database's drop there. PostgreSQL unreachable: the file fails
// with CI=true, otherwise its PostgreSQL runs are skipped (test/helpers/postgres.ts).

import { after } from 'node:test'
import { createTestDatabase, postgresSkipReason } from './postgres.ts'

export interface E2eStore {
  name: 'sqlite' | 'postgresql'
  /** Skip reason, when this store cannot run here. */
  skip?: string
  /** The WORKBINS_DB of a new, empty store (undefined: the server helper's temp SQLite file). */
  db(): Promise<string | undefined>
}

export async function e2eStores(): Promise<E2eStore[]> {
  const sqlite: E2eStore = { name: 'sqlite', db: async () => undefined }
  const skip = await postgresSkipReason()
  if (skip) return [sqlite, { name: 'postgresql', skip, db: async () => undefined }]
  const database = await createTestDatabase()
  after(() => database.drop())
  return [sqlite, { name: 'postgresql', db: () => database.freshSchemaUrl() }]
}
