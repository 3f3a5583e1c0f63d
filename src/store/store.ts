// The store port. The domain (src/workbins) and the HTTP layer speak only to this interface;
// src/store/open-store.ts picks the adapter (SQLite or PostgreSQL) from WORKBINS_DB.
//
// Every method is one atomic unit of work: an adapter runs each in its own transaction, so the
// domain never holds a transaction open across awaits. Methods are async so that a networked
// adapter fits the same shape.

import type {
  AgentGroup,
  AgentStateName,
  ChannelState,
  ContactCenter,
  Directory,
  HttpSession,
  SessionCaller,
  Interaction,
  InteractionLocation,
  MediaType,
  Place,
  PlaceGroup,
  Queue,
  Subscription,
  User,
  UserDataChange,
  Workbin,
  WorkbinInstance,
} from '../model.ts'
import type { FeedRead, LogEntry, LogFor, StoredCometdSession } from './notification-log.ts'

/** One contact center's worth of configuration to upsert (already validated and resolved). */
export interface ProvisionPlan {
  contactCenters: {
    contactCenter: ContactCenter
    placeGroups: PlaceGroup[]
    places: Place[]
    users: User[]
    agentGroups: AgentGroup[]
    workbins: Workbin[]
    /** Interaction queues (absent: none to upsert). */
    queues?: Queue[]
    /** Created only when no interaction with the same id exists (an existing one is left where it is). */
    interactions: Interaction[]
  }[]
}

export interface ProvisionResult {
  /** Objects created or changed, per kind; all zero when the plan matched the store already. */
  changed: Record<
    | 'contactCenters'
    | 'placeGroups'
    | 'places'
    | 'users'
    | 'agentGroups'
    | 'workbins'
    | 'queues'
    | 'interactions',
    number
  >
}

/** What Store.workbinInUse found. */
export interface WorkbinUse {
  interactions: boolean
  subscriptions: boolean
}

/**
 * WORKBINS_MAX_HANDLED_PER_AGENT for one change (src/workbins/handled-limit.ts): the user's
 * count is read in the change's own transaction, after the change, with the user's other such
 * changes serialized (PostgreSQL: the user's row locked), so concurrent changes for one user
 * cannot pass it together.
 */
export interface HandledLimit {
  userId: string
  max: number
  /** Thrown, the change rolled back, when the user would then hold `held` (> max). */
  refusal(held: number): Error
}

/** Outcome of a compare-and-set move of an interaction. */
export type MoveResult =
  | { ok: true; interaction: Interaction }
  | { ok: false; reason: 'not_found' | 'location_changed'; current?: Interaction }

/** Outcome of occupyPlace. */
export type OccupyResult = { ok: true; released: string | null } | { ok: false; occupant: string }

export interface Store {
  /** Create or upgrade the schema. Safe to call on every start. */
  migrate(): Promise<void>
  close(): Promise<void>
  /**
   * Readiness probe: reads a table; after a write the disk refused (full, read-only), also
   * writes, so that it resolves only once writes are stored again. Else throws.
   */
  ping(): Promise<void>

  // --- provisioning -------------------------------------------------------------------------
  /** True when no contact center exists (the demo document is loaded only then). */
  isEmpty(): Promise<boolean>
  /**
   * All-or-nothing upsert of the plan. Objects the plan does not mention are left alone. A new
   * interaction over the userData limit fails it whole (as createInteraction).
   */
  applyProvisioning(plan: ProvisionPlan): Promise<ProvisionResult>
  /**
   * Whether any interaction sits in the workbin (in any instance) and whether anyone subscribes
   * to it: its instances are keyed by an owner of its type, so its type may change only when
   * both are false (applyProvisioning refuses otherwise, with IN_USE).
   */
  workbinInUse(contactCenterId: string, workbinId: string): Promise<WorkbinUse>

  // --- directory (configuration) ------------------------------------------------------------
  /** Every contact center, in creation order (provisioning checks ids across tenants with it). */
  listContactCenters(): Promise<ContactCenter[]>
  getUserByName(userName: string): Promise<User | undefined>
  getUser(id: string): Promise<User | undefined>
  getContactCenter(id: string): Promise<ContactCenter | undefined>
  /** The contact center's configuration version (bumped on every provisioning change). */
  getDirectoryVersion(contactCenterId: string): Promise<number | undefined>
  /** Everything configured in one contact center. */
  getDirectory(contactCenterId: string): Promise<Directory | undefined>

