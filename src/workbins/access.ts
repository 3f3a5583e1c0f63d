// Who may use which workbin instance (docs/workbins-subscriptions.md "Who may do what",
// "Errors").
//
// Two entry points, shared by Subscribe/Unsubscribe and the content operations:
//
//   actorFor(store, user, contactCenter)           → Actor (directory snapshot + current place)
//   resolveInstance(store, actor, workbinId, spec) → ResolvedInstance, or throws GwsError
//
// plus resolveInstances (all-or-nothing, for `?workbinIds=a,b`) and resolveTargetUser (for
// `/users/{userId}/...` URLs without a workbin, e.g. the list). `store` is needed only to read the
// current place of another user (Place workbins via `/users/{userId}`).
//
// The rules:
//   - agent: their own Agent workbins, the Place workbins of their current place (place.ts: the
//     place they occupy, else their default place unless another agent occupies it), AgentGroup
//     workbins of their agent groups, PlaceGroup workbins of their current place's place groups;
//   - supervisor: additionally `/users/{userId}` for members of the agent groups they supervise,
//     those groups' workbins, and PlaceGroup workbins of their supervised members' places;
//   - admin / apiuser: every user and group of their contact center;
//   - anyone: `/users/{ownId}` is the same as `/me`;
//   - never across contact centers: a workbin or user of another contact center is "not found".
//
// Errors:
//   unknown workbin (or one of another contact center)           404 / 6
//   unknown user in `/users/{userId}`                             404 / 6
//   user not visible to the caller                                403 / 5
//   group parameter on a non-group workbin, both group params,
//   missing group parameter on a group workbin, unknown group     400 / 2
//   a group the caller (or the named user) may not use           403 / 5
//   Place workbin while the owner has no current place           400 / 2

import type {
  AgentGroup,
  ContactCenter,
  Directory,
  Interaction,
  SessionCaller,
  User,
  Workbin,
} from '../model.ts'
import type { Store } from '../store/store.ts'
import { errors } from '../errors.ts'
import type { Actor, ResolvedInstance, TargetSpec } from './operation.ts'
import { indexOf, type SupervisedReach } from './directory-index.ts'
import { placeFrom, placeOf, type PlaceReader } from './place.ts'

// --- Actor ----------------------------------------------------------------------------------

/** Directory snapshots per store and contact center, reused while the version is unchanged. */
const directoryCache = new WeakMap<object, Map<string, Directory>>()

async function loadDirectory(
  store: Pick<Store, 'getDirectory' | 'getDirectoryVersion'>,
  contactCenterId: string,
  knownVersion: number | undefined,
): Promise<Directory> {
  let perStore = directoryCache.get(store)
  if (!perStore) {
    perStore = new Map()
    directoryCache.set(store, perStore)
  }
  const version = knownVersion ?? (await store.getDirectoryVersion(contactCenterId))
  const cached = perStore.get(contactCenterId)
  if (cached && version !== undefined && cached.version === version) return cached
  const directory = await store.getDirectory(contactCenterId)
  if (!directory) throw errors.internal('Contact center configuration is not available')
  perStore.set(contactCenterId, directory)
  return directory
}

/**
 * The authenticated user with a snapshot of their contact center's configuration. `known`: the
 * directory version and place facts read with the session (Store.getSessionCaller), which
 * spare the reads here.
 */
export async function actorFor(
  store: Pick<Store, 'getDirectory' | 'getDirectoryVersion'> & PlaceReader,
  user: User,
  contactCenter: ContactCenter,
  known?: SessionCaller,
): Promise<Actor> {
  const fresh = known !== undefined && known.user.id === user.id ? known : undefined
  const directory = await loadDirectory(store, contactCenter.id, fresh?.directoryVersion)
  // the directory's copy carries the roles and place of the latest provisioning
  const current = indexOf(directory).userById.get(user.id) ?? user
  // the facts answer for the default place they were read with; a provisioning change since
  // (a directory newer than the row) asks again
  const currentPlace =
    fresh && fresh.user.place === current.place
      ? placeFrom(current, fresh.currentPlace, fresh.placeOccupant)
      : await placeOf(store, current)
  return { user: current, contactCenter, directory, currentPlace }
}

// --- roles and relations --------------------------------------------------------------------

/** `admin` and `apiuser` act on every user and group of their contact center. */
export function isAdmin(user: User): boolean {
  return user.roles.includes('admin') || user.roles.includes('apiuser')
}

export function isSupervisor(user: User): boolean {
  return user.roles.includes('supervisor')
}

/** Agent groups the user supervises (empty unless they have the supervisor role). */
export function supervisedGroups(directory: Directory, user: User): AgentGroup[] {
  return supervisedReach(directory, user).groups
}

/** The members, places and place groups the user supervises (empty without the role). */
export function supervisedReach(directory: Directory, user: User): SupervisedReach {
  return indexOf(directory).reachOf(isSupervisor(user) ? user.id : '')
}

