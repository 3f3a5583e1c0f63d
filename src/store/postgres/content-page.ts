// The PostgreSQL query of one page of workbin content (store.ts pageWorkbinContent), the same
// order as SQLite's (src/store/sqlite/content-page.ts): strings and ids compare by code point
// (COLLATE "C"), whatever the database's collation. By receivedDate it walks the index
// interactions_by_instance_page (migration 3); by a userData key it sorts the instance's items.

import type { MediaType } from '../../model.ts'
import { checkedUserDataKey, type SortKeyColumns } from '../content-page.ts'
import type { ContentPageQuery } from '../store.ts'
import type { InteractionRow } from '../sqlite/rows.ts'

export type PageRow = InteractionRow & SortKeyColumns

/** The SQL text and its parameters; one row more than the page when there is one. */
export function pageQuery(
  contactCenterId: string,
  instance: { workbinId: string; owner: string },
  query: ContentPageQuery,
): [string, unknown[]] {
  const params: unknown[] = [contactCenterId, instance.workbinId, instance.owner, query.limit + 1]
  const p = (v: unknown): string => {
    params.push(v)
    return `$${params.length}`
  }
  const media: readonly MediaType[] = query.mediaTypes ?? []
  const dir = query.order.descending ? 'DESC' : 'ASC'
  const cmp = query.order.descending ? '<' : '>'
  const mediaIn = media.length > 0 ? `AND media_type = ANY(${p([...media])}::text[])` : ''
  const where = `contact_center_id = $1 AND workbin_id = $2 AND workbin_owner = $3 ${mediaIn}`
  const key = query.order.userDataKey
  const after = query.after
  if (key === undefined) {
    const from = after
      ? `AND (received_at, id COLLATE "C") ${cmp} (${p(after.receivedAt)}::bigint, ${p(after.id)}::text COLLATE "C")`
      : ''
    return [
      `SELECT *, 0 AS k_rank, 0::float8 AS k_num, '' AS k_str FROM interactions
        WHERE ${where} ${from}
        ORDER BY received_at ${dir}, id COLLATE "C" ${dir} LIMIT $4`,
      params,
    ]
  }
  const k = p(checkedUserDataKey(key))
  const v = `(user_data::jsonb -> ${k}::text)`
  const from = after
    ? `WHERE (k_rank, k_num, k_str COLLATE "C", received_at, id COLLATE "C") ${cmp}
        (${p(after.rank)}::int, ${p(after.num)}::float8, ${p(after.str)}::text COLLATE "C",
         ${p(after.receivedAt)}::bigint, ${p(after.id)}::text COLLATE "C")`
    : ''
  return [
    `SELECT * FROM (SELECT *,
        CASE jsonb_typeof(${v}) WHEN 'number' THEN 1 WHEN 'string' THEN 2 ELSE 0 END AS k_rank,
        CASE WHEN jsonb_typeof(${v}) = 'number' THEN (${v} #>> '{}')::float8 ELSE 0 END AS k_num,
        CASE WHEN jsonb_typeof(${v}) = 'string' THEN ${v} #>> '{}' ELSE '' END AS k_str
      FROM interactions WHERE ${where}) AS page
      ${from}
      ORDER BY k_rank ${dir}, k_num ${dir}, k_str COLLATE "C" ${dir}, received_at ${dir},
        id COLLATE "C" ${dir}
      LIMIT $4`,
    params,
  ]
}
