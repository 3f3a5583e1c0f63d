// Row shapes of the SQLite tables and their mapping to domain records (src/model.ts).

import type {
  AgentGroup,
  AgentStateDefinition,
  AgentStateName,
  ChannelState,
  ContactCenter,
  HttpSession,
  Interaction,
  InteractionLocation,
  InvitationReturn,
  MediaType,
  Place,
  Queue,
  Role,
  SessionCaller,
  User,
  UserData,
  Workbin,
  WorkbinType,
} from '../../model.ts'

export interface ContactCenterRow {
  id: string
  name: string
  features: string
  agent_states: string
  version: number
}

export interface ChannelRow {
  user_id: string
  channel: string
  position: number
  state: string
  reason_code: string | null
  since: number
}

export function toChannelState(r: ChannelRow): ChannelState {
  return {
    channel: r.channel,
    state: r.state as AgentStateName,
    reasonCode: r.reason_code,
    since: r.since,
  }
}

export interface UserRow {
  id: string
  contact_center_id: string
  user_name: string
  password_hash: string
  first_name: string
  last_name: string
  roles: string
  place: string | null
}

export interface PlaceRow {
  contact_center_id: string
  name: string
  place_groups: string
}

export interface AgentGroupRow {
  contact_center_id: string
  name: string
  members: string
  supervisors: string
}

export interface WorkbinRow {
  id: string
  contact_center_id: string
  workbin_name: string
  display_name: string
  type: string
}

export interface SessionRow {
  id: string
  user_id: string
  csrf_token: string
  created_at: number
  last_seen_at: number
}

export interface InteractionRow {
  id: string
  contact_center_id: string
  media_type: string
  openmedia_type: string | null
  state: string
  user_data: string
  received_date: string
  received_at: number
  capabilities: string
  owner_user_id: string | null
  workbin_id: string | null
  workbin_owner: string | null
  extra: string
  invited_user_id: string | null
  queue_name: string | null
  invited_by_user_id: string | null
}

export interface QueueRow {
  id: string
  contact_center_id: string
  name: string
  description: string
  channel: string
}

export function toQueue(r: QueueRow): Queue {
  return {
    id: r.id,
    contactCenterId: r.contact_center_id,
    name: r.name,
    description: r.description,
    channel: r.channel,
  }
}

export function toContactCenter(r: ContactCenterRow): ContactCenter {
  const cc: ContactCenter = { id: r.id, name: r.name, features: JSON.parse(r.features) as string[] }
  const states = JSON.parse(r.agent_states) as AgentStateDefinition[]
  if (states.length > 0) cc.agentStates = states
  return cc
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    contactCenterId: r.contact_center_id,
    userName: r.user_name,
    passwordHash: r.password_hash,
    firstName: r.first_name,
    lastName: r.last_name,
    roles: JSON.parse(r.roles) as Role[],
    place: r.place,
  }
}

export function fromUser(u: User): UserRow {
  return {
    id: u.id,
    contact_center_id: u.contactCenterId,
    user_name: u.userName,
    password_hash: u.passwordHash,
    first_name: u.firstName,
    last_name: u.lastName,
    roles: JSON.stringify(u.roles),
    place: u.place,
  }
}

export function toPlace(r: PlaceRow): Place {
  return {
    contactCenterId: r.contact_center_id,
    name: r.name,
    placeGroups: JSON.parse(r.place_groups) as string[],
  }
}

export function toAgentGroup(r: AgentGroupRow): AgentGroup {
  return {
    contactCenterId: r.contact_center_id,
    name: r.name,
    members: JSON.parse(r.members) as string[],
    supervisors: JSON.parse(r.supervisors) as string[],
  }
}

export function toWorkbin(r: WorkbinRow): Workbin {
  return {
    id: r.id,
    contactCenterId: r.contact_center_id,
    workbinName: r.workbin_name,
    displayName: r.display_name,
    type: r.type as WorkbinType,
  }
}

export function toSession(r: SessionRow): HttpSession {
  return {
    id: r.id,
    userId: r.user_id,
    csrfToken: r.csrf_token,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
  }
}

/**
 * The session joined with its user, contact center and the two place_occupants rows that
 * decide the user's place (SESSION_CALLER_SQL). Same columns on both stores.
 */
export interface SessionCallerRow extends SessionRow, Omit<UserRow, 'id'> {
  cc_name: string
  cc_features: string
  cc_agent_states: string
  cc_version: number
  current_place: string | null
  place_occupant: string | null
}

/**
 * The select list and joins of the caller read; the stores add `WHERE s.id = ` and their
 * parameter. place_occupants holds one row per user and one per place, so this is one row.
 */
