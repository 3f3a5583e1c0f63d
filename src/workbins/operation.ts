// Shared shapes of the workbins domain: who acts, on which workbin instance, and the handler
// signature of a POST operation (`{"operationName": ...}`) on a workbin instance.
// The HTTP layer builds an Actor from the authenticated caller and dispatches on operationName.

import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import type { ContactCenter, Directory, User, Workbin, WorkbinInstance } from '../model.ts'
import type { Store } from '../store/store.ts'
import type { WholeContentReader } from './content-reader.ts'
import type { WholeContentSlots } from './content-slots.ts'
import type { Notifier } from './notifier.ts'

/** The authenticated user, with a snapshot of their contact center's configuration. */
export interface Actor {
  user: User
  contactCenter: ContactCenter
  directory: Directory
  /** The place occupied since StartContactCenterSession, else the user's default place unless
   *  another agent occupies it, else null (place.ts). */
  currentPlace: string | null
}

/** How the URL named the target: `/me/...` and `/workbins/...` (self) or `/users/{userId}/...`. */
export interface TargetSpec {
  /** Set for `/users/{userId}/...` URLs. */
  userId?: string
  /** `?agentGroup=` */
  agentGroup?: string
  /** `?placeGroup=` */
  placeGroup?: string
}

/** A workbin instance the actor has been allowed to use (see access.ts). */
export interface ResolvedInstance {
  workbin: Workbin
  instance: WorkbinInstance
  /** Set when the URL was `/users/{userId}/...`: becomes `workbinUserId` in notifications. */
  workbinUserId?: string
  /** Set for AgentGroup instances: becomes `agentGroup` in notifications. */
  agentGroup?: string
  /** Set for PlaceGroup instances: becomes `placeGroup` in notifications. */
  placeGroup?: string
}

export interface WorkbinDeps {
  config: Config
  store: Store
  notifier: Notifier
  log: Logger
  /** Public base URL ending in /api/v2. */
  publicUrl(): string
  /** Reads whole contents off the event loop (content-reader.ts); absent: read in chunks. */
  contentReader?: WholeContentReader
  /** Whole-content GETs in progress (content-slots.ts); absent: not limited. */
  wholeContents?: WholeContentSlots
}

/** The JSON answered over HTTP on success, e.g. `{statusCode: 0, referenceId: 14}`. */
export type OperationReply = Record<string, unknown> & { statusCode: 0 }

/** A POST operation on one workbin instance (Subscribe, AddEmail, PullChat, ...). Throws GwsError. */
export type OperationHandler = (ctx: {
  actor: Actor
  target: ResolvedInstance
  body: Record<string, unknown>
  deps: WorkbinDeps
}) => Promise<OperationReply>