  // --- per-user state -----------------------------------------------------------------------
  /** The place the user occupies since StartContactCenterSession (null = none). */
  getCurrentPlace(userId: string): Promise<string | null>
  /** The user occupying the place, or null when it is free. */
  getPlaceOccupant(contactCenterId: string, place: string): Promise<string | null>
  /**
   * Compare-and-set: the user occupies the place unless another user does. One agent per place
   * and one place per agent: taking a place frees the user's previous one; taking one's own
   * place again changes nothing. An occupant without an HTTP session seen at or after
   * `staleBefore` (ms epoch) counts as gone and loses the place. Two users racing for one
   * place: exactly one wins.
   */
  occupyPlace(
    userId: string,
    contactCenterId: string,
    place: string,
    staleBefore: number,
  ): Promise<OccupyResult>
  /** Free the user's place (EndContactCenterSession). Returns the place freed, or null. */
  releasePlace(userId: string): Promise<string | null>
  /**
   * Reserve `count` reference ids for the user: positive, strictly increasing per user, never
   * reused (also across restarts). Returns them in increasing order.
   */
  nextReferenceIds(userId: string, count: number): Promise<number[]>

  // --- HTTP sessions ------------------------------------------------------------------------
  // Deleting a user's last session (by any of the methods below) frees their place, and
  // deleteSessionsIdleSince also frees places of users left without any session.
  /**
   * Insert the session, then end the user's least recently seen sessions beyond `maxPerUser`
   * (default: no cap). Returns how many were ended.
   */
  createSession(session: HttpSession, maxPerUser?: number): Promise<number>
  getSession(id: string): Promise<HttpSession | undefined>
  /** The session with its user, contact center and place facts, read at once (authentication). */
  getSessionCaller(id: string): Promise<SessionCaller | undefined>
  touchSession(id: string, at: number): Promise<void>
  deleteSession(id: string): Promise<void>
  /** Remove sessions last seen before `before` (ms epoch). Returns how many. */
  deleteSessionsIdleSince(before: number): Promise<number>
  deleteSessionsOfUser(userId: string): Promise<number>
  // applyProvisioning also ends the HTTP sessions of a user whose password it changes.

  // --- workbin subscriptions (belong to the user: docs/api.md, The model) -----------------
  // A change to a user's subscriptions first advances the user's feed (advanceFeed) in the
  // same transaction: the subscriptions a feed is read through never change between two
  // advances, so every entry is numbered for exactly the users subscribed when it was written.
  /** Idempotent. `log` is appended in the same transaction. */
  addSubscriptions(userId: string, instances: WorkbinInstance[], log?: LogEntry[]): Promise<void>
  /**
   * Returns, per instance in order, whether a subscription existed (and was removed). `log` may
   * also be called with an answer that did not happen (PostgreSQL builds both answers of a
   * one-instance removal, to send them with it); only the real answer's entries are appended.
   */
  removeSubscriptions(
    userId: string,
    instances: WorkbinInstance[],
    log?: LogFor<boolean[]>,
  ): Promise<boolean[]>
  /** Removes and returns all of the user's subscriptions. */
  removeAllSubscriptions(userId: string): Promise<Subscription[]>
  listSubscriptions(userId: string): Promise<Subscription[]>
  /**
   * Every subscription of the contact center's users, in one read (the subscription check after
   * a directory change reads them all; a read per user was a round trip each on PostgreSQL).
   * Ordered by user, then as listSubscriptions orders one user's.
   */
  listContactCenterSubscriptions(contactCenterId: string): Promise<Subscription[]>
  /** User ids subscribed to the instance. */
  listSubscribers(instance: WorkbinInstance): Promise<string[]>

