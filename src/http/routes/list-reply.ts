// GWS list conventions (contract §3 "Lists"; digest §2.5): without `fields` a list answers
// `uris`; `fields=*` answers whole objects under the collection key; `fields=a,b` only those.

export function listReply<T extends { uri: string }>(
  key: string,
  items: T[],
  fields: string | undefined,
): Record<string, unknown> & { statusCode: 0 } {
  if (fields === undefined || fields === '') return { statusCode: 0, uris: items.map((i) => i.uri) }
  return { statusCode: 0, [key]: items.map((i) => pickFields(i, fields)) }
}

export function pickFields<T extends object>(item: T, fields: string | undefined): Partial<T> {
  if (fields === undefined || fields === '' || fields === '*') return item
  const wanted = fields
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
  const out: Partial<T> = {}
  for (const f of wanted) {
    if (f in item) (out as Record<string, unknown>)[f] = (item as Record<string, unknown>)[f]
  }
  return out
}
