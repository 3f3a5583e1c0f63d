// Interactions as GWS JSON (docs/workbins-content.md "Interaction resources") and the names each media type goes by on the wire:
// the collection key of a list (`emails`), the key of the interaction inside a
// WorkbinStateChangeMessage (`emailStateResourceV2`), the URL segments of
// `.../workbins/{id}/{mediaType}` and the `subresources=` values.

import type { Interaction, MediaType } from '../model.ts'
import { MEDIA_TYPES } from '../model.ts'
import { errors } from '../errors.ts'
import { pickFields, type Fields } from '../fields.ts'
import { advertisedCapabilities } from './capabilities.ts'

export interface MediaInfo {
  /** Key of a list of this media (`{"statusCode":0,"emails":[...]}`, workbin content arrays). */
  collection: string
  /** Key of one item (`{"statusCode":0,"email":{...}}`). */
  single: string
  /** Key inside a WorkbinStateChangeMessage. */
  stateResource: string
  /** The media-specific direction/type field (`chatType: "Inbound"`), if the media has one. */
  typeField: string | undefined
  /** The word used in operation names: AddEmail / PullEmail. */
  operationWord: string
}

// Emails, chats, workitems and the email/chat/facebook StateResourceV2 keys are as documented by
// GWS; the other media follow the same pattern.
export const MEDIA: Record<MediaType, MediaInfo> = {
  email: {
    collection: 'emails',
    single: 'email',
    stateResource: 'emailStateResourceV2',
    typeField: undefined,
    operationWord: 'Email',
  },
  chat: {
    collection: 'chats',
    single: 'chat',
    stateResource: 'chatStateResourceV2',
    typeField: 'chatType',
    operationWord: 'Chat',
  },
  workitem: {
    collection: 'workitems',
    single: 'workitem',
    stateResource: 'workitemStateResourceV2',
    typeField: 'workitemType',
    operationWord: 'Workitem',
  },
  openmedia: {
    collection: 'openmedia',
    single: 'openmedia',
    stateResource: 'openmediaStateResourceV2',
    typeField: 'openmediaType',
    operationWord: 'Openmedia',
  },
  facebook: {
    collection: 'facebook',
    single: 'facebook',
    stateResource: 'facebookStateResourceV2',
    typeField: 'facebookType',
    operationWord: 'Facebook',
  },
  tweet: {
    collection: 'tweets',
    single: 'tweet',
    stateResource: 'tweetStateResourceV2',
    typeField: 'twitterType',
    operationWord: 'Tweet',
  },
  facebooksession: {
    collection: 'facebooksessions',
    single: 'facebooksession',
    stateResource: 'facebooksessionStateResourceV2',
    typeField: 'facebooksessionType',
    operationWord: 'Facebooksession',
  },
}

/** Fields the resource renderer owns; `extra` cannot override them. */
export const CORE_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'state',
  'userData',
  'receivedDate',
  'capabilities',
  'uri',
  'mediaType',
])

/**
 * The `uri` of an interaction: emails and chats under `/me`, workitems at
 * `/workitems/{id}`, open media at `/openmedia/{mediaType}s/{id}`, social media at
 * `/social-medias/{id}`. `base` is the public base URL ending in /api/v2.
 */
export function interactionUri(base: string, ix: Interaction): string {
  const id = encodeURIComponent(ix.id)
  switch (ix.mediaType) {
    case 'email':
      return `${base}/me/emails/${id}`
    case 'chat':
      return `${base}/me/chats/${id}`
    case 'workitem':
      return `${base}/workitems/${id}`
    case 'openmedia':
      return `${base}/openmedia/${encodeURIComponent(ix.openmediaType ?? 'openmedia')}s/${id}`
    case 'facebook':
    case 'tweet':
    case 'facebooksession':
      return `${base}/social-medias/${id}`
  }
}

/**
 * The GWS JSON of an interaction. Media-specific extra fields
 * (subject, from, ...) come first so that the core fields always win. The type field defaults
 * to "Inbound" (every documented workbin sample) unless `extra` sets it.
 */
export function interactionResource(base: string, ix: Interaction): Record<string, unknown> {
  const info = MEDIA[ix.mediaType]
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(ix.extra)) {
    if (!CORE_FIELDS.has(k)) out[k] = v
  }
  out.id = ix.id
  // Open media resources carry their open media type name as `mediaType`.
  if (ix.mediaType === 'openmedia') out.mediaType = ix.openmediaType
  if (info.typeField !== undefined && out[info.typeField] === undefined)
    out[info.typeField] = 'Inbound'
  out.state = ix.state
  out.capabilities = advertisedCapabilities(ix)
  // Chats inside workbins carry `participants: []` (as in the GWS docs sample).
  if (ix.mediaType === 'chat' && !Array.isArray(out.participants)) out.participants = []
  out.receivedDate = ix.receivedDate
  out.userData = { ...ix.userData }
  out.uri = interactionUri(base, ix)
  return out
}

const SEGMENTS = new Map<string, MediaType>()
for (const m of MEDIA_TYPES) {
  SEGMENTS.set(m, m)
  SEGMENTS.set(MEDIA[m].collection, m)
}
// Common alternative spellings seen in clients.
SEGMENTS.set('twitter', 'tweet')
SEGMENTS.set('facebooks', 'facebook')

/**
 * A media type named in a URL (`.../workbins/{id}/emails`) or a `subresources=` value (`email`).
 * Both the singular and the plural/collection form are accepted.
 */
export function mediaTypeOf(word: string): MediaType | undefined {
  return SEGMENTS.get(word.trim().toLowerCase())
}

/**
 * `subresources=` → the media types to embed. `*` = all; a comma list of media words; an
 * unknown word is 400 / statusCode 2. Absent → undefined (no content arrays).
 */
export function parseSubresources(raw: unknown): MediaType[] | undefined {
  if (raw === undefined) return undefined
  if (typeof raw !== 'string') throw errors.invalid('Invalid subresources parameter')
  const words = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (words.length === 0) return undefined
  if (words.includes('*')) return [...MEDIA_TYPES]
  const out: MediaType[] = []
  for (const w of words) {
    const m = mediaTypeOf(w)
    if (m === undefined) throw errors.invalid(`Unknown subresource: ${w}`)
    if (!out.includes(m)) out.push(m)
  }
  return out
}

/** Group interactions by collection key, with an (empty) array for every requested media. */
export function collections(
  base: string,
  mediaTypes: readonly MediaType[],
  items: readonly Interaction[],
  fields?: Fields,
): Record<string, Record<string, unknown>[]> {
  const out: Record<string, Record<string, unknown>[]> = {}
  for (const m of mediaTypes) out[MEDIA[m].collection] = []
  for (const ix of items) {
    const list = out[MEDIA[ix.mediaType].collection]
    if (list) list.push(pickFields(interactionResource(base, ix), fields))
  }
  return out
}

/** The operation word (`Email` in AddEmail) → media; `Interaction` → any media (null). */
export function mediaOfOperationWord(word: string): MediaType | null | undefined {
  if (word === 'Interaction') return null
  for (const m of MEDIA_TYPES) if (MEDIA[m].operationWord === word) return m
  return undefined
}

/** Interaction ids (docs/api.md "The model"): 16 chars [0-9A-Za-z]. */
export const INTERACTION_ID_RE = /^[0-9A-Za-z]{16}$/
