// Plain records of the domain (docs/api.md, The model). No behaviour, no HTTP or SQL shapes.

export type Role = 'agent' | 'supervisor' | 'admin' | 'apiuser'
export const ROLES: readonly Role[] = ['agent', 'supervisor', 'admin', 'apiuser']

export type WorkbinType = 'Agent' | 'Place' | 'AgentGroup' | 'PlaceGroup'
export const WORKBIN_TYPES: readonly WorkbinType[] = ['Agent', 'Place', 'AgentGroup', 'PlaceGroup']

export type MediaType =
  'email' | 'chat' | 'workitem' | 'openmedia' | 'facebook' | 'tweet' | 'facebooksession'
export const MEDIA_TYPES: readonly MediaType[] = [
  'email',
  'chat',
  'workitem',
  'openmedia',
  'facebook',
  'tweet',
  'facebooksession',
]

export interface ContactCenter {
  id: string
  name: string
  features: string[]
  /** Provisioned agent states besides the built-in Ready and NotReady (absent: none). */
  agentStates?: AgentStateDefinition[]
}

/** Agent states a user's media channel can be in (docs/api.md "Channels and agent states"). */
export type AgentStateName = 'Ready' | 'NotReady'
export const AGENT_STATE_NAMES: readonly AgentStateName[] = ['Ready', 'NotReady']

/** One entry of a contact center's agent state menu: a state, optionally with a reason. */
export interface AgentStateDefinition {
  state: AgentStateName
  displayName: string
  /** Only for NotReady: the reason code sent with the NotReady operation. */
  reasonCode?: string
}

/** The state of one of a user's media channels (`channels` of StartContactCenterSession). */
export interface ChannelState {
  channel: string
  state: AgentStateName
  reasonCode: string | null
  /** ms epoch of the last change. */
  since: number
}

export interface User {
  /** 32 lower-case hex chars. */
  id: string
  contactCenterId: string
  userName: string
  /** scrypt hash, `scrypt$N$r$p$saltB64$hashB64`. Never logged, never answered. */
  passwordHash: string
  firstName: string
  lastName: string
  roles: Role[]
  /** Name of the default place, or null. */
  place: string | null
}

export interface Place {
  contactCenterId: string
  name: string
  placeGroups: string[]
}

export interface PlaceGroup {
  contactCenterId: string
  name: string
}

export interface AgentGroup {
  contactCenterId: string
  name: string
  /** user ids */
  members: string[]
  /** user ids */
  supervisors: string[]
}

export interface Workbin {
  /** UUID */
  id: string
  contactCenterId: string
  workbinName: string
  displayName: string
  type: WorkbinType
}

/** A provisioned interaction queue (GWS "Queues API": id, name, description, channel). */
export interface Queue {
  /** UUID */
  id: string
  contactCenterId: string
  name: string
  description: string
  /** The channel (media) it serves, e.g. `workitem`; free text as in GWS. */
  channel: string
}

/** Everything configured in one contact center, as one snapshot (for visibility checks). */
export interface Directory {
  contactCenter: ContactCenter
  /** Bumped by every provisioning change of this contact center. */
  version: number
  users: User[]
  places: Place[]
  placeGroups: PlaceGroup[]
  agentGroups: AgentGroup[]
  workbins: Workbin[]
  queues: Queue[]
}

/**
 * A workbin instance (docs/api.md, The model): the workbin plus its owner. `owner` is a user id for
 * Agent workbins, a place name for Place, an agent group name for AgentGroup, a place group
 * name for PlaceGroup.
 */
export interface WorkbinInstance {
  workbinId: string
  owner: string
}

/**
 * Where an invitation goes when it is rejected or withdrawn: the queue an Offer took it from, or
 * the agent who transferred it (GWS Open Media API → Transfer invites the target agent; the
 * pages do not say what a refusal does, docs/interactions.md "Offers").
 */
export type InvitationReturn = { kind: 'queue'; queue: string } | { kind: 'owner'; userId: string }

/**
 * Where an interaction is (docs/interactions.md "Interaction life"): handled by an agent
 * (`Processing`), offered to one (`Invited`, remembering where it returns), in a workbin
 * instance (`InWorkbin`), waiting in a queue, or completed (kept, read-only).
 */
export type InteractionLocation =
  | { kind: 'owner'; userId: string }
  | { kind: 'workbin'; workbinId: string; owner: string }
  | { kind: 'invited'; userId: string; returnTo: InvitationReturn }
  | { kind: 'queue'; queue: string }
  | { kind: 'completed' }

export type UserDataValue = string | number | null
export type UserData = Record<string, UserDataValue>

/**
 * A change to an interaction's userData. The store applies it to the stored userData inside
 * the transaction that writes it, so two concurrent changes of different keys both land
 * (a whole-map write computed from an earlier read would lose one of them).
 */
export interface UserDataChange {
  /** Keys to set (added or replaced). */
  set: UserData
  /** Keys to delete (applied before `set`). */
  remove: string[]
}

export function applyUserDataChange(current: UserData, change: UserDataChange): UserData {
  const out: UserData = { ...current }
  for (const k of change.remove) delete out[k]
  for (const [k, v] of Object.entries(change.set)) out[k] = v
  return out
}

export interface Interaction {
  /** 16 chars [0-9A-Za-z] */
  id: string
  contactCenterId: string
  mediaType: MediaType
  /** For openmedia: the open media type name (e.g. "promotion"); otherwise null. */
  openmediaType: string | null
  /** 'Processing' when owned by an agent, 'InWorkbin' in a workbin; other values as the media allows. */
  state: string
  userData: UserData
  /** `yyyy-MM-dd HH:mm:ss.SSS±HHmm` */
  receivedDate: string
  capabilities: string[]
  location: InteractionLocation
  /** Media-specific extra fields kept as given (subject, from, to, ...). */
  extra: Record<string, unknown>
}

/** A user's subscription to a workbin instance; it belongs to the user, not to a connection. */
export interface Subscription {
  userId: string
  instance: WorkbinInstance
}

/** A server-side HTTP session (the JSESSIONID cookie). */
export interface HttpSession {
  id: string
  userId: string
  csrfToken: string
  createdAt: number
  lastSeenAt: number
}

/**
 * What one request needs to know about its caller, read together with the session in one
 * statement: on PostgreSQL each separate read is a round trip, and these were five.
 */
export interface SessionCaller {
  session: HttpSession
  user: User
  contactCenter: ContactCenter
  /** The contact center's directory version (see Store.getDirectoryVersion). */
  directoryVersion: number
  /** The place the user occupies (Store.getCurrentPlace). */
  currentPlace: string | null
  /** Who occupies the user's default place (Store.getPlaceOccupant), when the user has one. */
  placeOccupant: string | null
}