/** May `actor` act on `/users/{target.id}`? */
export function canActOnUser(actor: Actor, target: User): boolean {
  if (target.contactCenterId !== actor.contactCenter.id) return false
  if (target.id === actor.user.id) return true
  if (isAdmin(actor.user)) return true
  return supervisedReach(actor.directory, actor.user).members.has(target.id)
}

/**
 * The user a request is about: the caller for `/me/...` and `/workbins/...`, else the user named
 * by `/users/{userId}`. Throws 404/6 for an unknown user (or one of another contact center) and
 * 403/5 for one the caller may not act on.
 */
export function resolveTargetUser(actor: Actor, userId: string | undefined): User {
  if (userId === undefined || userId === actor.user.id) return actor.user
  const target = indexOf(actor.directory).userById.get(userId)
  // nothing is visible across contact centers: "not found", not "forbidden"
  if (!target || target.contactCenterId !== actor.contactCenter.id) {
    throw errors.notFound(`User ${userId} not found`)
  }
  if (!canActOnUser(actor, target)) {
    throw errors.noPermission(`You do not have permission to act on user ${userId}`)
  }
  return target
}

/** May `user` (the caller or the named user) use the AgentGroup workbins of `group`? */
function mayUseAgentGroup(actor: Actor, user: User, group: AgentGroup): boolean {
  if (indexOf(actor.directory).membersOf.get(group.name)?.has(user.id) === true) return true
  if (user.roles.includes('supervisor') && group.supervisors.includes(user.id)) return true
  // admin/apiuser callers use every group of their contact center through /me
  return user.id === actor.user.id && isAdmin(actor.user)
}

/** Place groups of a place (by name), in this directory. */
function placeGroupsOf(directory: Directory, place: string | null): string[] {
  if (place === null) return []
  return indexOf(directory).placeByName.get(place)?.placeGroups ?? []
}

/** May `user` (whose current place is `place`) use the PlaceGroup workbins of `placeGroup`? */
function mayUsePlaceGroup(
  actor: Actor,
  user: User,
  place: string | null,
  placeGroup: string,
): boolean {
  if (placeGroupsOf(actor.directory, place).includes(placeGroup)) return true
  if (user.id !== actor.user.id) return false
  if (isAdmin(actor.user)) return true
  // a supervisor watches the place groups of the places of the agents they supervise
  // (their default places: the directory does not hold other users' current places)
  return supervisedReach(actor.directory, actor.user).placeGroups.has(placeGroup)
}

// --- interactions an agent handles ---------------------------------------------------------

/** The interaction is handled by `user` (Processing) or offered to them (Invited). */
export function ownsInteraction(user: User, ix: Interaction): boolean {
  const l = ix.location
  return (l.kind === 'owner' || l.kind === 'invited') && l.userId === user.id
}

/**
 * Who may read an interaction at its `uri` (`/workitems/{id}`, ...): its owner, and admin /
 * apiuser for any interaction of their contact center. One in a workbin is read through the
 * workbin instead.
 */
export function canSeeInteraction(user: User, ix: Interaction): boolean {
  return isAdmin(user) || ownsInteraction(user, ix)
}

// --- instances ------------------------------------------------------------------------------

/**
 * The workbin definition `workbinId` of the actor's contact center; 404 / 6 when there is none.
 * A workbin's `workbinName` is accepted too (desktops are configured with names): an id wins,
 * and a name counts only when exactly one workbin of the contact center has it (docs/api.md).
 */
export function findWorkbin(actor: Actor, workbinId: string): Workbin {
  const ccId = actor.contactCenter.id
  let workbin = indexOf(actor.directory).workbinById.get(workbinId)
  if (workbin && workbin.contactCenterId !== ccId) workbin = undefined
  if (!workbin) {
    const named = actor.directory.workbins.filter(
      (w) => w.workbinName === workbinId && w.contactCenterId === ccId,
    )
    if (named.length === 1) workbin = named[0]
  }
  if (!workbin) {
    throw errors.notFound(`Workbin ${workbinId} not found`)
  }
  return workbin
}

/** The current place of `target`: the actor's own, or (for another user) read from the store. */
async function currentPlaceOf(
  store: PlaceReader,
  actor: Actor,
  target: User,
): Promise<string | null> {
  if (target.id === actor.user.id) return actor.currentPlace
  return placeOf(store, target)
}

