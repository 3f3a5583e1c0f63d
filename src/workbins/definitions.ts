// Workbin definitions as GWS JSON (docs/workbins-subscriptions.md "List workbins", "Get one
// workbin") and the list conventions of docs/api.md "Conventions".

import type { Workbin } from '../model.ts'
import { parseFields, pickFields } from '../fields.ts'
import type { Actor, OperationReply } from './operation.ts'

/** The wire shape of a workbin (`workbinName`, not the `name` of one GWS docs sample). */
export interface WorkbinResource {
  workbinName: string
  id: string
  displayName: string
  /** Absolute, always `<publicUrl>/workbins/{id}`, also when listed via /me. */
  uri: string
  type: Workbin['type']
}

export function workbinUri(base: string, workbinId: string): string {
  return `${base}/workbins/${encodeURIComponent(workbinId)}`
}

export function workbinResource(base: string, workbin: Workbin): WorkbinResource {
  return {
    workbinName: workbin.workbinName,
    id: workbin.id,
    displayName: workbin.displayName,
    uri: workbinUri(base, workbin.id),
    type: workbin.type,
  }
}

/** Fields of WorkbinResource: the names `fields=` may select and query filters may test. */
export const WORKBIN_FIELDS: readonly (keyof WorkbinResource)[] = [
  'workbinName',
  'id',
  'displayName',
  'uri',
  'type',
]

/**
 * Which definitions a list shows: `/workbins` every workbin of the contact
 * center; `/me/workbins` and `/users/{userId}/workbins` the Agent and Place workbins (the ones
 * owned per user; group workbins need a group parameter and are listed by `/workbins`).
 */
export function listedWorkbins(actor: Actor, scope: 'contactCenter' | 'user'): Workbin[] {
  const all = actor.directory.workbins.filter((w) => w.contactCenterId === actor.contactCenter.id)
  if (scope === 'contactCenter') return all
  return all.filter((w) => w.type === 'Agent' || w.type === 'Place')
}

/**
 * A list reply (docs/api.md "Conventions"): without `fields` `{statusCode:0, uris:[...]}`, with `fields=*`
 * `{statusCode:0, workbins:[...]}`, with `fields=a,b` only those fields. Query parameters named
 * like a field filter the list (`?type=Agent`); several filters combine.
 */
export function workbinListReply(
  base: string,
  workbins: readonly Workbin[],
  query: Record<string, unknown>,
): OperationReply {
  const fields = parseFields(query.fields)
  let resources = workbins.map((w) => workbinResource(base, w))
  for (const f of WORKBIN_FIELDS) {
    const want = query[f]
    if (want === undefined) continue
    const values = (Array.isArray(want) ? want : [want]).map(String)
    resources = resources.filter((r) => values.includes(r[f]))
  }
  if (fields === undefined) return { statusCode: 0, uris: resources.map((r) => r.uri) }
  return { statusCode: 0, workbins: resources.map((r) => pickFields(r, fields)) }
}

/** One workbin (`{statusCode:0, workbin:{...}}`); `fields=a,b` selects fields. */
export function workbinReply(
  base: string,
  workbin: Workbin,
  query: Record<string, unknown>,
): OperationReply {
  return {
    statusCode: 0,
    workbin: pickFields(workbinResource(base, workbin), parseFields(query.fields)),
  }
}