  // --- interactions -------------------------------------------------------------------------
  /**
   * Fails with a GwsError ALREADY_EXISTS (18) when the id is taken, VALIDATION (10) when its
   * userData is over the store's limit (user-data-limit.ts), `limit.refusal` when its owner
   * would hold more than `limit.max`.
   */
  createInteraction(interaction: Interaction, limit?: HandledLimit): Promise<void>
  getInteraction(contactCenterId: string, id: string): Promise<Interaction | undefined>
  /** The interactions the user handles or is offered (Invited), oldest receivedDate first. */
  listOwnedInteractions(
    contactCenterId: string,
    userId: string,
    mediaTypes?: MediaType[],
  ): Promise<Interaction[]>
  /**
   * How many interactions the user handles or is offered: those listOwnedInteractions lists
   * (WORKBINS_MAX_HANDLED_PER_AGENT, docs/interactions.md "How many one agent handles").
   * Counted on the indexes of the owner and invitee columns, without reading the rows.
   */
  countHandled(contactCenterId: string, userId: string): Promise<number>
  /** Content of one workbin instance, oldest receivedDate first. */
  listWorkbinContent(
    contactCenterId: string,
    instance: WorkbinInstance,
    mediaTypes?: MediaType[],
  ): Promise<Interaction[]>
  /** Item count per instance, in the order given. */
  countWorkbinContent(contactCenterId: string, instances: WorkbinInstance[]): Promise<number[]>
  /**
   * Compare-and-set: moves the interaction to `next` (and sets state, capabilities, applies the
   * userData change to the stored userData) only if it is still at `expected`. Two concurrent
   * pulls of one item: exactly one succeeds. A change that sets keys and would leave the
   * userData over the limit fails with VALIDATION (10) and changes nothing (user-data-limit.ts).
   */
  moveInteraction(
    contactCenterId: string,
    id: string,
    expected: InteractionLocation,
    next: InteractionLocation,
    patch: { state: string; capabilities: string[]; userData: UserDataChange },
    /** Appended in the same transaction when the move succeeds. */
    log?: LogFor<Interaction>,
    /** Checked for the user the interaction moves to (the move throws its refusal). */
    limit?: HandledLimit,
  ): Promise<MoveResult>
  /**
   * Interactions offered (location `invited`) before `before` (ms epoch), oldest offer first, at
   * most `limit`, over every contact center. The store stamps the offer time when
   * moveInteraction moves an interaction to `invited` and clears it when it leaves.
   */
  listExpiredInvitations(before: number, limit: number): Promise<Interaction[]>
  /**
   * Delete at most `max` interactions completed before `before` (ms epoch), oldest first, over
   * every contact center, in one transaction; returns how many. The store stamps the completion
   * time when moveInteraction moves an interaction to `completed`.
   */
  deleteCompletedInteractions(before: number, max: number): Promise<number>
  /**
   * Apply a change to the stored userData of an interaction (compare-and-set on location), in
   * one transaction: concurrent changes of different keys all land. Over the limit: as
   * moveInteraction.
   */
  updateUserData(
    contactCenterId: string,
    id: string,
    expected: InteractionLocation,
    change: UserDataChange,
    /** Appended in the same transaction when the change succeeds. */
    log?: LogFor<Interaction>,
  ): Promise<MoveResult>

  // --- notification log (docs/durable-delivery.md) -----------------------------------------
  /** Append entries that go with no store change (replies to read-only requests). */
  appendNotifications(entries: LogEntry[]): Promise<void>
  /**
   * Number, in log order, at most `limit` log entries the user has not been given yet (direct
   * ones, and those of the instances the user subscribes to). Returns the user's newest number.
   */
  advanceFeed(userId: string, limit: number): Promise<number>
  /** advanceFeed(userId, limit) then readFeed(userId, afterSeq, limit), in one transaction. */
  advanceAndReadFeed(userId: string, afterSeq: number, limit: number): Promise<FeedRead>
  /**
   * Optional (SQLite): like advanceAndReadFeed when `afterSeq` is the feed's newest number, but
   * the numbers are assigned in memory only, without a write (null: it cannot be done so; call
   * advanceAndReadFeed). Any later advance of the feed writes the same numbers, whether this
   * process still runs or not; settleFeedsAhead writes them sooner.
   */
  numberFeedAhead?(userId: string, afterSeq: number, limit: number): Promise<FeedRead | null>
  /**
   * Write what numberFeedAhead assigned, user by user until about `max` is reached (each user
   * counted as its numbers plus a fixed cost of its own); resolves with how many users remain.
   */
  settleFeedsAhead?(max: number): Promise<number>
  /** The user's numbered messages after `afterSeq`, oldest first, at most `limit`. */
  readFeed(userId: string, afterSeq: number, limit: number): Promise<FeedRead>
  /** Delete at most `max` log entries written before `before` (ms epoch) and their numbers. */
  sweepNotifications(before: number, max: number): Promise<number>

