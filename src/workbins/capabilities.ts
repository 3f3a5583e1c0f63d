// Capabilities given to an interaction an agent owns (state `Processing`), per media type, as
// the GWS media resources list them (Web Services API → Media: WorkitemResource, EmailResource,
// ...). An interaction sitting in a workbin has none (docs/workbins-content.md). Used by Pull
// and by provisioning.

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