export const SESSION_CALLER_SQL = `SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at,
    u.contact_center_id, u.user_name, u.password_hash, u.first_name, u.last_name, u.roles, u.place,
    c.name AS cc_name, c.features AS cc_features, c.agent_states AS cc_agent_states,
    c.version AS cc_version, cur.place AS current_place, occ.user_id AS place_occupant
  FROM http_sessions s
  JOIN users u ON u.id = s.user_id
  JOIN contact_centers c ON c.id = u.contact_center_id
  LEFT JOIN place_occupants cur ON cur.user_id = u.id
  LEFT JOIN place_occupants occ ON occ.contact_center_id = u.contact_center_id AND occ.place = u.place`

export function toSessionCaller(r: SessionCallerRow): SessionCaller {
  return {
    session: toSession(r),
    user: toUser({ ...r, id: r.user_id }),
    contactCenter: toContactCenter({
      id: r.contact_center_id,
      name: r.cc_name,
      features: r.cc_features,
      agent_states: r.cc_agent_states,
      version: r.cc_version,
    }),
    directoryVersion: Number(r.cc_version),
    currentPlace: r.current_place,
    placeOccupant: r.place_occupant,
  }
}

/**
 * The location columns; NULLs compare with `IS` in compare-and-set statements. An invitation
 * sets `invited_user_id` and where it returns: `queue_name` (an Offer) or `invited_by_user_id`
 * (a Transfer), never both. Not `owner_user_id`: the transferring agent no longer has it.
 */
export interface LocationColumns {
  owner_user_id: string | null
  workbin_id: string | null
  workbin_owner: string | null
  invited_user_id: string | null
  queue_name: string | null
  invited_by_user_id: string | null
}

const NO_LOCATION: LocationColumns = {
  owner_user_id: null,
  workbin_id: null,
  workbin_owner: null,
  invited_user_id: null,
  queue_name: null,
  invited_by_user_id: null,
}

export function locationColumns(l: InteractionLocation): LocationColumns {
  switch (l.kind) {
    case 'owner':
      return { ...NO_LOCATION, owner_user_id: l.userId }
    case 'workbin':
      return { ...NO_LOCATION, workbin_id: l.workbinId, workbin_owner: l.owner }
    case 'invited':
      return { ...NO_LOCATION, invited_user_id: l.userId, ...returnColumns(l.returnTo) }
    case 'queue':
      return { ...NO_LOCATION, queue_name: l.queue }
    case 'completed':
      return { ...NO_LOCATION }
  }
}

function returnColumns(
  r: InvitationReturn,
): Pick<LocationColumns, 'queue_name' | 'invited_by_user_id'> {
  return r.kind === 'queue'
    ? { queue_name: r.queue, invited_by_user_id: null }
    : { queue_name: null, invited_by_user_id: r.userId }
}

function toReturn(r: LocationColumns): InvitationReturn {
  return r.invited_by_user_id !== null
    ? { kind: 'owner', userId: r.invited_by_user_id }
    : { kind: 'queue', queue: r.queue_name as string }
}

/** The location the columns describe (the inverse of locationColumns). */
export function toLocation(r: LocationColumns): InteractionLocation {
  if (r.owner_user_id !== null) return { kind: 'owner', userId: r.owner_user_id }
  if (r.workbin_id !== null) {
    return { kind: 'workbin', workbinId: r.workbin_id, owner: r.workbin_owner as string }
  }
  if (r.invited_user_id !== null) {
    return { kind: 'invited', userId: r.invited_user_id, returnTo: toReturn(r) }
  }
  if (r.queue_name !== null) return { kind: 'queue', queue: r.queue_name }
  return { kind: 'completed' }
}

export function toInteraction(r: InteractionRow): Interaction {
  return {
    id: r.id,
    contactCenterId: r.contact_center_id,
    mediaType: r.media_type as MediaType,
    openmediaType: r.openmedia_type,
    state: r.state,
    userData: JSON.parse(r.user_data) as UserData,
    receivedDate: r.received_date,
    capabilities: JSON.parse(r.capabilities) as string[],
    location: toLocation(r),
    extra: JSON.parse(r.extra) as Record<string, unknown>,
  }
}

export function fromInteraction(i: Interaction): InteractionRow {
  return {
    id: i.id,
    contact_center_id: i.contactCenterId,
    media_type: i.mediaType,
    openmedia_type: i.openmediaType,
    state: i.state,
    user_data: JSON.stringify(i.userData),
    received_date: i.receivedDate,
    received_at: receivedAt(i.receivedDate),
    capabilities: JSON.stringify(i.capabilities),
    ...locationColumns(i.location),
    extra: JSON.stringify(i.extra),
  }
}

/** ms epoch of a `yyyy-MM-dd HH:mm:ss.SSS±HHmm` date (0 when it does not parse). */
export function receivedAt(date: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)([+-])(\d{2})(\d{2})$/.exec(date)
  const t = m ? Date.parse(`${m[1]}T${m[2]}${m[3]}${m[4]}:${m[5]}`) : NaN
  return Number.isNaN(t) ? 0 : t
}
