// The SQLite adapter of the Store port (src/store/store.ts), on better-sqlite3.
// better-sqlite3 is synchronous: each method runs its work in one transaction, so the domain
// never holds a transaction across awaits. Writes go through group commit (group-commit.ts):
// the writes of one event-loop turn share one fsync'd transaction, each in its own savepoint.

import { mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { errors } from '../../errors.ts'
import { StoreOpenError } from '../store-errors.ts'
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
import { pageRows } from './content-page.ts'
import { applyPlan, workbinUse } from './apply-plan.ts'
import { runMigrations } from './migrations.ts'
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
} from './rows.ts'
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
} from './rows.ts'
import { isStorageWriteError, mapSqliteError, sqliteCode } from './sqlite-errors.ts'
import { SqliteNotificationLog } from './notification-log.ts'
import { GroupCommit, type GroupCommitStats, type TransactionHooks } from './group-commit.ts'
import { ReferenceIdBlocks } from '../reference-id-blocks.ts'
import type { FeedRead, LogEntry, LogFor, StoredCometdSession } from '../notification-log.ts'
import { prepareStatements, type Statements } from './statements.ts'
import { awaitingDurability, WalSync, type SyncFn } from './wal-sync.ts'
import { Checkpointer, type CheckpointStats } from './checkpointer.ts'
import { CallerCache } from './caller-cache.ts'
import { transactions, type Transactions } from './transactions.ts'

const BUSY_TIMEOUT_MS = 5000

export interface SqliteStore extends Store {
  /** The underlying connection (tests and maintenance only). */
  readonly db: Database.Database
  /** Commits and the writes they held (group commit; metrics and benchmarks). */
  readonly commitStats: GroupCommitStats
  /** The checkpoint thread's counts; undefined when it is off (WORKBINS_SQLITE_CHECKPOINT_MS=0). */
  readonly checkpointStats: CheckpointStats | undefined
}

export interface SqliteOptions {
  /** `full` (default): every commit is fsync'd; `normal`: WAL without fsync at commit. */
  synchronous?: 'full' | 'normal'
  /** Most writes per transaction (default 256); 0 = one transaction per write. */
  groupCommitMax?: number
  /** Reference ids reserved per write (ReferenceIdBlocks); default 1. */
  referenceIdBlock?: number
  /** How the WAL is flushed off the event loop (default fs.fdatasync; tests hold it). */
  flushWal?: SyncFn
  /**
   * Files only: a thread of its own checkpoints the WAL once commits pause for 50 ms, and at the
   * latest this many ms after a commit (default 500); 0 = SQLite checkpoints inside the COMMIT
   * that takes the WAL past 1,000 pages.
   */
  checkpointMs?: number
  /** The checkpoint thread failed (checkpoints are SQLite's own again), or one checkpoint did. */
  onCheckpointError?: (err: Error, threadLost: boolean) => void
  /** The most userData an interaction may be given (default DEFAULT_USER_DATA_LIMIT). */
  userDataLimit?: UserDataLimit
}

/** SQLite's own default (https://sqlite.org/pragma.html#pragma_wal_autocheckpoint). */
const AUTOCHECKPOINT_PAGES = 1000

