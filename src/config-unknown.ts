// WORKBINS_* environment variables that name no setting. loadConfig reads only the names it
// knows, so a misspelt one (WORKBINS_LOGIN_MAX_FAILURES for ..._PER_NAME) would be ignored
// without a word and the server run with the default; the start logs a warning instead.

import { CONFIG_TABLE } from './config.ts'

/** Variables of the test suite's own (not settings of the server). */
const NOT_SETTINGS = /^WORKBINS_TEST_/

export interface UnknownSetting {
  name: string
  /** Settings whose names are close (one contains the other, or a few letters differ). */
  suggestions: string[]
}

export function unknownSettings(env: Record<string, string | undefined>): UnknownSetting[] {
  const known = CONFIG_TABLE.map((r) => r.env).filter((n) => n.startsWith('WORKBINS_'))
  const knownSet = new Set(known)
  return Object.keys(env)
    .filter((n) => n.startsWith('WORKBINS_') && !knownSet.has(n) && !NOT_SETTINGS.test(n))
    .sort()
    .map((name) => ({
      name,
      suggestions: known
        .filter((k) => k.startsWith(name) || name.startsWith(k) || distance(k, name) <= 3)
        .slice(0, 3),
    }))
}

/** Levenshtein distance (both strings are short setting names). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      )
    }
    prev = cur
  }
  return prev[b.length] as number
}
