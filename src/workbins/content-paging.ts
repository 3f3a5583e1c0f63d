// The paging extension of workbin content GETs (docs/workbins-content.md "Paging"): query
// parameters `limit`, `cursor`, `sort`, `order`. GWS 8.5 has no paging; without `limit` and
// `cursor` the whole content is answered as GWS does.
//
//   limit=N                       a page of at most N items (1..WORKBINS_CONTENT_PAGE_MAX)
//   cursor=C                      the page after the one that answered `"nextCursor": C`
//   sort=receivedDate (default) | sort=userData.<key>
//   order=asc (default) | desc
//
// The cursor is opaque to clients: base64url of the sort, the order and the sort key of the
// last item shown. It holds nothing the client has not already seen, and it names no workbin:
// used elsewhere it is only a position. A cursor of another sort or order, or one that does not
// decode, is 400 / 2.

import { errors } from '../errors.ts'
import type { ContentOrder, ContentPosition } from '../store/store.ts'
import { INTERACTION_ID_RE } from './resources.ts'

/** What a content GET asks for beyond GWS: its order, and a page when paged. */
export interface ContentPaging {
  order: ContentOrder
  /** The `sort` value as given (`receivedDate` when absent); a cursor is bound to it. */
  sort: string
  /** Undefined: the whole content (GWS form). */
  page?: { limit: number; after?: ContentPosition }
}

const DEFAULT_LIMIT = 100
const USER_DATA_PREFIX = 'userData.'
/** userData keys that can be sorted by: letters, digits, `_ - .` and spaces. */
const SORT_KEY_RE = /^[\p{L}\p{N}_.\- ]{1,128}$/u
const CURSOR_VERSION = 1

function single(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name]
  if (raw === undefined) return undefined
  if (typeof raw !== 'string') throw errors.invalid(`Parameter ${name} must be given once`)
  return raw
}

/** The paging parameters of a content GET, validated; `maxLimit` is WORKBINS_CONTENT_PAGE_MAX. */
export function parsePaging(query: Record<string, unknown>, maxLimit: number): ContentPaging {
  const sort = single(query, 'sort') ?? 'receivedDate'
  const order = parseOrder(sort, single(query, 'order') ?? 'asc')
  const rawLimit = single(query, 'limit')
  const rawCursor = single(query, 'cursor')
  if (rawLimit === undefined && rawCursor === undefined) return { order, sort }
  let limit = Math.min(DEFAULT_LIMIT, maxLimit)
  if (rawLimit !== undefined) {
    if (!/^[0-9]{1,9}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > maxLimit) {
      throw errors.invalid(`Parameter limit must be a whole number from 1 to ${maxLimit}`)
    }
    limit = Number(rawLimit)
  }
  const page: ContentPaging['page'] = { limit }
  if (rawCursor !== undefined) page.after = decodeCursor(rawCursor, sort, order)
  return { order, sort, page }
}

function parseOrder(sort: string, order: string): ContentOrder {
  if (order !== 'asc' && order !== 'desc') {
    throw errors.invalid('Parameter order must be asc or desc')
  }
  const descending = order === 'desc'
  if (sort === 'receivedDate') return { descending }
  const key = sort.startsWith(USER_DATA_PREFIX) ? sort.slice(USER_DATA_PREFIX.length) : ''
  if (!SORT_KEY_RE.test(key)) {
    throw errors.invalid(
      'Parameter sort must be receivedDate or userData.<key> (key: letters, digits, _ - . and spaces, at most 128)',
    )
  }
  return { userDataKey: key, descending }
}

/** The `nextCursor` of a page whose last item is at `position`. */
export function encodeCursor(paging: ContentPaging, position: ContentPosition): string {
  const p = position
  const body = [
    CURSOR_VERSION,
    paging.sort,
    paging.order.descending ? 1 : 0,
    p.rank,
    p.num,
    p.str,
    p.receivedAt,
    p.id,
  ]
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url')
}

function decodeCursor(raw: string, sort: string, order: ContentOrder): ContentPosition {
  const bad = () => errors.invalid('Parameter cursor is not a cursor of this sort and order')
  if (raw === '' || !/^[A-Za-z0-9_-]+$/.test(raw)) throw bad()
  let body: unknown
  try {
    body = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
  } catch {
    throw bad()
  }
  if (!Array.isArray(body) || body.length !== 8) throw bad()
  const [version, cSort, cDesc, rank, num, str, receivedAt, id] = body as unknown[]
  const valid =
    version === CURSOR_VERSION &&
    cSort === sort &&
    cDesc === (order.descending ? 1 : 0) &&
    (rank === 0 || rank === 1 || rank === 2) &&
    typeof num === 'number' &&
    Number.isFinite(num) &&
    typeof str === 'string' &&
    Number.isSafeInteger(receivedAt) &&
    typeof id === 'string' &&
    INTERACTION_ID_RE.test(id)
  if (!valid) throw bad()
  return { rank, num, str, receivedAt: receivedAt as number, id }
}
