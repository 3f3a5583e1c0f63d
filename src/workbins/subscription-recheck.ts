// Subscriptions follow provisioning (docs/workbins-subscriptions.md "Who may do what"). Subscribe
// checks access once; provisioning may take it away later (an agent leaves a group, a supervisor
// loses the role or a group), and the stored subscription would go on delivering the workbin's
// items. So every server, once at start and then each WORKBINS_CREDENTIAL_CHECK_MS, reads each
// contact center's directory version, and when it moved, checks every stored subscription of
// that contact center's users against the current rules (access.ts): those their subscriber
// could no longer make end as Unsubscribe ends them, with an Unsubscribed message.
//
// Ending is a delete: when several servers check at once, only the one whose delete removed a
// row announces it, so the user gets one message. Cost per directory change: one read of the
// contact center's subscriptions, plus place reads for Place and PlaceGroup subscriptions only;
// a turn of the event loop every USERS_PER_TURN subscribers.

import { setImmediate as nextTurn } from 'node:timers/promises'
import { GwsError } from '../errors.ts'
import type { ContactCenter, Directory, Subscription, Workbin, WorkbinInstance } from '../model.ts'
import { resolveInstance, supervisedReach } from './access.ts'
import { indexOf } from './directory-index.ts'
import type { Actor, TargetSpec, WorkbinDeps } from './operation.ts'
import { startPeriodic, type Periodic } from './periodic.ts'
import { placeOf } from './place.ts'
import { endStoredSubscriptions } from './subscriptions.ts'

/** Subscribers checked between two turns of the event loop (SQLite reads may resolve at once). */
const USERS_PER_TURN = 128

type Deps = Pick<WorkbinDeps, 'store' | 'notifier' | 'log'>

export interface SubscriptionRecheck {
  /**
   * One pass over the contact centers whose directory version moved since the last pass of this
   * checker (all of them on the first). Resolves to how many subscriptions it ended.
   */
  run(stopped?: () => boolean): Promise<number>
}

export function subscriptionRecheck(deps: Deps): SubscriptionRecheck {
  const checked = new Map<string, number | undefined>()
  return {
    async run(stopped = () => false) {
      let ended = 0
      for (const cc of await deps.store.listContactCenters()) {
        if (stopped()) break
        try {
          // Read before the directory: a change made meanwhile moves it again for the next pass.
          const version = await deps.store.getDirectoryVersion(cc.id)
          if (checked.has(cc.id) && checked.get(cc.id) === version) continue
          const n = await recheckContactCenter(deps, cc, stopped)
          if (n === undefined) break
          ended += n
          checked.set(cc.id, version)
        } catch (err) {
          // Not recorded as checked: the next period tries this contact center again.
          deps.log.warn(
            { err, contactCenterId: cc.id },
            'subscription check failed; next period retries',
          )
        }
      }
      return ended
    },
  }
}

/** Every server, at start and every `periodMs`; the store must outlive the awaited stop. */
export function startSubscriptionRecheck(deps: Deps, periodMs: number): Periodic {
  const checker = subscriptionRecheck(deps)
  return startPeriodic(
    periodMs,
    (stopped) => checker.run(stopped),
    (ended, ms) => {
      if (ended > 0) deps.log.info({ ended, ms }, 'subscriptions no longer allowed ended')
    },
    deps.log,
    'subscription check failed; next period retries',
  )
}

