// Capabilities given to an interaction an agent owns (state `Processing`), per media type.
// Taken from the GWS media resources (WorkitemResource, EmailResource, ...); an interaction
// sitting in a workbin has none (docs/workbins-content.md). The domain can reuse this list
// when a pull hands an interaction back to an agent.

import type { MediaType } from '../model.ts'

const USER_DATA = ['AttachUserData', 'UpdateUserData', 'DeleteUserData'] as const

export const DEFAULT_CAPABILITIES: Readonly<Record<MediaType, readonly string[]>> = {
  workitem: ['Accept', 'Reject', 'Transfer', ...USER_DATA, 'SetInFocus', 'Complete'],
  openmedia: ['Accept', 'Reject', 'Transfer', ...USER_DATA, 'SetInFocus', 'Complete'],
  email: ['Reply', 'ReplyAll', 'Transfer', ...USER_DATA, 'SetInFocus', 'Complete'],
  chat: [
    'SendMessage',
    'SendTypingStarted',
    'SendTypingStopped',
    'Transfer',
    ...USER_DATA,
    'SetInFocus',
    'Complete',
  ],
  facebook: ['Reply', 'Transfer', ...USER_DATA, 'SetInFocus', 'Complete'],
  tweet: ['Reply', 'Retweet', 'Transfer', ...USER_DATA, 'SetInFocus', 'Complete'],
  facebooksession: ['SendMessage', 'Transfer', ...USER_DATA, 'SetInFocus', 'Complete'],
}

export function defaultCapabilities(mediaType: MediaType): string[] {
  return [...DEFAULT_CAPABILITIES[mediaType]]
}
