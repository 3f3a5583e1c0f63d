// Shared by both adapters' paged content reads (store.ts pageWorkbinContent): the sort key
// columns each query selects beside the interaction, and the next position from them.

import type { ContentPosition } from './store.ts'

/** The sort key columns a paged query adds to each row. */
export interface SortKeyColumns {
  k_rank: number
  k_num: number
  k_str: string
  received_at: number
  id: string
}

export function positionOf(row: SortKeyColumns): ContentPosition {
  return {
    rank: Number(row.k_rank),
    num: Number(row.k_num),
    str: row.k_str,
    receivedAt: Number(row.received_at),
    id: row.id,
  }
}

/**
 * A userData key as a JSON path member: SQLite's path syntax has no escape for `"`, so the key
 * is refused here (the domain only passes keys of a restricted alphabet).
 */
export function checkedUserDataKey(key: string): string {
  if (key === '' || [...key].some((c) => c === '"' || c === '\\' || c < ' ')) {
    throw new Error(`userData key not usable for sorting: ${JSON.stringify(key)}`)
  }
  return key
}
