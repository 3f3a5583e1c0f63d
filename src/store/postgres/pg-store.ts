// The PostgreSQL adapter of the Store port (src/store/store.ts), on a node-postgres Pool.
// Each method is one statement or one transaction on one pooled connection, so the domain
// never holds a transaction across its own awaits. Compare-and-set moves lock the row
// (SELECT ... FOR UPDATE, READ COMMITTED) and update only WHERE the location is the expected
// one: of two concurrent pulls, the second waits, then finds the location changed.

import pg from 'pg'
import type { PoolClient, QueryResultRow } from 'pg'
import { errors } from '../../errors.ts'
import type {
  AgentStateName,
  ChannelState,
  ContactCenter,
  Directory,
  HttpSession,
  SessionCaller,
  Interaction,
  InteractionLocation,
  MediaType,
  Subscription,
  User,
  UserData,
  UserDataChange,
  WorkbinInstance,
} from '../../model.ts'
import {
  checkUserDataLimit,
  DEFAULT_USER_DATA_LIMIT,
  limitedUserDataChange,
  NEW_INTERACTION,
  type UserDataLimit,
} from '../user-data-limit.ts'
import type {
  AgentGroupRow,
  ChannelRow,
  ContactCenterRow,
  InteractionRow,
  PlaceRow,
  SessionRow,
  SessionCallerRow,
  UserRow,
  WorkbinRow,
  QueueRow,
} from '../sqlite/rows.ts'
import {
  fromInteraction,
  locationColumns,
  toChannelState,
  toAgentGroup,
  toContactCenter,
  toInteraction,
  toPlace,
  toSession,
  toSessionCaller,
  toUser,
  toWorkbin,
  toQueue,
} from '../sqlite/rows.ts'
import { positionOf } from '../content-page.ts'
import type {
  ContentPage,
  ContentPageQuery,
  HandledLimit,
  MoveResult,
  OccupyResult,
  ProvisionPlan,
  ProvisionResult,
  Store,
  WorkbinUse,
} from '../store.ts'
import { redactDbUrl, StoreOpenError, StoreUnavailableError } from '../store-errors.ts'
import { applyPlan, interactionParams } from './apply-plan.ts'
import { pageQuery, type PageRow } from './content-page.ts'
import { runMigrations } from './migrations.ts'
import { isConnectionError, isStorageWriteError, mapPgError } from './pg-errors.ts'
import { SQL } from './statements.ts'
import {
  advanceAndRead,
  advanceFeed,
  appendLog,
  logColumns,
  readFeed,
  sweepLog,
  type Queryable,
} from './notification-log.ts'
import { ReferenceIdBlocks } from '../reference-id-blocks.ts'
import type { FeedRead, LogEntry, LogFor, StoredCometdSession } from '../notification-log.ts'

/** Advance without a bound (inside a subscription change). */
const ALL = Number.MAX_SAFE_INTEGER

export interface PgStoreOptions {
  /** Most connections the pool opens. */
  poolSize: number
  /** Per-statement limit, ms; also the limit for getting a connection. */
  statementTimeoutMs: number
  /** Reference ids reserved per write (ReferenceIdBlocks); default 1. */
  referenceIdBlock?: number
  /** The most userData an interaction may be given (default DEFAULT_USER_DATA_LIMIT). */
  userDataLimit?: UserDataLimit
}

export interface PgStore extends Store {
  /** The underlying pool (tests and maintenance only). */
  readonly pool: pg.Pool
  claimCometdSession: NonNullable<Store['claimCometdSession']>
  markCometdSessionExpired: NonNullable<Store['markCometdSessionExpired']>
  takeCometdSession: NonNullable<Store['takeCometdSession']>
}

const INT8_OID = 20
// BIGINT columns hold ms epochs and counters, all below 2^53: read them as numbers.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
}

/** Advisory lock key serializing provisioning of several processes on one database. */
const PROVISION_LOCK = 0x776b6232

/** Rounds of occupyPlace before giving up on a place that keeps changing hands. */
const OCCUPY_ATTEMPTS = 5

