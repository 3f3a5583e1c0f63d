// The SQLite query of one page of workbin content (store.ts pageWorkbinContent). Keyset
// pagination on (sort key, received_at, id) with a row-value comparison; by receivedDate it
// walks the index interactions_by_instance_page (migration 3) and reads only the page.
// By a userData key every item of the instance is read and sorted: there is no index per key.

import type Database from 'better-sqlite3'
import type { MediaType } from '../../model.ts'
import { checkedUserDataKey, type SortKeyColumns } from '../content-page.ts'
import type { ContentPageQuery } from '../store.ts'
import type { InteractionRow } from './rows.ts'

export type PageRow = InteractionRow & SortKeyColumns

/** rank: 0 = missing or null, 1 = number, 2 = string (store.ts ContentPosition). */
const KEY_COLUMNS = `
  CASE json_type(user_data, @path) WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 ELSE 0 END AS k_rank,
  CASE WHEN json_type(user_data, @path) IN ('integer', 'real') THEN json_extract(user_data, @path) ELSE 0 END AS k_num,
  CASE WHEN json_type(user_data, @path) = 'text' THEN json_extract(user_data, @path) ELSE '' END AS k_str`

// `LIMIT +@limit`: a bare bound LIMIT is planned again at every run (statements.ts).
function sql(byUserData: boolean, descending: boolean, after: boolean, media: number): string {
  const dir = descending ? 'DESC' : 'ASC'
  const cmp = descending ? '<' : '>'
  const mediaIn =
    media > 0 ? `AND media_type IN (${Array.from({ length: media }, (_, i) => `@m${i}`)})` : ''
  const where = `contact_center_id = @cc AND workbin_id = @wb AND workbin_owner = @owner ${mediaIn}`
  if (!byUserData) {
    return `SELECT *, 0 AS k_rank, 0 AS k_num, '' AS k_str FROM interactions
      WHERE ${where} ${after ? `AND (received_at, id) ${cmp} (@at, @id)` : ''}
      ORDER BY received_at ${dir}, id ${dir} LIMIT +@limit`
  }
  return `SELECT * FROM (SELECT *, ${KEY_COLUMNS} FROM interactions WHERE ${where})
    ${after ? `WHERE (k_rank, k_num, k_str, received_at, id) ${cmp} (@rank, @num, @str, @at, @id)` : ''}
    ORDER BY k_rank ${dir}, k_num ${dir}, k_str ${dir}, received_at ${dir}, id ${dir} LIMIT +@limit`
}

/** Prepared statements per query shape (at most 2 x 2 x 2 x media-count variants). */
const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>()

/** Rows of the page plus one more when there is one (the caller trims it). */
export function pageRows(
  db: Database.Database,
  contactCenterId: string,
  instance: { workbinId: string; owner: string },
  query: ContentPageQuery,
): PageRow[] {
  const key = query.order.userDataKey
  const media: readonly MediaType[] = query.mediaTypes ?? []
  const text = sql(
    key !== undefined,
    query.order.descending,
    query.after !== undefined,
    media.length,
  )
  let perDb = cache.get(db)
  if (!perDb) {
    perDb = new Map()
    cache.set(db, perDb)
  }
  let stmt = perDb.get(text)
  if (!stmt) {
    stmt = db.prepare(text)
    perDb.set(text, stmt)
  }
  const params: Record<string, unknown> = {
    cc: contactCenterId,
    wb: instance.workbinId,
    owner: instance.owner,
    limit: query.limit + 1,
  }
  media.forEach((m, i) => (params[`m${i}`] = m))
  if (key !== undefined) params.path = `$."${checkedUserDataKey(key)}"`
  const after = query.after
  if (after) {
    params.at = after.receivedAt
    params.id = after.id
    if (key !== undefined) {
      params.rank = after.rank
      params.num = after.num
      params.str = after.str
    }
  }
  return stmt.all(params) as PageRow[]
}
