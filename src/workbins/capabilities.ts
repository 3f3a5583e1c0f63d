// Capabilities of an interaction, per state and media type, as the GWS media resources list
// them (Web Services API → Workitem API, E-mail API, Chat API, ...). An interaction an agent
// handles (`Processing`) lists what its handler may do next; one offered (`Invited`) may only
// be accepted or rejected; one in a workbin, a queue or completed has none
// (docs/interactions.md "Capabilities"). Used by the operations, by Pull and by provisioning.

import type { MediaType } from '../model.ts'

const USER_DATA = ['AttachUserData', 'UpdateUserData', 'DeleteUserData'] as const
const HANDLING = ['Transfer', 'PlaceInQueue', ...USER_DATA, 'SetInFocus', 'Complete'] as const

export const DEFAULT_CAPABILITIES: Readonly<Record<MediaType, readonly string[]>> = {
  workitem: [...HANDLING],
  openmedia: [...HANDLING],
  email: ['Reply', 'ReplyAll', ...HANDLING],
  chat: ['SendMessage', 'SendTypingStarted', 'SendTypingStopped', ...HANDLING],
  facebook: ['Reply', ...HANDLING],
  tweet: ['Reply', 'Retweet', ...HANDLING],
  facebooksession: ['SendMessage', ...HANDLING],
}

/** What the handler of a `Processing` interaction may do. */
export function defaultCapabilities(mediaType: MediaType): string[] {
  return [...DEFAULT_CAPABILITIES[mediaType]]
}

/** What the agent an interaction is offered to (`Invited`) may do. */
export const INVITED_CAPABILITIES: readonly string[] = ['Accept', 'Reject']