  // --- CometD sessions (kept so that a client continues after a restart) -----------------
  saveCometdSession(session: StoredCometdSession): Promise<void>
  getCometdSession(clientId: string): Promise<StoredCometdSession | undefined>
  /**
   * A cluster's store (docs/cluster.md "Two nodes taking one session"): the stored session, as
   * getCometdSession, with a number from one sequence of the whole database drawn by this read.
   * Of two nodes restoring one session, the later number keeps it.
   */
  takeCometdSession?(
    clientId: string,
  ): Promise<(StoredCometdSession & { take: number }) | undefined>
  deleteCometdSession(clientId: string): Promise<void>
  /**
   * A cluster's store: the session expired on the node that held it, unless another node was
   * active on it after `unlessSeenAfter` (ms epoch). Kept (its client may still resume it), but
   * no longer counted by claimCometdSession; resuming it (claimCometdSession with `existing`)
   * counts it again.
   */
  markCometdSessionExpired?(clientId: string, unlessSeenAfter: number): Promise<void>
  /** Forget every stored session of the user (their sessions were ended); returns how many. */
  deleteCometdSessionsOfUser(userId: string): Promise<number>
  /**
   * Record positions and activity of several sessions. Returns the clientIds that have no
   * stored session (deleted: ended, or disconnected, through another node).
   */
  touchCometdSessions(
    updates: { clientId: string; position: number; lastSeen: number }[],
  ): Promise<string[]>
  /** Delete sessions not seen since `before` (ms epoch). Returns how many. */
  deleteCometdSessionsIdleSince(before: number): Promise<number>
  /**
   * Store the session unless the user already has `maxPerUser` other stored sessions seen since
   * `since` (ms epoch); false then. A cluster's per-user session limit (docs/cluster.md): counted
   * and stored under the user row's lock, so two handshakes at one moment on two nodes cannot
   * both pass. PostgreSQL only, as a cluster is.
   */
  claimCometdSession?(
    session: StoredCometdSession,
    maxPerUser: number,
    since: number,
    /**
     * A stored session resumed: its row is rewritten only if it still exists (an end deleted
     * meanwhile stays ended); false then too.
     */
    existing?: boolean,
  ): Promise<boolean>
  // --- media channels: agent state per channel (docs/api.md "Channels and agent states") ------
  // A user's channels go when their last HTTP session ends, like their place.
  /**
   * Make `channels` (in that order) the user's channels: those kept keep their state, new ones
   * start NotReady at `at`, the others are dropped. Returns the channels now.
   */
  setChannels(userId: string, channels: readonly string[], at: number): Promise<ChannelState[]>
  /** The user's channels, in the order StartContactCenterSession gave them. */
  listChannels(userId: string): Promise<ChannelState[]>
  /** Set one channel's state; undefined when the user has no such channel (nothing changes). */
  setChannelState(
    userId: string,
    channel: string,
    state: AgentStateName,
    reasonCode: string | null,
    at: number,
  ): Promise<ChannelState | undefined>
  /** Drop all of the user's channels (EndContactCenterSession). Returns how many. */
  clearChannels(userId: string): Promise<number>
  /**
   * One page of an instance's content, in the order asked. Keyset pagination: a page starts
   * after the last item of the page before, so items added or removed meanwhile never make
   * another item appear twice or be skipped.
   */
  pageWorkbinContent(
    contactCenterId: string,
    instance: WorkbinInstance,
    query: ContentPageQuery,
  ): Promise<ContentPage>
}

// --- paged workbin content (docs/workbins-content.md "Paging") ---------------------------------

/** Order of a content page. */
export interface ContentOrder {
  /** Sort by this userData key (then receivedDate, then id); undefined: by receivedDate, then id. */
  userDataKey?: string
  descending: boolean
}

/**
 * Where a page starts: the sort key of the last item of the page before. With a userData key,
 * `rank` orders missing/null values (0) before numbers (1, by `num`) before strings (2, by
 * `str`, compared by code point); otherwise rank, num and str are 0, 0 and ''.
 */
export interface ContentPosition {
  rank: number
  num: number
  str: string
  receivedAt: number
  id: string
}

export interface ContentPageQuery {
  /** Only these media (default: all). */
  mediaTypes?: MediaType[]
  order: ContentOrder
  /** Start after this position (default: at the beginning). */
  after?: ContentPosition
  /** Most items in the page (>= 1). */
  limit: number
}

export interface ContentPage {
  items: Interaction[]
  /** The position of the page's last item when more items follow, else null. */
  next: ContentPosition | null
}
