// Lookup tables over one directory snapshot, so that access checks cost the same in a contact
// center of 10 users or 10,000 (docs/security.md "Access checks at scale").
//
// A Directory object is immutable and shared by every request while its version is unchanged
// (access.ts caches it per contact center and version), so its index is built once, on first
// use, and kept beside it in a WeakMap: a new version is a new object and gets a new index; the
// old one goes with the old snapshot.
//
// What a supervisor may see through their groups (the users, their default places and those
// places' place groups) is computed on their first check and kept per supervisor.

import type { AgentGroup, Directory, Place, User, Workbin, WorkbinType } from '../model.ts'

/** What one supervisor reaches through the agent groups they supervise. */
export interface SupervisedReach {
  groups: AgentGroup[]
  /** Ids of the members of those groups. */
  members: ReadonlySet<string>
  /** The members' default places. */
  places: ReadonlySet<string>
  /** The place groups of those places. */
  placeGroups: ReadonlySet<string>
}

export interface DirectoryIndex {
  userById: ReadonlyMap<string, User>
  userByName: ReadonlyMap<string, User>
  placeByName: ReadonlyMap<string, Place>
  placeGroupNames: ReadonlySet<string>
  agentGroupByName: ReadonlyMap<string, AgentGroup>
  /** Member ids per agent group name. */
  membersOf: ReadonlyMap<string, ReadonlySet<string>>
  workbinById: ReadonlyMap<string, Workbin>
  /** The contact center's own workbins per type, in directory order. */
  workbinsOfType: ReadonlyMap<WorkbinType, readonly Workbin[]>
  /** Reach of a supervisor (by user id); the empty reach for anyone who supervises nothing. */
  reachOf(supervisorId: string): SupervisedReach
}

const indexes = new WeakMap<Directory, DirectoryIndex>()

/** The index of this directory snapshot (built on first use). */
export function indexOf(directory: Directory): DirectoryIndex {
  let index = indexes.get(directory)
  if (!index) {
    index = buildIndex(directory)
    indexes.set(directory, index)
  }
  return index
}

const NO_REACH: SupervisedReach = {
  groups: [],
  members: new Set(),
  places: new Set(),
  placeGroups: new Set(),
}

function buildIndex(directory: Directory): DirectoryIndex {
  const ccId = directory.contactCenter.id
  const userById = new Map(directory.users.map((u) => [u.id, u]))
  const userByName = new Map(directory.users.map((u) => [u.userName, u]))
  const placeByName = new Map(directory.places.map((p) => [p.name, p]))
  const agentGroupByName = new Map(directory.agentGroups.map((g) => [g.name, g]))
  const membersOf = new Map(directory.agentGroups.map((g) => [g.name, new Set(g.members)]))
  const workbinById = new Map(directory.workbins.map((w) => [w.id, w]))
  const workbinsOfType = new Map<WorkbinType, Workbin[]>()
  for (const w of directory.workbins) {
    if (w.contactCenterId !== ccId) continue
    const list = workbinsOfType.get(w.type) ?? []
    list.push(w)
    workbinsOfType.set(w.type, list)
  }
  const groupsBySupervisor = new Map<string, AgentGroup[]>()
  for (const g of directory.agentGroups) {
    for (const s of g.supervisors) {
      const list = groupsBySupervisor.get(s) ?? []
      list.push(g)
      groupsBySupervisor.set(s, list)
    }
  }
  const reaches = new Map<string, SupervisedReach>()
  function reachOf(supervisorId: string): SupervisedReach {
    const groups = groupsBySupervisor.get(supervisorId)
    if (!groups) return NO_REACH
    let reach = reaches.get(supervisorId)
    if (!reach) {
      const members = new Set<string>()
      const places = new Set<string>()
      const placeGroups = new Set<string>()
      for (const g of groups) {
        for (const id of g.members) {
          if (members.has(id)) continue
          members.add(id)
          const place = userById.get(id)?.place
          if (place == null || places.has(place)) continue
          places.add(place)
          for (const pg of placeByName.get(place)?.placeGroups ?? []) placeGroups.add(pg)
        }
      }
      reach = { groups, members, places, placeGroups }
      reaches.set(supervisorId, reach)
    }
    return reach
  }
  return {
    userById,
    userByName,
    placeByName,
    placeGroupNames: new Set(directory.placeGroups.map((g) => g.name)),
    agentGroupByName,
    membersOf,
    workbinById,
    workbinsOfType,
    reachOf,
  }
}