export function createPgStore(url: string, opts: PgStoreOptions): PgStore {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.statementTimeoutMs,
    statement_timeout: opts.statementTimeoutMs,
    idle_in_transaction_session_timeout: opts.statementTimeoutMs * 2,
    application_name: 'workbins',
    types,
  })
  // An idle connection that breaks (database restarted) is dropped by the pool; without a
  // listener the 'error' event would end the process. The next query opens a new connection.
  pool.on('error', () => undefined)
  return new PgStoreImpl(
    pool,
    url,
    opts.referenceIdBlock ?? 1,
    opts.userDataLimit ?? DEFAULT_USER_DATA_LIMIT,
  )
}

/**
 * In a transaction, after the change: the user's row locked (their concurrent changes wait for
 * this one to end, then count it), then counted; throws the refusal (rolling back) when over.
 */
async function checkHandled(
  c: PoolClient,
  contactCenterId: string,
  limit: HandledLimit | undefined,
): Promise<void> {
  if (!limit) return
  await c.query(SQL.lockUserForSessions, [limit.userId])
  const { rows } = await c.query<{ count: number }>(SQL.countHandled, [
    contactCenterId,
    limit.userId,
  ])
  const held = rows[0]?.count ?? 0
  if (held > limit.max) throw limit.refusal(held)
}

class PgStoreImpl implements PgStore {
  readonly #refs: ReferenceIdBlocks
  /** The database refused a write (disk full, read-only); cleared by ping()'s write. */
  #unwritable = false
  #storageFailures = 0

  constructor(
    readonly pool: pg.Pool,
    private readonly url: string,
    referenceIdBlock: number,
    private readonly userDataLimit: UserDataLimit,
  ) {
    this.#refs = new ReferenceIdBlocks((u, n) => this.#reserveIds(u, n), referenceIdBlock)
  }

  private mapError(err: unknown, what: string): unknown {
    if (isStorageWriteError(err)) {
      this.#unwritable = true
      this.#storageFailures++
    }
    return mapPgError(err, what)
  }

  private async rows<T extends QueryResultRow>(
    what: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    try {
      return (await this.pool.query<T>(sql, params)).rows
    } catch (err) {
      throw this.mapError(err, what)
    }
  }