function resolveFor(
  actor: Actor,
  target: User,
  targetPlace: () => Promise<string | null>,
  workbin: Workbin,
  spec: TargetSpec,
): Promise<ResolvedInstance> | ResolvedInstance {
  const hasAgentGroup = spec.agentGroup !== undefined
  const hasPlaceGroup = spec.placeGroup !== undefined
  // `workbinUserId` only on /users/{userId}/... requests
  const byUser = spec.userId !== undefined ? { workbinUserId: target.id } : {}

  switch (workbin.type) {
    case 'Agent':
    case 'Place': {
      if (hasAgentGroup || hasPlaceGroup) {
        const param = hasAgentGroup ? 'agentGroup' : 'placeGroup'
        throw errors.invalid(
          `Parameter ${param} is not valid for ${workbin.type} workbin ${workbin.id}`,
        )
      }
      if (workbin.type === 'Agent') {
        return { workbin, instance: { workbinId: workbin.id, owner: target.id }, ...byUser }
      }
      return targetPlace().then((place) => {
        if (place === null) {
          throw errors.invalid(`Place workbin ${workbin.id} needs a current place; none is set`)
        }
        return { workbin, instance: { workbinId: workbin.id, owner: place }, ...byUser }
      })
    }
    case 'AgentGroup': {
      if (hasPlaceGroup) {
        throw errors.invalid(
          `Parameter placeGroup is not valid for AgentGroup workbin ${workbin.id}`,
        )
      }
      const name = spec.agentGroup
      if (name === undefined || name === '') {
        throw errors.invalid(`AgentGroup workbin ${workbin.id} needs the agentGroup parameter`)
      }
      const group = indexOf(actor.directory).agentGroupByName.get(name)
      if (!group) throw errors.invalid(`Agent group ${name} not found`)
      if (!mayUseAgentGroup(actor, target, group)) {
        throw errors.noPermission(`You do not have permission to use agent group ${name}`)
      }
      return {
        workbin,
        instance: { workbinId: workbin.id, owner: group.name },
        ...byUser,
        agentGroup: group.name,
      }
    }
    case 'PlaceGroup': {
      if (hasAgentGroup) {
        throw errors.invalid(
          `Parameter agentGroup is not valid for PlaceGroup workbin ${workbin.id}`,
        )
      }
      const name = spec.placeGroup
      if (name === undefined || name === '') {
        throw errors.invalid(`PlaceGroup workbin ${workbin.id} needs the placeGroup parameter`)
      }
      if (!indexOf(actor.directory).placeGroupNames.has(name)) {
        throw errors.invalid(`Place group ${name} not found`)
      }
      return targetPlace().then((place) => {
        if (!mayUsePlaceGroup(actor, target, place, name)) {
          throw errors.noPermission(`You do not have permission to use place group ${name}`)
        }
        return {
          workbin,
          instance: { workbinId: workbin.id, owner: name },
          ...byUser,
          placeGroup: name,
        }
      })
    }
  }
}

/**
 * Resolve and authorize one workbin instance named by a URL: `/me/workbins/{id}` and
 * `/workbins/{id}` (spec.userId undefined), `/users/{userId}/workbins/{id}`, with optional
 * `agentGroup` / `placeGroup`. Throws GwsError (see the table at the top of this file).
 */
export async function resolveInstance(
  store: PlaceReader,
  actor: Actor,
  workbinId: string,
  spec: TargetSpec,
): Promise<ResolvedInstance> {
  const target = resolveTargetUser(actor, spec.userId)
  const workbin = findWorkbin(actor, workbinId)
  return resolveFor(actor, target, () => currentPlaceOf(store, actor, target), workbin, spec)
}

/**
 * Resolve several workbins for one target (`?workbinIds=a,b`). All-or-nothing (docs/api.md "Conventions"): the
 * first unknown or forbidden workbin throws and nothing is returned; an unknown id (404) is
 * reported before any other error. Duplicate ids must already be removed (parseWorkbinIds).
 *
 * A list may mix types, so `agentGroup` applies to the AgentGroup workbins of the list and
 * `placeGroup` to the PlaceGroup ones; a group parameter that fits none of them is 400 / 2, and a
 * group workbin without its parameter is 400 / 2 as for one workbin.
 */
export async function resolveInstances(
  store: PlaceReader,
  actor: Actor,
  workbinIds: readonly string[],
  spec: TargetSpec,
): Promise<ResolvedInstance[]> {
  const target = resolveTargetUser(actor, spec.userId)
  let place: Promise<string | null> | undefined
  const targetPlace = (): Promise<string | null> => (place ??= currentPlaceOf(store, actor, target))
  const workbins = workbinIds.map((id) => findWorkbin(actor, id))
  for (const [param, type] of [
    ['agentGroup', 'AgentGroup'],
    ['placeGroup', 'PlaceGroup'],
  ] as const) {
    if (spec[param] !== undefined && !workbins.some((w) => w.type === type)) {
      throw errors.invalid(`Parameter ${param} fits none of the workbins named by workbinIds`)
    }
  }
  const out: ResolvedInstance[] = []
  for (const workbin of workbins) {
    const own: TargetSpec = { userId: spec.userId }
    if (workbin.type === 'AgentGroup') own.agentGroup = spec.agentGroup
    if (workbin.type === 'PlaceGroup') own.placeGroup = spec.placeGroup
    out.push(await resolveFor(actor, target, targetPlace, workbin, own))
  }
  return out
}
