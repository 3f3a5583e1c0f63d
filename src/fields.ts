// The GWS `fields` request parameter and list replies (docs/api.md, "Lists"): one
// implementation for every resource. Without `fields` a list answers `uris`; `fields=*` whole
// objects under the collection key; `fields=a,b` only those fields.

import { errors } from './errors.ts'

/** undefined = not asked (absent or empty), '*' = everything, else the field names. */
export type Fields = undefined | '*' | string[]

/** Parse a `fields` query value (a repeated parameter is joined). 400 / 2 when not text. */
export function parseFields(raw: unknown): Fields {
  if (raw === undefined) return undefined
  const joined = Array.isArray(raw) ? raw.join(',') : raw
  if (typeof joined !== 'string') throw errors.invalid('Invalid fields parameter')
  const names = joined
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (names.length === 0) return undefined
  if (names.includes('*')) return '*'
  return names
}

/** Keep only the named fields of an object; '*' or undefined keeps it whole. */
export function pickFields<T extends object>(item: T, fields: Fields): Partial<T> {
  if (fields === undefined || fields === '*') return item
  const out: Record<string, unknown> = {}
  for (const f of fields) if (Object.hasOwn(item, f)) out[f] = (item as Record<string, unknown>)[f]
  return out as Partial<T>
}

/** A list reply: `{statusCode:0, uris}` without fields, else `{statusCode:0, [key]: [...]}`. */
export function listReply<T extends { uri: string }>(
  key: string,
  items: readonly T[],
  fields: Fields,
): Record<string, unknown> & { statusCode: 0 } {
  if (fields === undefined) return { statusCode: 0, uris: items.map((i) => i.uri) }
  return { statusCode: 0, [key]: items.map((i) => pickFields(i, fields)) }
}