  private async first<T extends QueryResultRow>(
    what: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<T | undefined> {
    return (await this.rows<T>(what, sql, params))[0]
  }

  private async count(what: string, sql: string, params: unknown[]): Promise<number> {
    try {
      return (await this.pool.query(sql, params)).rowCount ?? 0
    } catch (err) {
      throw this.mapError(err, what)
    }
  }

  /** One READ COMMITTED transaction on one connection; a broken connection is discarded. */
  private async tx<T>(what: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient
    try {
      client = await this.pool.connect()
    } catch (err) {
      throw this.mapError(err, what)
    }
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const out = await fn(client)
      await client.query('COMMIT')
      return out
    } catch (err) {
      if (isConnectionError(err)) broken = err as Error
      else await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error))
      throw this.mapError(err, what)
    } finally {
      client.release(broken)
    }
  }

  async migrate(): Promise<void> {
    let client: PoolClient
    try {
      client = await this.pool.connect()
    } catch (err) {
      // At start, a database that cannot be reached is one clear line, not a stack trace.
      const why = err instanceof Error ? err.message : String(err)
      throw new StoreOpenError(
        `WORKBINS_DB=${redactDbUrl(this.url)}: cannot connect to PostgreSQL: ${why}`,
      )
    }
    try {
      await runMigrations(client)
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      throw new StoreOpenError(`WORKBINS_DB=${redactDbUrl(this.url)}: PostgreSQL: ${why}`)
    } finally {
      client.release()
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end()
  }

  async ping(): Promise<void> {
    // Bounded by the pool's connection timeout and statement_timeout. A real table.
    await this.rows('ping', 'SELECT count(*) FROM schema_migrations')
    // After a refused write, ready again once a write is stored: an UPDATE writes a new row
    // version (and WAL) even to the same value. Only in that state.
    if (this.#unwritable) {
      const failures = this.#storageFailures
      await this.rows(
        'readiness probe',
        'UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT max(version) FROM schema_migrations)',
      )
      if (this.#storageFailures === failures) this.#unwritable = false
    }
  }

  // --- provisioning -----------------------------------------------------------------------

  async isEmpty(): Promise<boolean> {
    return (await this.first('contact centers', SQL.anyContactCenter)) === undefined
  }

  async applyProvisioning(plan: ProvisionPlan): Promise<ProvisionResult> {
    // All-or-nothing: one transaction for the whole plan; concurrent provisioners take turns.
    return this.tx('provisioning', async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [PROVISION_LOCK])
      return applyPlan(c, plan, this.userDataLimit)
    })
  }

  async workbinInUse(contactCenterId: string, workbinId: string): Promise<WorkbinUse> {
    const params = [contactCenterId, workbinId]
    return (await this.first<WorkbinUse>('workbin', SQL.workbinInUse, params))!
  }

  // --- directory --------------------------------------------------------------------------

  async listContactCenters(): Promise<ContactCenter[]> {
    const rows = await this.rows<ContactCenterRow>('contact centers', SQL.allContactCenters)
    return rows.map(toContactCenter)
  }

  async getUserByName(userName: string): Promise<User | undefined> {
    const row = await this.first<UserRow>('user', SQL.userByName, [userName])
    return row && toUser(row)
  }

  async getUser(id: string): Promise<User | undefined> {
    const row = await this.first<UserRow>('user', SQL.user, [id])
    return row && toUser(row)
  }

  async getContactCenter(id: string): Promise<ContactCenter | undefined> {
    const row = await this.first<ContactCenterRow>('contact center', SQL.contactCenter, [id])
    return row && toContactCenter(row)
  }

  async getDirectoryVersion(contactCenterId: string): Promise<number | undefined> {
    const row = await this.first<{ version: number }>('contact center', SQL.directoryVersion, [
      contactCenterId,
    ])
    return row?.version
  }

  async getDirectory(contactCenterId: string): Promise<Directory | undefined> {
    // REPEATABLE READ: one snapshot for all six reads.
    return this.tx('directory', async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const all = async <T extends QueryResultRow>(sql: string) =>
        (await c.query<T>(sql, [contactCenterId])).rows
      const cc = (await all<ContactCenterRow>(SQL.contactCenter))[0]
      if (!cc) return undefined
      return {
        contactCenter: toContactCenter(cc),
        version: cc.version,
        users: (await all<UserRow>(SQL.usersOf)).map(toUser),
        places: (await all<PlaceRow>(SQL.placesOf)).map(toPlace),
        placeGroups: (await all<{ name: string }>(SQL.placeGroupsOf)).map((r) => ({
          contactCenterId: cc.id,
          name: r.name,
        })),
        agentGroups: (await all<AgentGroupRow>(SQL.agentGroupsOf)).map(toAgentGroup),
        workbins: (await all<WorkbinRow>(SQL.workbinsOf)).map(toWorkbin),
        queues: (await all<QueueRow>(SQL.queuesOf)).map(toQueue),
      }
    })
  }

  // --- per-user state ---------------------------------------------------------------------

  async getCurrentPlace(userId: string): Promise<string | null> {
    const row = await this.first<{ place: string }>('user', SQL.currentPlace, [userId])
    return row?.place ?? null
  }

  async getPlaceOccupant(contactCenterId: string, place: string): Promise<string | null> {
    const row = await this.first<{ user_id: string }>('place', SQL.placeOccupant, [
      contactCenterId,
      place,
    ])
    return row?.user_id ?? null
  }

  async occupyPlace(
    userId: string,
    contactCenterId: string,
    place: string,
    staleBefore: number,
  ): Promise<OccupyResult> {
    // Row locks on the occupancies involved; a free place has no row to lock, so the primary
    // key decides between two takers: the loser's INSERT ... ON CONFLICT DO NOTHING inserts
    // nothing once the winner commits, and it looks again (a new snapshot) after undoing its
    // own steps back to the savepoint.
    return this.tx(`place ${place}`, async (c) => {
      for (let attempt = 0; attempt < OCCUPY_ATTEMPTS; attempt++) {
        await c.query('SAVEPOINT occupy')
        const locked = (
          await c.query<{ contact_center_id: string; place: string; user_id: string }>(
            SQL.lockOccupancies,
            [contactCenterId, place, userId],
          )
        ).rows
        const here = locked.find(
          (r) => r.contact_center_id === contactCenterId && r.place === place,
        )
        if (here?.user_id === userId) return { ok: true, released: null }
        if (here) {
          const live = await c.query(SQL.liveSessionOf, [here.user_id, staleBefore])
          if (live.rowCount !== 0) return { ok: false, occupant: here.user_id }
          await c.query(SQL.releasePlaceAt, [contactCenterId, place, here.user_id])
        }
        const old = await c.query<{ place: string }>(SQL.releasePlaceOf, [userId])
        const inserted = await c.query(SQL.insertOccupant, [contactCenterId, place, userId])
        if (inserted.rowCount === 1) return { ok: true, released: old.rows[0]?.place ?? null }
        await c.query('ROLLBACK TO SAVEPOINT occupy')
      }
      // Only when the place keeps changing hands under us.
      throw new StoreUnavailableError(`place ${place}: too many concurrent changes`)
    })
  }

  async releasePlace(userId: string): Promise<string | null> {
    const row = await this.first<{ place: string }>(`user ${userId}`, SQL.releasePlaceOf, [userId])
    return row?.place ?? null
  }

  async nextReferenceIds(userId: string, count: number): Promise<number[]> {
    if (!Number.isInteger(count) || count < 0) throw errors.invalid(`invalid count ${count}`)
    if (count === 0) return []
    return this.#refs.take(userId, count)
  }

  async #reserveIds(userId: string, count: number): Promise<number> {
    const row = await this.first<{ last_reference_id: number }>(
      `user ${userId}`,
      SQL.reserveReferenceIds,
      [userId, count],
    )
    return row!.last_reference_id
  }

  // --- HTTP sessions ----------------------------------------------------------------------

  async createSession(session: HttpSession, maxPerUser = Infinity): Promise<number> {
    return this.tx(`session for user ${session.userId}`, async (c) => {
      const capped = Number.isFinite(maxPerUser)
      if (capped) await c.query(SQL.lockUserForSessions, [session.userId])
      await c.query(SQL.insertSession, [
        session.id,
        session.userId,
        session.csrfToken,
        session.createdAt,
        session.lastSeenAt,
      ])
      if (!capped) return 0
      return (await c.query(SQL.trimUserSessions, [session.userId, maxPerUser])).rowCount ?? 0
    })
  }

  async getSession(id: string): Promise<HttpSession | undefined> {
    const row = await this.first<SessionRow>('session', SQL.session, [id])
    return row && toSession(row)
  }

  async getSessionCaller(id: string): Promise<SessionCaller | undefined> {
    const row = await this.first<SessionCallerRow>('session', SQL.sessionCaller, [id])
    return row && toSessionCaller(row)
  }

  async touchSession(id: string, at: number): Promise<void> {
    await this.rows('session', SQL.touchSession, [id, at])
  }

  async deleteSession(id: string): Promise<void> {
    await this.rows('session', SQL.deleteSession, [id])
  }

  async deleteSessionsIdleSince(before: number): Promise<number> {
    return this.tx('sessions', async (c) => {
      const deleted = (await c.query(SQL.deleteIdleSessions, [before])).rowCount ?? 0
      // The trigger frees the places of users whose last session went; this also frees places
      // taken by users who had no session at all (e.g. it expired while they took the place).
      await c.query(SQL.releaseOrphanPlaces)
      return deleted
    })
  }

  async deleteSessionsOfUser(userId: string): Promise<number> {
    return this.count('sessions', SQL.deleteUserSessions, [userId])
  }

  // --- subscriptions (they belong to the user) --------------------------------------------

  async addSubscriptions(
    userId: string,
    instances: WorkbinInstance[],
    log?: LogEntry[],
  ): Promise<void> {
    // One statement, its own transaction: advance, add, append (workbins_add_subscriptions).
    await this.rows(`subscriptions of user ${userId}`, SQL.addSubscriptions, [
      userId,
      instances.map((i) => i.workbinId),
      instances.map((i) => i.owner),
      ...logColumns(log ?? [], Date.now()),
    ])
  }

  async removeSubscriptions(
    userId: string,
    instances: WorkbinInstance[],
    log?: LogFor<boolean[]>,
  ): Promise<boolean[]> {
    // The entries depend on the answer. For one instance there are two answers: both sets go
    // with the removal (each marked with its answer) and the function appends the right one, in
    // one statement. Otherwise the entries follow in the same transaction.
    const candidates: { when: boolean | null; entry: LogEntry }[] = []
    const together = !log || instances.length === 1
    if (log && together) {
      for (const when of [true, false]) {
        for (const entry of log([when])) candidates.push({ when, entry })
      }
    }
    const remove = async (c: Queryable) =>
      (
        await c.query<{ existed: boolean[] }>(SQL.removeSubscriptions, [
          userId,
          instances.map((i) => i.workbinId),
          instances.map((i) => i.owner),
          candidates.map((x) => x.when),
          ...logColumns(
            candidates.map((x) => x.entry),
            Date.now(),
          ),
        ])
      ).rows[0]!.existed
    const what = `subscriptions of user ${userId}`
    if (together) return this.#onPool(what, () => remove(this.pool))
    return this.tx(what, async (c) => {
      const out = await remove(c)
      await appendLog(c, log!(out), Date.now())
      return out
    })
  }

  async removeAllSubscriptions(userId: string): Promise<Subscription[]> {
    return this.tx(`subscriptions of user ${userId}`, async (c) => {
      await advanceFeed(c, userId, ALL)
      // Lock first so that the list returned is exactly what is deleted.
      await c.query(SQL.lockSubscriptionsOf, [userId])
      const subs = toSubscriptions(userId, (await c.query(SQL.subscriptionsOf, [userId])).rows)
      await c.query(SQL.deleteSubscriptionsOf, [userId])
      return subs
    })
  }

  async listSubscriptions(userId: string): Promise<Subscription[]> {
    return toSubscriptions(userId, await this.rows('subscriptions', SQL.subscriptionsOf, [userId]))
  }

  async listContactCenterSubscriptions(contactCenterId: string): Promise<Subscription[]> {
    const rows = await this.rows<{ user_id: string; workbin_id: string; owner: string }>(
      'subscriptions',
      SQL.subscriptionsOfContactCenter,
      [contactCenterId],
    )
    return rows.map((r) => ({
      userId: r.user_id,
      instance: { workbinId: r.workbin_id, owner: r.owner },
    }))
  }

  async listSubscribers(instance: WorkbinInstance): Promise<string[]> {
    const rows = await this.rows<{ user_id: string }>('subscriptions', SQL.subscribers, [
      instance.workbinId,
      instance.owner,
    ])
    return rows.map((r) => r.user_id)
  }

  // --- interactions -----------------------------------------------------------------------

  async createInteraction(interaction: Interaction, limit?: HandledLimit): Promise<void> {
    checkUserDataLimit(NEW_INTERACTION, interaction.userData, this.userDataLimit)
    const params = interactionParams(fromInteraction(interaction))
    // A duplicate id fails with unique_violation (23505) → ALREADY_EXISTS (18).
    if (!limit) {
      await this.rows(`interaction ${interaction.id}`, SQL.insertInteraction, params)
      return
    }
    await this.tx(`interaction ${interaction.id}`, async (c) => {
      await c.query(SQL.insertInteraction, params)
      await checkHandled(c, interaction.contactCenterId, limit)
    })
  }

  async getInteraction(contactCenterId: string, id: string): Promise<Interaction | undefined> {
    const row = await this.first<InteractionRow>('interaction', SQL.interaction, [
      contactCenterId,
      id,
    ])
    return row && toInteraction(row)
  }

  async listOwnedInteractions(
    contactCenterId: string,
    userId: string,
    mediaTypes?: MediaType[],
  ): Promise<Interaction[]> {
    const rows = await this.rows<InteractionRow>('interactions', SQL.ownedInteractions, [
      contactCenterId,
      userId,
    ])
    return filterMedia(rows, mediaTypes).map(toInteraction)
  }

  async countHandled(contactCenterId: string, userId: string): Promise<number> {
    const rows = await this.rows<{ count: number }>('interactions', SQL.countHandled, [
      contactCenterId,
      userId,
    ])
    return rows[0]?.count ?? 0
  }

  async listWorkbinContent(
    contactCenterId: string,
    instance: WorkbinInstance,
    mediaTypes?: MediaType[],
  ): Promise<Interaction[]> {
    const rows = await this.rows<InteractionRow>('interactions', SQL.workbinContent, [
      contactCenterId,
      instance.workbinId,
      instance.owner,
    ])
    return filterMedia(rows, mediaTypes).map(toInteraction)
  }

  async countWorkbinContent(
    contactCenterId: string,
    instances: WorkbinInstance[],
  ): Promise<number[]> {
    if (instances.length === 0) return []
    const rows = await this.rows<{ count: number }>('interactions', SQL.countWorkbinContent, [
      contactCenterId,
      instances.map((i) => i.workbinId),
      instances.map((i) => i.owner),
    ])
    return rows.map((r) => r.count)
  }

  async moveInteraction(
    contactCenterId: string,
    id: string,
    expected: InteractionLocation,
    next: InteractionLocation,
    patch: { state: string; capabilities: string[]; userData: UserDataChange },
    log?: LogFor<Interaction>,
    limit?: HandledLimit,
  ): Promise<MoveResult> {
    const from = locationColumns(expected)
    const to = locationColumns(next)
    return this.casUpdate(contactCenterId, id, patch.userData, log, limit, (userData) => [
      SQL.moveInteraction,
      [
        contactCenterId,
        id,
        from.owner_user_id,
        from.workbin_id,
        from.workbin_owner,
        to.owner_user_id,
        to.workbin_id,
        to.workbin_owner,
        patch.state,
        JSON.stringify(patch.capabilities),
        JSON.stringify(userData),
        from.invited_user_id,
        from.queue_name,
        to.invited_user_id,
        to.queue_name,
        Date.now(),
        from.invited_by_user_id,
        to.invited_by_user_id,
      ],
    ])
  }

  async deleteCompletedInteractions(before: number, max: number): Promise<number> {
    return this.count('completed interactions', SQL.deleteCompleted, [before, max])
  }

  async listExpiredInvitations(before: number, limit: number): Promise<Interaction[]> {
    const rows = await this.rows<InteractionRow>('interactions', SQL.expiredInvitations, [
      before,
      limit,
    ])
    return rows.map(toInteraction)
  }

  async updateUserData(
    contactCenterId: string,
    id: string,
    expected: InteractionLocation,
    change: UserDataChange,
    log?: LogFor<Interaction>,
  ): Promise<MoveResult> {
    const from = locationColumns(expected)
    return this.casUpdate(contactCenterId, id, change, log, undefined, (userData) => [
      SQL.updateUserData,
      [
        contactCenterId,
        id,
        from.owner_user_id,
        from.workbin_id,
        from.workbin_owner,
        JSON.stringify(userData),
        from.invited_user_id,
        from.queue_name,
        from.invited_by_user_id,
      ],
    ])
  }

  // --- media channels ---------------------------------------------------------------------

  async setChannels(userId: string, channels: readonly string[], at: number) {
    return this.tx(`user ${userId}`, async (c) => {
      // One writer per user: two concurrent StartContactCenterSession do not interleave.
      await c.query(SQL.lockUserForChannels, [userId])
      await c.query(SQL.deleteChannelsNotIn, [userId, channels])
      if (channels.length > 0) await c.query(SQL.upsertChannels, [userId, channels, at])
      return (await c.query<ChannelRow>(SQL.channelsOf, [userId])).rows.map(toChannelState)
    })
  }

  async listChannels(userId: string): Promise<ChannelState[]> {
    const rows = await this.rows<ChannelRow>(`user ${userId}`, SQL.channelsOf, [userId])
    return rows.map(toChannelState)
  }

  async setChannelState(
    userId: string,
    channel: string,
    state: AgentStateName,
    reasonCode: string | null,
    at: number,
  ): Promise<ChannelState | undefined> {
    const row = await this.first<ChannelRow>(`user ${userId}`, SQL.setChannelState, [
      userId,
      channel,
      state,
      reasonCode,
      at,
    ])
    return row && toChannelState(row)
  }

  async clearChannels(userId: string): Promise<number> {
    return this.count(`user ${userId}`, SQL.clearChannels, [userId])
  }

  /**
   * Lock the row, apply the userData change to the stored userData, and run the conditional
   * UPDATE built by `statement`; all in one transaction, so concurrent changes all land. A
   * change that would take the userData over its limit throws (400 / 10) and rolls back.
   */
  private async casUpdate(
    contactCenterId: string,
    id: string,
    change: UserDataChange,
    log: LogFor<Interaction> | undefined,
    limit: HandledLimit | undefined,
    statement: (userData: UserData) => [string, unknown[]],
  ): Promise<MoveResult> {
    return this.tx(`interaction ${id}`, async (c) => {
      const locked = await c.query<InteractionRow>(SQL.interactionForUpdate, [contactCenterId, id])
      const row = locked.rows[0]
      if (!row) return { ok: false, reason: 'not_found' }
      const current = JSON.parse(row.user_data) as UserData
      const userData = limitedUserDataChange(id, current, change, this.userDataLimit)
      const [sql, params] = statement(userData)
      const updated = (await c.query<InteractionRow>(sql, params)).rows[0]
      if (!updated) return { ok: false, reason: 'location_changed', current: toInteraction(row) }
      await checkHandled(c, contactCenterId, limit)
      const interaction = toInteraction(updated)
      if (log) await appendLog(c, log(interaction), Date.now())
      return { ok: true, interaction }
    })
  }

  // --- notification log -------------------------------------------------------------------

  async appendNotifications(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return
    await this.tx('notification log', (c) => appendLog(c, entries, Date.now()))
  }

  // One statement each, outside an explicit transaction: two round trips for the pump, not ten.
  async advanceFeed(userId: string, limit: number): Promise<number> {
    return this.#onPool(`notifications of user ${userId}`, () =>
      advanceFeed(this.pool, userId, limit),
    )
  }

  async advanceAndReadFeed(userId: string, afterSeq: number, limit: number): Promise<FeedRead> {
    return this.#onPool(`notifications of user ${userId}`, () =>
      advanceAndRead(this.pool, userId, afterSeq, limit),
    )
  }

  async readFeed(userId: string, afterSeq: number, limit: number): Promise<FeedRead> {
    return this.#onPool(`notifications of user ${userId}`, () =>
      readFeed(this.pool, userId, afterSeq, limit),
    )
  }

  async #onPool<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw this.mapError(err, what)
    }
  }

  async sweepNotifications(before: number, max: number): Promise<number> {
    return this.tx('notification log', (c) => sweepLog(c, before, max))
  }

  async saveCometdSession(s: StoredCometdSession): Promise<void> {
    await this.rows('CometD session', SQL.saveCometdSession, [
      s.clientId,
      s.userId,
      s.record,
      s.position,
      s.lastSeen,
    ])
  }

  async claimCometdSession(
    s: StoredCometdSession,
    maxPerUser: number,
    since: number,
    existing = false,
  ): Promise<boolean> {
    return this.tx('CometD session', async (c) => {
      // The lock that also serializes the user's logins (createSession).
      await c.query(SQL.lockUserForSessions, [s.userId])
      const { rows } = await c.query<{ n: string }>(SQL.countOtherCometdSessions, [
        s.userId,
        since,
        s.clientId,
      ])
      if (Number(rows[0]?.n ?? 0) >= maxPerUser) return false
      if (existing) {
        const updated = await c.query(SQL.reclaimCometdSession, [
          s.clientId,
          s.record,
          s.position,
          s.lastSeen,
        ])
        return updated.rowCount === 1
      }
      await c.query(SQL.saveCometdSession, [s.clientId, s.userId, s.record, s.position, s.lastSeen])
      return true
    })
  }

  async getCometdSession(clientId: string): Promise<StoredCometdSession | undefined> {
    return this.first<StoredCometdSession>(
      'CometD session',
      `SELECT client_id AS "clientId", user_id AS "userId", record, position, last_seen AS "lastSeen"
       FROM cometd_sessions WHERE client_id = $1`,
      [clientId],
    )
  }

  async takeCometdSession(
    clientId: string,
  ): Promise<(StoredCometdSession & { take: number }) | undefined> {
    const row = await this.first<StoredCometdSession & { take: string }>(
      'CometD session',
      `SELECT client_id AS "clientId", user_id AS "userId", record, position, last_seen AS "lastSeen",
         nextval('cometd_session_takes') AS take
       FROM cometd_sessions WHERE client_id = $1`,
      [clientId],
    )
    return row && { ...row, take: Number(row.take) }
  }

  async deleteCometdSession(clientId: string): Promise<void> {
    await this.rows('CometD session', 'DELETE FROM cometd_sessions WHERE client_id = $1', [
      clientId,
    ])
  }

  async markCometdSessionExpired(clientId: string, unlessSeenAfter: number): Promise<void> {
    await this.rows('CometD session', SQL.markCometdSessionExpired, [
      clientId,
      unlessSeenAfter,
      Date.now(),
    ])
  }

  async deleteCometdSessionsOfUser(userId: string): Promise<number> {
    return this.count('CometD sessions', 'DELETE FROM cometd_sessions WHERE user_id = $1', [userId])
  }

  async touchCometdSessions(
    updates: { clientId: string; position: number; lastSeen: number }[],
  ): Promise<string[]> {
    if (updates.length === 0) return []
    const missing = await this.rows<{ client_id: string }>(
      'CometD sessions',
      `WITH u AS (
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u(client_id, position, last_seen)
       ), t AS (
         UPDATE cometd_sessions c SET position = greatest(c.position, u.position),
           last_seen = greatest(c.last_seen, u.last_seen),
           -- Active after it was marked expired (markCometdSessionExpired): a node resumed it
           -- meanwhile, so it counts again. The expiring node's own late write is older.
           record = CASE
             WHEN strpos(c.record, '"expiredAt"') > 0
               AND (c.record::jsonb ->> 'expiredAt')::bigint < u.last_seen
             THEN (c.record::jsonb - 'expiredAt')::text
             ELSE c.record END
         FROM u WHERE c.client_id = u.client_id
         RETURNING c.client_id
       )
       SELECT client_id FROM u EXCEPT SELECT client_id FROM t`,
      [
        updates.map((u) => u.clientId),
        updates.map((u) => u.position),
        updates.map((u) => u.lastSeen),
      ],
    )
    return missing.map((r) => r.client_id)
  }

  async deleteCometdSessionsIdleSince(before: number): Promise<number> {
    return this.count('CometD sessions', 'DELETE FROM cometd_sessions WHERE last_seen < $1', [
      before,
    ])
  }

  async pageWorkbinContent(
    contactCenterId: string,
    instance: WorkbinInstance,
    query: ContentPageQuery,
  ): Promise<ContentPage> {
    const [sql, params] = pageQuery(contactCenterId, instance, query)
    const rows = await this.rows<PageRow>('interactions', sql, params)
    const more = rows.length > query.limit
    if (more) rows.length = query.limit
    const last = rows[rows.length - 1]
    return { items: rows.map(toInteraction), next: more && last ? positionOf(last) : null }
  }
}

function toSubscriptions(userId: string, rows: { workbin_id: string; owner: string }[]) {
  return rows.map((r) => ({ userId, instance: { workbinId: r.workbin_id, owner: r.owner } }))
}

function filterMedia(rows: InteractionRow[], mediaTypes?: MediaType[]): InteractionRow[] {
  if (!mediaTypes) return rows
  return rows.filter((r) => mediaTypes.includes(r.media_type as MediaType))
}