/** Open (creating if needed) the SQLite database at `path` (`:memory:` for a private one). */
export function createSqliteStore(path: string, options: SqliteOptions = {}): SqliteStore {
  const db = isSqliteFile(path) ? openFile(path) : new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  db.pragma('foreign_keys = ON')
  if (isSqliteFile(path)) refuseUnwritable(db, path)
  const groupCommitMax = options.groupCommitMax ?? 256
  // `full` with group commit on a file: NORMAL (COMMIT writes the WAL without fsync) and the
  // fsync done off the event loop before anything is answered (wal-sync.ts). Otherwise FULL:
  // SQLite fsyncs the WAL inside each COMMIT (https://sqlite.org/pragma.html#pragma_synchronous).
  const full = options.synchronous !== 'normal'
  const wal =
    full && groupCommitMax > 0 && isSqliteFile(path)
      ? new WalSync(`${db.name}-wal`, options.flushWal)
      : undefined
  db.pragma(`synchronous = ${full && !wal ? 'FULL' : 'NORMAL'}`)
  const checkpointMs = options.checkpointMs ?? 500
  let checkpointer: Checkpointer | undefined
  if (checkpointMs > 0 && isSqliteFile(path)) {
    const told = options.onCheckpointError ?? (() => {})
    checkpointer = new Checkpointer(
      db.name,
      checkpointMs,
      (err) => {
        // Never left without checkpoints: the WAL would grow without bound.
        if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
        told(err, true)
      },
      (err) => told(err, false),
    )
    db.pragma('wal_autocheckpoint = 0')
  }
  const store = new SqliteStoreImpl(
    db,
    groupCommitMax,
    options.referenceIdBlock ?? 1,
    options.userDataLimit ?? DEFAULT_USER_DATA_LIMIT,
    wal,
    checkpointer,
  )
  return wal ? awaitingDurability(store, wal) : store
}

/**
 * Open the file, its folder created if needed, or say in one line what is wrong with
 * WORKBINS_DB (the driver's messages name neither the setting nor the path).
 */
function openFile(path: string): Database.Database {
  const named = `WORKBINS_DB=${path}`
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      throw new StoreOpenError(`${named} is a directory, not a SQLite database file`)
    }
    mkdirSync(dirname(path), { recursive: true })
  } catch (err) {
    if (err instanceof StoreOpenError) throw err
    throw new StoreOpenError(`${named}: cannot create its folder: ${(err as Error).message}`)
  }
  let db: Database.Database | undefined
  try {
    db = new Database(path)
    // The first read of the file: a file that is not a database fails here.
    db.prepare('SELECT count(*) FROM sqlite_master').get()
    return db
  } catch (err) {
    db?.close()
    const code = sqliteCode(err)
    const why = `${code ?? 'error'}: ${(err as Error).message}`
    throw new StoreOpenError(
      code === 'SQLITE_NOTADB'
        ? `${named} is not a SQLite database (${why})`
        : `${named}: cannot open the SQLite database (${why})`,
    )
  }
}

/**
 * A write that always reaches the file: setting user_version, even to its value, rewrites page 1
 * (an UPDATE to the same value writes nothing, and BEGIN IMMEDIATE/COMMIT succeeds on a
 * read-only file). One page in the WAL.
 */
function probeWrite(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  db.pragma(`user_version = ${version}`)
}

/**
 * SQLite opens a file it cannot write read-only without a word: the server would start, answer
 * reads and /ready, and fail every write. Refuse to start instead.
 */
function refuseUnwritable(db: Database.Database, path: string): void {
  try {
    probeWrite(db)
  } catch (err) {
    if (!isStorageWriteError(err)) throw err
    db.close()
    throw new StoreOpenError(
      `WORKBINS_DB=${path}: the SQLite database cannot be written by this process ` +
        `(${sqliteCode(err)}: ${(err as Error).message}); check the owner and mode of the file, ` +
        'of its -wal and -shm files and of its folder, and that the file system is neither ' +
        'read-only nor full',
    )
  }
}

/** A database file other connections can open (not a private in-memory one). */
export const isSqliteFile = (path: string): boolean =>
  path !== ':memory:' && path !== '' && !path.startsWith('file:')

interface FeedReadRequest {
  userId: string
  afterSeq: number
  limit: number
  resolve(read: FeedRead): void
  reject(err: unknown): void
}

class SqliteStoreImpl implements SqliteStore {
  readonly db: Database.Database
  #stmts: Statements | undefined
  #callers: CallerCache | undefined
  #logStmts: SqliteNotificationLog | undefined
  readonly #group: GroupCommit | null
  readonly #soloStats: GroupCommitStats = { commits: 0, writes: 0 }
  readonly #tx: Transactions
  /** The last write the disk refused (full, read-only, I/O error); null once one is stored. */
  #unwritable: Error | null = null
  #storageFailures = 0
  #pingStmt: Database.Statement | undefined

