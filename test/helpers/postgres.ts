// PostgreSQL for tests: a throw-away database per test file (CREATE DATABASE wb_test_<random>,
// dropped WITH (FORCE) at the end) and a fresh schema per store inside it. The server comes
// from WORKBINS_TEST_PG_URL (default: the local postgres user over TCP, trust auth).
// Unreachable: with CI=true the test file fails; otherwise its PostgreSQL tests skip.

import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const PG_ADMIN_URL =
  process.env.WORKBINS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/**
 * undefined when PostgreSQL answers; otherwise the reason to skip. Throws instead when
 * CI=true, so that CI never passes by skipping.
 */
export async function postgresSkipReason(): Promise<string | undefined> {
  // A refused connection fails at once; the long timeout only serves a loaded machine.
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 15_000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (err) {
    const why = `PostgreSQL at ${PG_ADMIN_URL} is not reachable (${(err as Error).message})`
    if (process.env.CI === 'true') throw new Error(`${why}; CI needs it`, { cause: err })
    process.stderr.write(`# skipping PostgreSQL tests: ${why}\n`)
    return why
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** URL of `database` on the admin URL's server. */
function withDatabase(database: string, schema?: string): string {
  const u = new URL(PG_ADMIN_URL)
  u.pathname = `/${database}`
  if (schema !== undefined) u.searchParams.set('options', `-c search_path=${schema}`)
  return u.toString()
}

/** Run `fn` on a connection of the admin URL (ALTER DATABASE and the like). */
export const withAdmin = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> =>
  admin(PG_ADMIN_URL, fn)

export interface TestDatabase {
  /** The database's name. */
  name: string
  /** URL of the whole database (schema `public`). */
  url: string
  /** A URL whose connections use a new, empty schema of this database. */
  freshSchemaUrl(): Promise<string>
  drop(): Promise<void>
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `wb_test_${randomBytes(6).toString('hex')}`
  await admin(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`))
  const url = withDatabase(name)
  let n = 0
  return {
    name,
    url,
    async freshSchemaUrl() {
      const schema = `s${++n}`
      await admin(url, (c) => c.query(`CREATE SCHEMA ${schema}`))
      return withDatabase(name, schema)
    },
    async drop() {
      await admin(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    },
  }
}
