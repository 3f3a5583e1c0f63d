// RequestAgentStats (docs/workbins-content.md "RequestAgentStats"): item counts per workbin, answered
// asynchronously. HTTP `{statusCode:0, referenceId}`; then, on the caller's `/v2/me/workbins`:
//
//   {"messageType":"WorkbinStatsMessage","referenceId":N,
//    "workbinStats":{"<workbinId>":{"Count":n,"Owner":"<owner>","Type":"<type>"}}}
//
// Which instances:
//   no workbinType / no workbinOwner  → the caller's Agent workbins (Owner = caller's user id)
//   workbinType Agent [+ workbinOwner] → that user's Agent workbins (user id or userName;
//                                         visibility as `/users/{userId}`)
//   workbinType Place [+ workbinOwner] → the Place workbins of that place (default: the
//                                         caller's current place). A place is visible to
//                                         admin/apiuser, to whoever sits there, and to a
//                                         supervisor of an agent whose default place it is.
//   workbinType AgentGroup / PlaceGroup + workbinOwner (required) → that group's workbins,
//                                         visibility as `?agentGroup=` / `?placeGroup=`.
// Errors (synchronous, nothing sent): bad workbinType 400/2; workbinOwner without workbinType,
// or a group type without workbinOwner 400/1; unknown owner 404/6; not visible 403/5.

import type { Workbin, WorkbinInstance, WorkbinType } from '../model.ts'
import { WORKBIN_TYPES } from '../model.ts'
import { errors } from '../errors.ts'
import { isAdmin, resolveInstance, resolveTargetUser, supervisedReach } from './access.ts'
import { indexOf } from './directory-index.ts'
import { WORKBINS_CHANNEL } from './notifier.ts'
import type { Actor, OperationReply, WorkbinDeps } from './operation.ts'

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key]
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string') throw errors.invalid(`Parameter ${key} must be a string`)
  return v
}

function placeVisible(actor: Actor, place: string): boolean {
  if (isAdmin(actor.user) || actor.currentPlace === place) return true
  // a supervisor sees the default places of the agents they supervise
  return supervisedReach(actor.directory, actor.user).places.has(place)
}

/** The instances whose counts are asked for (validated and authorized). */
async function statsInstances(
  deps: WorkbinDeps,
  actor: Actor,
  type: WorkbinType,
  owner: string | undefined,
): Promise<{ workbin: Workbin; instance: WorkbinInstance }[]> {
  const index = indexOf(actor.directory)
  const ofType = index.workbinsOfType.get(type) ?? []
  switch (type) {
    case 'Agent': {
      let userId = actor.user.id
      if (owner !== undefined) {
        const named = index.userById.get(owner) ?? index.userByName.get(owner)
        if (!named) throw errors.notFound(`User ${owner} not found`)
        userId = resolveTargetUser(actor, named.id).id
      }
      return ofType.map((workbin) => ({
        workbin,
        instance: { workbinId: workbin.id, owner: userId },
      }))
    }
    case 'Place': {
      const place = owner ?? actor.currentPlace
      if (place === null) throw errors.missing('workbinOwner (no current place is set)')
      if (!index.placeByName.has(place)) throw errors.notFound(`Place ${place} not found`)
      if (!placeVisible(actor, place)) {
        throw errors.noPermission(`You do not have permission to use place ${place}`)
      }
      return ofType.map((workbin) => ({
        workbin,
        instance: { workbinId: workbin.id, owner: place },
      }))
    }
    case 'AgentGroup':
    case 'PlaceGroup': {
      if (owner === undefined) throw errors.missing('workbinOwner')
      const exists =
        type === 'AgentGroup' ? index.agentGroupByName.has(owner) : index.placeGroupNames.has(owner)
      if (!exists)
        throw errors.notFound(
          `${type === 'AgentGroup' ? 'Agent' : 'Place'} group ${owner} not found`,
        )
      const spec = type === 'AgentGroup' ? { agentGroup: owner } : { placeGroup: owner }
      const out = []
      // Same visibility as `?agentGroup=` / `?placeGroup=` on each workbin (access.ts).
      for (const w of ofType) out.push(await resolveInstance(deps.store, actor, w.id, spec))
      return out
    }
  }
}

/** `POST /workbins {"operationName":"RequestAgentStats", ...}`. */
export async function requestAgentStats(ctx: {
  actor: Actor
  body: Record<string, unknown>
  deps: WorkbinDeps
}): Promise<OperationReply> {
  const { actor, body, deps } = ctx
  const rawType = optionalString(body, 'workbinType')
  const owner = optionalString(body, 'workbinOwner')
  if (rawType !== undefined && !WORKBIN_TYPES.includes(rawType as WorkbinType)) {
    throw errors.invalid(`Parameter workbinType must be one of ${WORKBIN_TYPES.join(', ')}`)
  }
  if (rawType === undefined && owner !== undefined) throw errors.missing('workbinType')
  const type = (rawType ?? 'Agent') as WorkbinType

  const instances = await statsInstances(deps, actor, type, owner)
  const counts = await deps.store.countWorkbinContent(
    actor.contactCenter.id,
    instances.map((i) => i.instance),
  )
  const [referenceId] = await deps.store.nextReferenceIds(actor.user.id, 1)
  if (referenceId === undefined) throw errors.internal('No reference id')

  const workbinStats: Record<string, { Count: number; Owner: string; Type: WorkbinType }> = {}
  instances.forEach(({ workbin, instance }, i) => {
    workbinStats[workbin.id] = { Count: counts[i] ?? 0, Owner: instance.owner, Type: workbin.type }
  })
  deps.notifier.deliverToUser(actor.user.id, WORKBINS_CHANNEL, {
    messageType: 'WorkbinStatsMessage',
    referenceId,
    workbinStats,
  })
  return { statusCode: 0, referenceId }
}
