// The provisioned interaction queues as GWS JSON ("Queues API": id, name, description, channel,
// uri): `GET /queues` (uris, or objects with fields) and `GET /queues/{id}`. Every user of the
// contact center may read them: a desktop needs a queue's uri for Create and PlaceInQueue
// (docs/interactions.md "Queues").

import { errors } from '../errors.ts'
import { listReply, parseFields } from '../fields.ts'
import type { Queue } from '../model.ts'
import type { Actor, OperationReply } from './operation.ts'

export function queueResource(base: string, q: Queue) {
  return {
    id: q.id,
    name: q.name,
    description: q.description,
    channel: q.channel,
    uri: `${base}/queues/${encodeURIComponent(q.id)}`,
  }
}

export function queueList(actor: Actor, base: string, query: Record<string, unknown>) {
  const items = actor.directory.queues.map((q) => queueResource(base, q))
  return listReply('queues', items, parseFields(query.fields))
}

export function queueItem(actor: Actor, base: string, id: string): OperationReply {
  const q = actor.directory.queues.find((x) => x.id === id)
  if (!q) throw errors.notFound(`Queue ${id} not found`)
  return { statusCode: 0, queue: queueResource(base, q) }
}

/** The last path segment of a URI (`…/queues/{id}` → id). */
export function lastSegment(uri: string): string {
  const path = uri.split(/[?#]/)[0] as string
  const last = path.replace(/\/+$/, '').split('/').pop() ?? ''
  try {
    return decodeURIComponent(last)
  } catch {
    return ''
  }
}

/** A provisioned queue by name, or by the id at the end of a queue URI. */
export function findQueue(actor: Actor, ref: { name?: string; uri?: string }): Queue {
  const queues = actor.directory.queues
  if (ref.name !== undefined) {
    const q = queues.find((x) => x.name === ref.name)
    if (!q) throw errors.invalid(`Queue ${ref.name} not found`)
    return q
  }
  const id = lastSegment(ref.uri ?? '')
  const q = queues.find((x) => x.id === id)
  if (!q || !/\/queues\/[^/]+\/?$/.test((ref.uri ?? '').split(/[?#]/)[0] as string)) {
    throw errors.invalid(`Queue ${ref.uri} not found`)
  }
  return q
}
