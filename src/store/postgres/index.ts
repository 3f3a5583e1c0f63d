// The PostgreSQL adapter of the Store port.

export { createPgStore, type PgStore, type PgStoreOptions } from './pg-store.ts'
export { MIGRATIONS, runMigrations, type Migration } from './migrations.ts'