  readonly #refs: ReferenceIdBlocks
  /** advanceAndReadFeed calls waiting for the end of the current synchronous run. */
  #feedReads: FeedReadRequest[] | null = null
  /** numberFeedAhead checked for other connections' commits in this synchronous run. */
  #aheadChecked = false
  /** The log keeps what writes taught it (notification-log.ts); these keep it true. */
  readonly #hooks: TransactionHooks = {
    begin: () => this.#logStmts?.begin(),
    rolledBack: () => this.#logStmts?.rolledBack(),
    committed: () => this.checkpointer?.committed(),
  }

  constructor(
    db: Database.Database,
    groupCommitMax: number,
    referenceIdBlock: number,
    private readonly userDataLimit: UserDataLimit,
    private readonly wal: WalSync | undefined,
    private readonly checkpointer?: Checkpointer,
  ) {
    this.db = db
    this.#tx = transactions(db)
    this.#group =
      groupCommitMax > 0
        ? new GroupCommit(db, groupCommitMax, this.#mapError, this.#hooks, wal, this.#tx)
        : null
    this.#refs = new ReferenceIdBlocks(
      (userId, n) =>
        this.write(
          `user ${userId}`,
          () => this.s.reserveReferenceIds.get({ userId, count: n }) as number,
        ),
      referenceIdBlock,
    )
  }

  get checkpointStats(): CheckpointStats | undefined {
    return this.checkpointer?.stats
  }

  get commitStats(): GroupCommitStats {
    return this.#group?.stats ?? this.#soloStats
  }

  /** Statements are prepared once, on first use (after migrate() has created the tables). */
  private get s(): Statements {
    this.#stmts ??= prepareStatements(this.db)
    return this.#stmts
  }

  private get callers(): CallerCache {
    this.#callers ??= new CallerCache(
      this.db,
      (id) => this.s.sessionCaller.get(id) as SessionCallerRow | undefined,
    )
    return this.#callers
  }

  private get log(): SqliteNotificationLog {
    this.#logStmts ??= new SqliteNotificationLog(this.db)
    return this.#logStmts
  }

  readonly #mapError = (err: unknown, what: string): unknown => {
    if (isStorageWriteError(err)) {
      this.#unwritable = err as Error
      this.#storageFailures++
    }
    return mapSqliteError(err, what)
  }

  private read<T>(fn: () => T): T {
    return this.#tx.deferred(fn)
  }

  private write<T>(what: string, fn: () => T): Promise<T> {
    if (this.#group) return this.#group.run(what, fn)
    try {
      const value = this.#tx.immediate(() => {
        this.#hooks.begin()
        return fn()
      })
      this.#soloStats.commits++
      this.#soloStats.writes++
      this.#hooks.committed?.()
      return Promise.resolve(value)
    } catch (err) {
      this.#hooks.rolledBack()
      return Promise.reject(this.#mapError(err, what))
    }
  }

  async migrate(): Promise<void> {
    try {
      runMigrations(this.db)
    } catch (err) {
      // A newer schema, or a disk that refuses the migration: one line naming the setting.
      if (err instanceof StoreOpenError || isStorageWriteError(err)) {
        throw new StoreOpenError(`WORKBINS_DB=${this.db.name}: ${(err as Error).message}`)
      }
      throw err
    }
    this.checkpointer?.committed()
    // Applied outside group commit: on disk before the server starts.
    if (this.wal) {
      this.wal.committed()
      await this.wal.whenDurable()
    }
  }

  async close(): Promise<void> {
    // Numbers given in memory are written (a later start would number the same again, but
    // each user's first advance would then pay for it), then writes already asked for are
    // committed, not dropped.
    if (this.db.open && this.#logStmts && this.#logStmts.aheadUsers > 0) {
      this.write('notification numbers', () => this.log.settleAhead(Number.MAX_SAFE_INTEGER)).catch(
        () => {},
      )
    }
    if (this.db.open) this.#group?.flush()
    // The thread's connection first: the last close checkpoints what is left and removes the
    // WAL, and that stays the writer's, as it was before the thread.
    await this.checkpointer?.close()
    if (this.db.open) this.db.close()
    // Their answers wait for the flush of the WAL already under way (closing the last
    // connection also checkpoints the WAL into the database file and syncs it).
    await this.wal?.close().catch(() => {})
  }

  async ping(): Promise<void> {
    // A real table: `SELECT 1` reads nothing of the file.
    this.#pingStmt ??= this.db.prepare('SELECT count(*) FROM schema_migrations').pluck()
    this.#pingStmt.get()
    // After the disk refused a write, not ready until one is stored again: a balancer sends no
    // traffic meanwhile, so the probe writes (one page, only in that state).
    if (this.#unwritable) {
      const failures = this.#storageFailures
      await this.write('readiness probe', () => probeWrite(this.db))
      if (this.#storageFailures === failures) this.#unwritable = null
    }
  }

  // --- provisioning -----------------------------------------------------------------------

  async isEmpty(): Promise<boolean> {
    return this.s.anyContactCenter.get() === undefined
  }

  async applyProvisioning(plan: ProvisionPlan): Promise<ProvisionResult> {
    // All-or-nothing (docs/provisioning.md, Rules): one transaction for the whole plan.
    return this.write('provisioning', () => applyPlan(this.s, plan, this.userDataLimit))
  }

  async workbinInUse(contactCenterId: string, workbinId: string): Promise<WorkbinUse> {
    return workbinUse(this.s, contactCenterId, workbinId)
  }

  // --- directory --------------------------------------------------------------------------

  async listContactCenters(): Promise<ContactCenter[]> {
    return (this.s.allContactCenters.all() as ContactCenterRow[]).map(toContactCenter)
  }

  async getUserByName(userName: string): Promise<User | undefined> {
    const row = this.s.userByName.get(userName) as UserRow | undefined
    return row && toUser(row)
  }

  async getUser(id: string): Promise<User | undefined> {
    const row = this.s.user.get(id) as UserRow | undefined
    return row && toUser(row)
  }

  async getContactCenter(id: string): Promise<ContactCenter | undefined> {
    const row = this.s.contactCenter.get(id) as ContactCenterRow | undefined
    return row && toContactCenter(row)
  }

  async getDirectoryVersion(contactCenterId: string): Promise<number | undefined> {
    return this.s.directoryVersion.get(contactCenterId) as number | undefined
  }

  async getDirectory(contactCenterId: string): Promise<Directory | undefined> {
    return this.read(() => {
      const cc = this.s.contactCenter.get(contactCenterId) as ContactCenterRow | undefined
      if (!cc) return undefined
      return {
        contactCenter: toContactCenter(cc),
        version: cc.version,
        users: (this.s.usersOf.all(cc.id) as UserRow[]).map(toUser),
        places: (this.s.placesOf.all(cc.id) as PlaceRow[]).map(toPlace),
        placeGroups: (this.s.placeGroupsOf.all(cc.id) as { name: string }[]).map((r) => ({
          contactCenterId: cc.id,
          name: r.name,
        })),
        agentGroups: (this.s.agentGroupsOf.all(cc.id) as AgentGroupRow[]).map(toAgentGroup),
        workbins: (this.s.workbinsOf.all(cc.id) as WorkbinRow[]).map(toWorkbin),
        queues: (this.s.queuesOf.all(cc.id) as QueueRow[]).map(toQueue),
      }
    })
  }

  // --- per-user state ---------------------------------------------------------------------

  async getCurrentPlace(userId: string): Promise<string | null> {
    return (this.s.currentPlace.get(userId) as string | undefined) ?? null
  }

  async getPlaceOccupant(contactCenterId: string, place: string): Promise<string | null> {
    return (this.s.placeOccupant.get(contactCenterId, place) as string | undefined) ?? null
  }

  async occupyPlace(
    userId: string,
    contactCenterId: string,
    place: string,
    staleBefore: number,
  ): Promise<OccupyResult> {
    // IMMEDIATE transaction: no other writer between the check and the insert; the primary key
    // of place_occupants is the last word anyway.
    return this.write(`place ${place}`, () => {
      const occupant = this.s.placeOccupant.get(contactCenterId, place) as string | undefined
      if (occupant === userId) return { ok: true, released: null }
      if (occupant !== undefined) {
        if (this.s.liveSessionOf.get(occupant, staleBefore) !== undefined) {
          return { ok: false, occupant }
        }
        this.s.releasePlaceAt.run(contactCenterId, place)
      }
      const released = (this.s.releasePlaceOf.get(userId) as string | undefined) ?? null
      this.s.insertOccupant.run(contactCenterId, place, userId)
      return { ok: true, released }
    })
  }

  async releasePlace(userId: string): Promise<string | null> {
    return this.write(`user ${userId}`, () => {
      return (this.s.releasePlaceOf.get(userId) as string | undefined) ?? null
    })
  }

  async nextReferenceIds(userId: string, count: number): Promise<number[]> {
    if (!Number.isInteger(count) || count < 0) throw errors.invalid(`invalid count ${count}`)
    if (count === 0) return []
    // One UPSERT reserves the whole range; the counter is persisted, so ids survive restarts.
    return this.#refs.take(userId, count)
  }

  // --- HTTP sessions ----------------------------------------------------------------------

  async createSession(session: HttpSession, maxPerUser = Infinity): Promise<number> {
    return this.write(`session for user ${session.userId}`, () => {
      this.s.insertSession.run({
        id: session.id,
        user_id: session.userId,
        csrf_token: session.csrfToken,
        created_at: session.createdAt,
        last_seen_at: session.lastSeenAt,
      })
      if (!Number.isFinite(maxPerUser)) return 0
      return this.s.trimUserSessions.run(session.userId, maxPerUser).changes
    })
  }

  async getSession(id: string): Promise<HttpSession | undefined> {
    const row = this.s.session.get(id) as SessionRow | undefined
    return row && toSession(row)
  }

  async getSessionCaller(id: string): Promise<SessionCaller | undefined> {
    // Every REST request asks: answered from memory while nothing it reads has changed.
    const row = this.callers.get(id)
    return row && toSessionCaller(row)
  }

  async touchSession(id: string, at: number): Promise<void> {
    await this.write('session', () => this.s.touchSession.run(at, id))
  }

  async deleteSession(id: string): Promise<void> {
    await this.write('session', () => this.s.deleteSession.run(id))
  }

  async deleteSessionsIdleSince(before: number): Promise<number> {
    return this.write('sessions', () => {
      const { changes } = this.s.deleteIdleSessions.run(before)
      // the trigger frees the places of users whose last session went; this also frees places
      // taken by users who had no session at all (e.g. it expired while they took the place)
      this.s.releaseOrphanPlaces.run()
      return changes
    })
  }

  async deleteSessionsOfUser(userId: string): Promise<number> {
    return this.write('sessions', () => this.s.deleteUserSessions.run(userId).changes)
  }

  // --- subscriptions (they belong to the user: docs/api.md, The model) ---------------------

  async addSubscriptions(
    userId: string,
    instances: WorkbinInstance[],
    log?: LogEntry[],
  ): Promise<void> {
    await this.write(`subscriptions of user ${userId}`, () => {
      this.log.beforeSubscriptionChange(userId)
      for (const i of instances) this.s.insertSubscription.run(userId, i.workbinId, i.owner)
      if (log) this.log.append(log, Date.now())
    })
  }

  async removeSubscriptions(
    userId: string,
    instances: WorkbinInstance[],
    log?: LogFor<boolean[]>,
  ): Promise<boolean[]> {
    return this.write(`subscriptions of user ${userId}`, () => {
      this.log.beforeSubscriptionChange(userId)
      const existed = instances.map(
        (i) => this.s.deleteSubscription.run(userId, i.workbinId, i.owner).changes > 0,
      )
      if (log) this.log.append(log(existed), Date.now())
      return existed
    })
  }

  async removeAllSubscriptions(userId: string): Promise<Subscription[]> {
    return this.write(`subscriptions of user ${userId}`, () => {
      this.log.beforeSubscriptionChange(userId)
      const subs = this.subscriptionsOf(userId)
      this.s.deleteSubscriptionsOf.run(userId)
      return subs
    })
  }

  async listSubscriptions(userId: string): Promise<Subscription[]> {
    return this.subscriptionsOf(userId)
  }

  async listContactCenterSubscriptions(contactCenterId: string): Promise<Subscription[]> {
    const rows = this.s.subscriptionsOfContactCenter.all(contactCenterId) as {
      user_id: string
      workbin_id: string
      owner: string
    }[]
    return rows.map((r) => ({
      userId: r.user_id,
      instance: { workbinId: r.workbin_id, owner: r.owner },
    }))
  }

  private subscriptionsOf(userId: string): Subscription[] {
    const rows = this.s.subscriptionsOf.all(userId) as { workbin_id: string; owner: string }[]
    return rows.map((r) => ({ userId, instance: { workbinId: r.workbin_id, owner: r.owner } }))
  }

  async listSubscribers(instance: WorkbinInstance): Promise<string[]> {
    return this.s.subscribers.all(instance.workbinId, instance.owner) as string[]
  }

  // --- interactions -----------------------------------------------------------------------

  async createInteraction(interaction: Interaction, limit?: HandledLimit): Promise<void> {
    checkUserDataLimit(NEW_INTERACTION, interaction.userData, this.userDataLimit)
    // A duplicate id fails with SQLITE_CONSTRAINT_PRIMARYKEY → ALREADY_EXISTS (18).
    await this.write(`interaction ${interaction.id}`, () => {
      this.s.insertInteraction.run(fromInteraction(interaction))
      this.checkHandled(interaction.contactCenterId, limit)
    })
  }

  /** In a write, after the change: throws (rolling the write back) when over the limit. */
  private checkHandled(contactCenterId: string, limit: HandledLimit | undefined): void {
    if (!limit) return
    const held = this.s.countHandled.get({ cc: contactCenterId, user: limit.userId }) as number
    if (held > limit.max) throw limit.refusal(held)
  }

  async getInteraction(contactCenterId: string, id: string): Promise<Interaction | undefined> {
    const row = this.s.interaction.get(contactCenterId, id) as InteractionRow | undefined
    return row && toInteraction(row)
  }

  async listOwnedInteractions(
    contactCenterId: string,
    userId: string,
    mediaTypes?: MediaType[],
  ): Promise<Interaction[]> {
    const rows = this.s.ownedInteractions.all({
      cc: contactCenterId,
      user: userId,
    }) as InteractionRow[]
    return filterMedia(rows, mediaTypes).map(toInteraction)
  }

  async countHandled(contactCenterId: string, userId: string): Promise<number> {
    return this.read(() => this.s.countHandled.get({ cc: contactCenterId, user: userId }) as number)
  }

  async listWorkbinContent(
    contactCenterId: string,
    instance: WorkbinInstance,
    mediaTypes?: MediaType[],
  ): Promise<Interaction[]> {
    const rows = this.s.workbinContent.all(
      contactCenterId,
      instance.workbinId,
      instance.owner,
    ) as InteractionRow[]
    return filterMedia(rows, mediaTypes).map(toInteraction)
  }

  async countWorkbinContent(
    contactCenterId: string,
    instances: WorkbinInstance[],
  ): Promise<number[]> {
    return this.read(() =>
      instances.map(
        (i) => this.s.countWorkbinContent.get(contactCenterId, i.workbinId, i.owner) as number,
      ),
    )
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
    return this.write(`interaction ${id}`, () => {
      const userData = this.changedUserData(contactCenterId, id, patch.userData)
      if (userData === null) return { ok: false, reason: 'not_found' }
      const nextCols = locationColumns(next)
      const { changes } = this.s.moveInteraction.run({
        contact_center_id: contactCenterId,
        id,
        ...locationColumns(expected),
        next_owner_user_id: nextCols.owner_user_id,
        next_workbin_id: nextCols.workbin_id,
        next_workbin_owner: nextCols.workbin_owner,
        next_invited_user_id: nextCols.invited_user_id,
        next_queue_name: nextCols.queue_name,
        next_invited_by_user_id: nextCols.invited_by_user_id,
        state: patch.state,
        capabilities: JSON.stringify(patch.capabilities),
        user_data: JSON.stringify(userData),
        now: Date.now(),
      })
      if (changes === 1) this.checkHandled(contactCenterId, limit)
      return this.logged(this.casResult(contactCenterId, id, changes), log)
    })
  }

  async deleteCompletedInteractions(before: number, max: number): Promise<number> {
    return this.write(
      'completed interactions',
      () => this.s.deleteCompleted.run(before, max).changes,
    )
  }

  async listExpiredInvitations(before: number, limit: number): Promise<Interaction[]> {
    return this.read(() =>
      (this.s.expiredInvitations.all(before, limit) as InteractionRow[]).map(toInteraction),
    )
  }

  async updateUserData(
    contactCenterId: string,
    id: string,
    expected: InteractionLocation,
    change: UserDataChange,
    log?: LogFor<Interaction>,
  ): Promise<MoveResult> {
    return this.write(`interaction ${id}`, () => {
      const userData = this.changedUserData(contactCenterId, id, change)
      if (userData === null) return { ok: false, reason: 'not_found' }
      const { changes } = this.s.updateUserData.run({
        contact_center_id: contactCenterId,
        id,
        ...locationColumns(expected),
        user_data: JSON.stringify(userData),
      })
      return this.logged(this.casResult(contactCenterId, id, changes), log)
    })
  }

  /** Append the log of a successful change (inside its transaction). */
  private logged(result: MoveResult, log: LogFor<Interaction> | undefined): MoveResult {
    if (result.ok && log) this.log.append(log(result.interaction), Date.now())
    return result
  }

  // --- notification log ---------------------------------------------------------------------

  async appendNotifications(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return
    await this.write('notification log', () => this.log.append(entries, Date.now()))
  }

  async advanceFeed(userId: string, limit: number): Promise<number> {
    return this.write(`notifications of user ${userId}`, () => this.log.advance(userId, limit))
  }

  advanceAndReadFeed(userId: string, afterSeq: number, limit: number): Promise<FeedRead> {
    // The calls of one synchronous run (the delivery pump asks for many users at once) share
    // one write, not one savepoint each: a fan-out to 1,000 sessions is one statement batch.
    return new Promise<FeedRead>((resolve, reject) => {
      let batch = this.#feedReads
      if (!batch) {
        const mine: FeedReadRequest[] = (batch = this.#feedReads = [])
        queueMicrotask(() => {
          this.#feedReads = null
          this.write(`notifications of ${mine.length} user(s)`, () =>
            mine.map((r) => this.log.advanceAndRead(r.userId, r.afterSeq, r.limit)),
          ).then(
            (reads) => mine.forEach((r, i) => r.resolve(reads[i] as FeedRead)),
            (err: unknown) => mine.forEach((r) => r.reject(err)),
          )
        })
      }
      batch.push({ userId, afterSeq, limit, resolve, reject })
    })
  }

  async readFeed(userId: string, afterSeq: number, limit: number): Promise<FeedRead> {
    return this.read(() => this.log.read(userId, afterSeq, limit))
  }

  async numberFeedAhead(userId: string, afterSeq: number, limit: number): Promise<FeedRead | null> {
    if (!this.#aheadChecked) {
      // Once per synchronous run (the pump asks for many users at once): what another
      // connection committed since makes the log forget what it knew.
      this.#aheadChecked = true
      queueMicrotask(() => {
        this.#aheadChecked = false
      })
      this.log.begin()
    }
    return this.log.numberAhead(userId, afterSeq, limit)
  }

  async settleFeedsAhead(max: number): Promise<number> {
    if (!this.#logStmts || this.#logStmts.aheadUsers === 0) return 0
    return this.write('notification numbers', () => this.log.settleAhead(max))
  }

  async sweepNotifications(before: number, max: number): Promise<number> {
    return this.write('notification log', () => this.log.sweep(before, max))
  }

  async saveCometdSession(session: StoredCometdSession): Promise<void> {
    await this.write('CometD session', () => this.log.saveSession(session))
  }

  async getCometdSession(clientId: string): Promise<StoredCometdSession | undefined> {
    return this.log.getSession(clientId)
  }

  async deleteCometdSession(clientId: string): Promise<void> {
    await this.write('CometD session', () => this.log.deleteSession(clientId))
  }

  async deleteCometdSessionsOfUser(userId: string): Promise<number> {
    return this.write('CometD sessions', () => this.log.deleteSessionsOfUser(userId))
  }

  async touchCometdSessions(
    updates: { clientId: string; position: number; lastSeen: number }[],
  ): Promise<string[]> {
    if (updates.length === 0) return []
    return this.write('CometD sessions', () =>
      updates
        .filter((u) => !this.log.touchSession(u.clientId, u.position, u.lastSeen))
        .map((u) => u.clientId),
    )
  }

  async deleteCometdSessionsIdleSince(before: number): Promise<number> {
    return this.write('CometD sessions', () => this.log.deleteIdleSessions(before))
  }

  /**
   * The stored userData with `change` applied, read inside the caller's write transaction
   * (IMMEDIATE: no other writer between this read and the write). null: no such interaction.
   * Throws (400 / 10, the transaction rolled back) when it would be over the userData limit.
   */
  private changedUserData(
    contactCenterId: string,
    id: string,
    change: UserDataChange,
  ): UserData | null {
    const row = this.s.interaction.get(contactCenterId, id) as InteractionRow | undefined
    if (!row) return null
    const current = JSON.parse(row.user_data) as UserData
    return limitedUserDataChange(id, current, change, this.userDataLimit)
  }

  async setChannels(userId: string, channels: readonly string[], at: number) {
    return this.write(`user ${userId}`, () => {
      const keep = new Set(channels)
      for (const r of this.s.channelsOf.all(userId) as ChannelRow[]) {
        if (!keep.has(r.channel)) this.s.deleteChannel.run(userId, r.channel)
      }
      channels.forEach((channel, position) =>
        this.s.upsertChannel.run({ user_id: userId, channel, position, since: at }),
      )
      return (this.s.channelsOf.all(userId) as ChannelRow[]).map(toChannelState)
    })
  }

  async listChannels(userId: string): Promise<ChannelState[]> {
    return (this.s.channelsOf.all(userId) as ChannelRow[]).map(toChannelState)
  }

  async setChannelState(
    userId: string,
    channel: string,
    state: AgentStateName,
    reasonCode: string | null,
    at: number,
  ): Promise<ChannelState | undefined> {
    return this.write(`user ${userId}`, () => {
      const values = { user_id: userId, channel, state, reason_code: reasonCode, since: at }
      if (this.s.setChannelState.run(values).changes === 0) return undefined
      const row = this.s.channel.get(userId, channel) as ChannelRow
      return toChannelState(row)
    })
  }

  async clearChannels(userId: string): Promise<number> {
    return this.write(`user ${userId}`, () => this.s.clearChannels.run(userId).changes)
  }

  private casResult(contactCenterId: string, id: string, changes: number): MoveResult {
    const row = this.s.interaction.get(contactCenterId, id) as InteractionRow | undefined
    if (!row) return { ok: false, reason: 'not_found' }
    const current = toInteraction(row)
    return changes === 1
      ? { ok: true, interaction: current }
      : { ok: false, reason: 'location_changed', current }
  }

  async pageWorkbinContent(
    contactCenterId: string,
    instance: WorkbinInstance,
    query: ContentPageQuery,
  ): Promise<ContentPage> {
    const rows = pageRows(this.db, contactCenterId, instance, query)
    const more = rows.length > query.limit
    if (more) rows.length = query.limit
    const last = rows[rows.length - 1]
    return { items: rows.map(toInteraction), next: more && last ? positionOf(last) : null }
  }
}

function filterMedia(rows: InteractionRow[], mediaTypes?: MediaType[]): InteractionRow[] {
  if (!mediaTypes) return rows
  return rows.filter((r) => mediaTypes.includes(r.media_type as MediaType))
}
