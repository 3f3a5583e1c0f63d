// Capabilities of an interaction: "an array of operation names that are valid for the current
// state" (GWS Chat resource page). They are derived from the operations this server implements
// on an interaction (INTERACTION_OPERATIONS), so a desktop that enables its buttons from them
// never offers one the server refuses as unknown. An interaction an agent handles
// (`Processing`) lists what its handler may do next; one offered (`Invited`) may only be
// accepted or rejected; one in a workbin, a queue or completed has none. The GWS operations
// this server does not implement (Reply, SendMessage, SetInFocus, ...) are never listed
// (docs/interactions.md "Out of scope"). Used by the operations, Pull, provisioning and the
// resource renderer.

import { MEDIA_TYPES, type Interaction, type MediaType } from '../model.ts'

/**
 * The operations on an interaction (`POST /me/workitems/{id}`, ...) and where the caller's
 * interaction must be for each: offered to them (`invited`) or handled by them (`owner`).
 * In the order GWS lists capabilities.
 */
export const INTERACTION_OPERATIONS = {
  Accept: 'invited',
  Reject: 'invited',
  Transfer: 'owner',
  PlaceInQueue: 'owner',
  AttachUserData: 'owner',
  UpdateUserData: 'owner',
  DeleteUserData: 'owner',
  Complete: 'owner',
} as const satisfies Record<string, 'invited' | 'owner'>

export type InteractionOperationName = keyof typeof INTERACTION_OPERATIONS

export function isInteractionOperation(name: string): name is InteractionOperationName {
  return Object.hasOwn(INTERACTION_OPERATIONS, name)
}

function needing(kind: 'invited' | 'owner'): readonly string[] {
  const names = Object.keys(INTERACTION_OPERATIONS) as InteractionOperationName[]
  return names.filter((n) => INTERACTION_OPERATIONS[n] === kind)
}

const HANDLING = needing('owner')

/** What the handler of a `Processing` interaction may do, per media (the same for every one). */
export const DEFAULT_CAPABILITIES: Readonly<Record<MediaType, readonly string[]>> =
  Object.fromEntries(MEDIA_TYPES.map((m) => [m, HANDLING])) as Record<MediaType, readonly string[]>

/** What the handler of a `Processing` interaction may do. */
export function defaultCapabilities(mediaType: MediaType): string[] {
  return [...DEFAULT_CAPABILITIES[mediaType]]
}

/** What the agent an interaction is offered to (`Invited`) may do. */
export const INVITED_CAPABILITIES: readonly string[] = needing('invited')

/**
 * The capabilities an interaction's resource shows: those stored with it that the server
 * accepts where it is now. Stored lists may predate this rule (an older version, or a
 * provisioning document), and must not advertise what would be refused.
 */
export function advertisedCapabilities(ix: Interaction): string[] {
  const kind = ix.location.kind
  const valid =
    kind === 'owner'
      ? DEFAULT_CAPABILITIES[ix.mediaType]
      : kind === 'invited'
        ? INVITED_CAPABILITIES
        : []
  return ix.capabilities.filter((c) => valid.includes(c))
}
