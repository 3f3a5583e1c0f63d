// The `workbinIds=a,b,...` query parameter of multi-workbin requests (docs/workbins-subscriptions.md).

import { errors } from '../errors.ts'

/**
 * Split `workbinIds`, trimming blanks and dropping duplicates (the reply's `referenceIds` is keyed
 * by workbin id, so each workbin is acted on once; the "by user" sample of the GWS docs repeats an
 * id by mistake). Missing or empty → 400 / 1; more than `max` distinct ids → 400 / 10.
 */
export function parseWorkbinIds(raw: string | string[] | undefined, max: number): string[] {
  const joined = Array.isArray(raw) ? raw.join(',') : raw
  const ids = [
    ...new Set(
      (joined ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ]
  if (ids.length === 0) throw errors.missing('workbinIds')
  if (ids.length > max) {
    throw errors.validation(`Too many workbin ids: ${ids.length} (at most ${max})`)
  }
  return ids
}
