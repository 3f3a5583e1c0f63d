// A content thread (docs/workbins-content.md "Whole content on a thread"): reads an instance's
// whole content from its own read-only SQLite connection and builds the reply's JSON text, so
// that the event loop only writes the bytes. One request at a time, in one read transaction: the
// reply is one consistent snapshot. Before reading, the thread pins that snapshot and waits for
// the event loop's word that every change it can hold is already on disk (the store answers
// nothing a power loss could undo, docs/operations.md "Durability and group commit").

import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { positionOf } from '../store/content-page.ts'
import { pageRows } from '../store/sqlite/content-page.ts'
import { toInteraction } from '../store/sqlite/rows.ts'
import type { ContentPosition } from '../store/store.ts'
import { ContentJsonBuilder } from '../workbins/content-json.ts'
import { Regions } from './regions.ts'
import type { WholeContentRequest } from '../workbins/content-reader.ts'
import type { CollectionBytes, FromThread, ThreadStart, ToThread } from './protocol.ts'

const port = parentPort
if (!port) throw new Error('content thread: not started as a worker thread')
const start = workerData as ThreadStart
const send = (m: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer)
const text = (err: unknown) =>
  err instanceof Error
    ? `${(err as { code?: string }).code ?? err.name}: ${err.message}`
    : String(err)

let db: Database.Database | undefined
try {
  // On Linux a nice value belongs to the thread that sets it, so bulk reads yield the CPU to
  // the event loop. Elsewhere (macOS, Windows) it would lower the whole process: left alone.
  // Where it cannot be set the thread runs at the process's priority.
  if (start.nice !== 0 && process.platform === 'linux') {
    try {
      setPriority(start.nice)
    } catch {
      // not fatal
    }
  }
  db = new Database(start.file, { readonly: true, fileMustExist: true })
} catch (err) {
  send({ type: 'fatal', message: text(err) })
  port.close()
}

const regions = new Regions(start.shared.byteLength)

/** The request waiting for `go`, with its open transaction. */
let pending: { id: number; request: WholeContentRequest } | undefined

port.on('message', (m: ToThread) => {
  if (!db) return
  if (m.type === 'close') {
    end(db)
    db.close()
    port.close()
    return
  }
  if (m.type === 'release') {
    regions.give(m.offset)
    return
  }
  if (m.type === 'cancel') {
    if (pending?.id === m.id) end(db)
    return
  }
  if (m.type === 'read') {
    try {
      end(db) // a read never told to go on or cancelled
      db.exec('BEGIN')
      // The first read fixes the snapshot the whole transaction sees.
      db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get()
      pending = { id: m.id, request: m.request }
      send({ type: 'pinned', id: m.id })
    } catch (err) {
      end(db)
      send({ type: 'failed', id: m.id, message: text(err) })
    }
    return
  }
  if (m.type === 'go' && pending?.id === m.id) {
    const { id, request } = pending
    pending = undefined
    try {
      const { collections, region } = build(db, request)
      const transfer: ArrayBuffer[] = []
      for (const c of collections) if (c.text) transfer.push(c.text.buffer as ArrayBuffer)
      send({ type: 'done', id, collections, region }, transfer)
    } catch (err) {
      send({ type: 'failed', id, message: text(err) })
    } finally {
      end(db)
    }
  }
})

/** End the read transaction, if one is open. */
function end(conn: Database.Database): void {
  pending = undefined
  if (conn.inTransaction) conn.exec('ROLLBACK')
}

function build(
  conn: Database.Database,
  r: WholeContentRequest,
): { collections: CollectionBytes[]; region: number | undefined } {
  const builder = new ContentJsonBuilder(r.base, r.media, r.fields)
  let after: ContentPosition | undefined
  for (;;) {
    const query = { mediaTypes: r.mediaTypes, order: r.order, limit: start.pageItems, after }
    const rows = pageRows(conn, r.contactCenterId, r.instance, query)
    const more = rows.length > start.pageItems
    if (more) rows.length = start.pageItems
    builder.add(rows.map(toInteraction))
    const last = rows[rows.length - 1]
    if (!more || !last) break
    after = positionOf(last)
  }
  const parts = Object.entries(builder.finish())
  const total = parts.reduce((n, [, part]) => n + part.bytes, 0)
  const region = regions.take(total)
  const out: CollectionBytes[] = []
  let at = region ?? 0
  for (const [key, part] of parts) {
    if (part.bytes === 0) {
      out.push({ key, offset: 0, length: 0 })
      continue
    }
    // Not in the shared memory: a buffer of its own, never a pooled one (its memory moves to
    // the event loop's thread, and a pool's would take the pool's other buffers with it).
    const target =
      region === undefined
        ? Buffer.allocUnsafeSlow(part.bytes)
        : Buffer.from(start.shared, at, part.bytes)
    let written = 0
    for (const p of part.pieces) written += p.copy(target, written)
    if (region === undefined) {
      out.push({ key, offset: 0, length: part.bytes, text: target })
    } else {
      out.push({ key, offset: at, length: part.bytes })
      at += part.bytes
    }
  }
  return { collections: out, region }
}