/** How many subscriptions of the contact center's users it ended; undefined when stopped. */
async function recheckContactCenter(
  deps: Deps,
  contactCenter: ContactCenter,
  stopped: () => boolean,
): Promise<number | undefined> {
  const directory = await deps.store.getDirectory(contactCenter.id)
  if (!directory) return 0
  const byUser = new Map<string, Subscription[]>()
  for (const s of await deps.store.listContactCenterSubscriptions(contactCenter.id)) {
    const listed = byUser.get(s.userId)
    if (listed) listed.push(s)
    else byUser.set(s.userId, [s])
  }
  let ended = 0
  let i = 0
  for (const [userId, listed] of byUser) {
    if (++i % USERS_PER_TURN === 0) {
      await nextTurn()
      if (stopped()) return undefined
    }
    const user = indexOf(directory).userById.get(userId)
    if (!user) continue // removed from the directory: its rows went with it
    const byPlace = listed.some(({ instance }) => {
      const type = indexOf(directory).workbinById.get(instance.workbinId)?.type
      return type === 'Place' || type === 'PlaceGroup'
    })
    // only Place and PlaceGroup workbins depend on where the user works
    const currentPlace = byPlace ? await placeOf(deps.store, user) : null
    const actor: Actor = { user, contactCenter, directory, currentPlace }
    const lost: WorkbinInstance[] = []
    for (const { instance } of listed) {
      if (!(await mayKeep(deps, actor, instance))) lost.push(instance)
    }
    ended += await endStoredSubscriptions(deps, user.id, lost, (instance) =>
      indexOf(directory).workbinById.get(instance.workbinId),
    )
  }
  return ended
}

/** Could the actor subscribe to this instance now, through /me or some `/users/{userId}`? */
async function mayKeep(deps: Deps, actor: Actor, instance: WorkbinInstance): Promise<boolean> {
  const workbin = indexOf(actor.directory).workbinById.get(instance.workbinId)
  if (!workbin || workbin.contactCenterId !== actor.contactCenter.id) return false
  for (const spec of await namings(deps, actor, workbin, instance.owner)) {
    try {
      const resolved = await resolveInstance(deps.store, actor, workbin.id, spec)
      if (resolved.instance.owner === instance.owner) return true
    } catch (err) {
      // A refusal (403, 404, 400) only: a store failure must not end subscriptions.
      if (!(err instanceof GwsError)) throw err
    }
  }
  return false
}

/**
 * The URLs that could have named the instance for the actor, their own first; resolveInstance
 * then applies the rules as at Subscribe. Only users through whom the instance can be reached are
 * tried: the owner of an Agent workbin, the users at a place, the supervised members of a group;
 * for a PlaceGroup workbin a supervisor's members (a place read each, while none qualifies).
 */
async function namings(
  deps: Deps,
  actor: Actor,
  workbin: Workbin,
  owner: string,
): Promise<TargetSpec[]> {
  const self = actor.user.id
  const reach = supervisedReach(actor.directory, actor.user).members
  const others = (ids: Iterable<string>) => [...new Set(ids)].filter((id) => id !== self)
  switch (workbin.type) {
    case 'Agent':
      return [{ userId: owner }]
    case 'Place': {
      // the users whose current place it may be: its occupant, and those whose default it is
      const occupant = await deps.store.getPlaceOccupant(actor.contactCenter.id, owner)
      const atPlace = defaultPlaceUsers(actor.directory).get(owner) ?? []
      return [{}, ...others([...(occupant === null ? [] : [occupant]), ...atPlace]).map(byUser)]
    }
    case 'AgentGroup': {
      const group = indexOf(actor.directory).agentGroupByName.get(owner)
      if (!group) return []
      const members = indexOf(actor.directory).membersOf.get(owner) ?? new Set<string>()
      const via = others([...members, ...group.supervisors]).filter((id) => reach.has(id))
      return [{ agentGroup: owner }, ...via.map((id) => ({ userId: id, agentGroup: owner }))]
    }
    case 'PlaceGroup':
      // a supervisor through a member working at one of the group's places
      return [
        { placeGroup: owner },
        ...others(reach).map((id) => ({ userId: id, placeGroup: owner })),
      ]
  }
}

function byUser(userId: string): TargetSpec {
  return { userId }
}

/** Ids of the users whose default place it is, per place; built once per directory snapshot. */
const defaultPlaces = new WeakMap<Directory, Map<string, string[]>>()

function defaultPlaceUsers(directory: Directory): Map<string, string[]> {
  let byPlace = defaultPlaces.get(directory)
  if (!byPlace) {
    byPlace = new Map()
    for (const u of directory.users) {
      if (u.place === null) continue
      const ids = byPlace.get(u.place)
      if (ids) ids.push(u.id)
      else byPlace.set(u.place, [u.id])
    }
    defaultPlaces.set(directory, byPlace)
  }
  return byPlace
}
