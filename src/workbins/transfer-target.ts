// Where a Transfer sends the interaction, from the parameters each media's GWS Transfer page
// documents: E-mail API → Transfer `userUri` or `queueName`; Chat API → Transfer `targetUri` or
// `queueName`; Open Media, Twitter and Facebook → Transfer `targetUri` (or `targetPath`).
// `targetUri` / `targetPath` (`…/users/{id}` or `…/queues/{id}`) are kept on every media:
// this server took them everywhere before. Exactly one target: two is 400 / 2, none 400 / 1.

import { errors } from '../errors.ts'
import type { MediaType, Queue, User } from '../model.ts'
import type { Actor } from './operation.ts'
import { findQueue, lastSegment } from './queues.ts'

type TargetParameter = 'userUri' | 'queueName' | 'targetUri' | 'targetPath'

const BY_URI: readonly TargetParameter[] = ['targetUri', 'targetPath']

/** The target parameters of each media, those its GWS page names first. */
export const TRANSFER_PARAMETERS: Readonly<Record<MediaType, readonly TargetParameter[]>> = {
  email: ['userUri', 'queueName', ...BY_URI],
  chat: ['targetUri', 'queueName', 'targetPath'],
  workitem: BY_URI,
  openmedia: BY_URI,
  facebook: BY_URI,
  tweet: BY_URI,
  facebooksession: BY_URI,
}

export type TransferTarget = { user: User } | { queue: Queue }

function userByUri(actor: Actor, uri: string): TransferTarget {
  const id = lastSegment(uri)
  const user = actor.directory.users.find((u) => u.id === id || u.userName === id)
  if (!user) throw errors.invalid(`User ${id} not found`)
  if (user.id === actor.user.id) throw errors.invalid('Cannot transfer to yourself')
  return { user }
}

const isUserPath = (path: string) => /(^|\/)users\/[^/]+\/?$/.test(path)

/** The one target the body names, checked against the directory (unknown: 400 / 2). */
export function transferTarget(
  actor: Actor,
  media: MediaType,
  body: Record<string, unknown>,
): TransferTarget {
  const accepted = TRANSFER_PARAMETERS[media]
  const given = accepted.filter((k) => body[k] !== undefined && body[k] !== null)
  if (given.length > 1) throw errors.invalid(`Give one of ${given.join(', ')}, not several`)
  const key = given[0]
  if (key === undefined) throw errors.missing(accepted.slice(0, 2).join(' or '))
  const value = body[key]
  if (typeof value !== 'string' || value === '') {
    throw errors.invalid(`Parameter ${key} must be a string`)
  }
  if (key === 'queueName') return { queue: findQueue(actor, { name: value }) }
  const path = value.split(/[?#]/)[0] as string
  if (key === 'userUri') {
    if (!isUserPath(path)) throw errors.invalid('Parameter userUri must name a user (…/users/{id})')
    return userByUri(actor, value)
  }
  if (/\/queues\/[^/]+\/?$/.test(path)) return { queue: findQueue(actor, { uri: value }) }
  if (isUserPath(path)) return userByUri(actor, value)
  throw errors.invalid(`Parameter ${key} must name a user (…/users/{id}) or a queue`)
}
