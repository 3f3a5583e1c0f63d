// The integration endpoint (additive, docs/workbins-content.md "The integration endpoint"): `apiuser` / `admin` accounts create interactions and either
// assign them to an agent or place them in a workbin instance, read them, and change their
// userData. Everybody else: 403 / 5.
//
//   POST /interactions       {"operationName":"Create","mediaType":"email","userData":{...},
//                             "id"?, "receivedDate"?, "openmediaType"? (openmedia), "extra"?,
//                             "owner":"<userName|userId>"  |  "workbin":{"id":..., one of
//                             "user"|"place"|"agentGroup"|"placeGroup"}  |  "queue":"<name>"}
//                            → {statusCode:0, id, uri}; ItemAdded to the instance's subscribers
//   GET  /interactions/{id}  → {statusCode:0, interaction:{...GWS resource, mediaType, owner | workbin}}
//   POST /interactions/{id}  {"operationName":"UpdateUserData","userData":{...}} (merge) or
//                            {"operationName":"DeleteUserData","keys":[...]}, or
//                            {"operationName":"Offer","agent":...} (offers.ts)
//                            → {statusCode:0}; ItemUpdated to subscribers when in a workbin
//
// The shape mirrors the provisioning document's interactions (docs/provisioning.md).

import { randomInt } from 'node:crypto'
import type {
  Interaction,
  InteractionLocation,
  MediaType,
  User,
  UserData,
  UserDataChange,
  Workbin,
} from '../model.ts'
import { MEDIA_TYPES, applyUserDataChange } from '../model.ts'
import { GwsError, StatusCode, errors } from '../errors.ts'
import { isAdmin } from './access.ts'
import { itemChangeEntries, publishItemChange } from './item-events.ts'
import type { LogEntry } from '../store/notification-log.ts'
import type { Actor, OperationReply, WorkbinDeps } from './operation.ts'
import { IN_WORKBIN, PROCESSING, workbinStamps } from './put-pull.ts'
import { defaultCapabilities } from './capabilities.ts'
import { formatReceivedDate, receivedAtMs } from './dates.ts'
import { changeAnnounced, publishInteractionEvent } from './interaction-events.ts'
import { findQueue } from './queues.ts'
import { handledLimit } from './handled-limit.ts'
import { QUEUED } from './interaction-states.ts'
import { CORE_FIELDS, INTERACTION_ID_RE, interactionResource, interactionUri } from './resources.ts'

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** A fresh 16-char [0-9A-Za-z] interaction id (docs/api.md "The model"). */
export function newInteractionId(): string {
  let out = ''
  for (let i = 0; i < 16; i++) out += ID_ALPHABET[randomInt(ID_ALPHABET.length)]
  return out
}

function requireIntegrationRole(actor: Actor): void {
  if (!isAdmin(actor.user)) {
    throw errors.noPermission('Only apiuser and admin accounts may use the interactions API')
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** userData is a flat map of string → string | finite number | null (docs/api.md "The model"). */
export function parseUserData(raw: unknown, where = 'userData'): UserData {
  if (raw === undefined) return {}
  if (!isPlainObject(raw)) throw errors.invalid(`Parameter ${where} must be an object`)
  const out: UserData = {}
  for (const [k, v] of Object.entries(raw)) {
    if (k === '') throw errors.invalid(`Parameter ${where} has an empty key`)
    // An assignment through `__proto__` would change the map's prototype, not store a key.
    if (k === '__proto__') throw errors.invalid(`Parameter ${where} has a reserved key __proto__`)
    if (v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) {
      out[k] = v
    } else {
      throw errors.invalid(`Parameter ${where}.${k} must be a string, a number or null`)
    }
  }
  return out
}

function findUser(actor: Actor, nameOrId: unknown, where: string): User {
  if (typeof nameOrId !== 'string' || nameOrId === '') {
    throw errors.invalid(`Parameter ${where} must be a user name or id`)
  }
  const user = actor.directory.users.find(
    (u) =>
      (u.userName === nameOrId || u.id === nameOrId) &&
      u.contactCenterId === actor.contactCenter.id,
  )
  if (!user) throw errors.notFound(`User ${nameOrId} not found`)
  return user
}

const OWNER_KEY: Record<Workbin['type'], 'user' | 'place' | 'agentGroup' | 'placeGroup'> = {
  Agent: 'user',
  Place: 'place',
  AgentGroup: 'agentGroup',
  PlaceGroup: 'placeGroup',
}

/** `"workbin": {"id", "user"|"place"|"agentGroup"|"placeGroup"}` → workbin + instance owner. */
function resolvePlacement(actor: Actor, raw: unknown): { workbin: Workbin; owner: string } {
  if (!isPlainObject(raw)) throw errors.invalid('Parameter workbin must be an object')
  for (const k of Object.keys(raw)) {
    if (!['id', 'user', 'place', 'agentGroup', 'placeGroup'].includes(k)) {
      throw errors.invalid(`Unknown parameter workbin.${k}`)
    }
  }
  if (raw.id === undefined) throw errors.missing('workbin.id')
  if (typeof raw.id !== 'string') throw errors.invalid('Parameter workbin.id must be a string')
  const workbin = actor.directory.workbins.find(
    (w) => w.id === raw.id && w.contactCenterId === actor.contactCenter.id,
  )
  if (!workbin) throw errors.notFound(`Workbin ${raw.id} not found`)
  const given = (['user', 'place', 'agentGroup', 'placeGroup'] as const).filter(
    (k) => raw[k] !== undefined,
  )
  const want = OWNER_KEY[workbin.type]
  if (given.length === 0) throw errors.missing(`workbin.${want}`)
  if (given.length > 1 || given[0] !== want) {
    throw errors.invalid(
      `A ${workbin.type} workbin is owned by a ${want}: give workbin.${want} only`,
    )
  }
  const value = raw[want]
  if (typeof value !== 'string' || value === '') {
    throw errors.invalid(`Parameter workbin.${want} must be a non-empty string`)
  }
  const dir = actor.directory
  switch (workbin.type) {
    case 'Agent':
      return { workbin, owner: findUser(actor, value, 'workbin.user').id }
    case 'Place':
      if (!dir.places.some((p) => p.name === value))
        throw errors.notFound(`Place ${value} not found`)
      return { workbin, owner: value }
    case 'AgentGroup':
      if (!dir.agentGroups.some((g) => g.name === value)) {
        throw errors.notFound(`Agent group ${value} not found`)
      }
      return { workbin, owner: value }
    case 'PlaceGroup':
      if (!dir.placeGroups.some((g) => g.name === value)) {
        throw errors.notFound(`Place group ${value} not found`)
      }
      return { workbin, owner: value }
  }
}

const CREATE_KEYS = new Set([
  'operationName',
  'id',
  'mediaType',
  'openmediaType',
  'userData',
  'receivedDate',
  'extra',
  'owner',
  'workbin',
  'queue',
])

/** `POST /interactions {"operationName":"Create", ...}` */
export async function createInteraction(ctx: {
  actor: Actor
  body: Record<string, unknown>
  deps: WorkbinDeps
}): Promise<OperationReply> {
  const { actor, body, deps } = ctx
  requireIntegrationRole(actor)
  for (const k of Object.keys(body)) {
    if (!CREATE_KEYS.has(k)) throw errors.invalid(`Unknown parameter ${k}`)
  }

  if (body.mediaType === undefined) throw errors.missing('mediaType')
  if (typeof body.mediaType !== 'string' || !MEDIA_TYPES.includes(body.mediaType as MediaType)) {
    throw errors.invalid(`Parameter mediaType must be one of ${MEDIA_TYPES.join(', ')}`)
  }
  const mediaType = body.mediaType as MediaType

  let openmediaType: string | null = null
  if (mediaType === 'openmedia') {
    if (body.openmediaType === undefined) throw errors.missing('openmediaType')
    if (
      typeof body.openmediaType !== 'string' ||
      !/^[A-Za-z0-9_-]{1,64}$/.test(body.openmediaType)
    ) {
      throw errors.invalid('Parameter openmediaType must be a name of [A-Za-z0-9_-]')
    }
    openmediaType = body.openmediaType
  } else if (body.openmediaType !== undefined) {
    throw errors.invalid('Parameter openmediaType is only valid with mediaType openmedia')
  }

  let id: string | undefined
  if (body.id !== undefined) {
    if (typeof body.id !== 'string' || !INTERACTION_ID_RE.test(body.id)) {
      throw errors.invalid('Parameter id must be 16 characters of [0-9A-Za-z]')
    }
    id = body.id
  }

  let receivedDate = formatReceivedDate(new Date())
  if (body.receivedDate !== undefined) {
    if (typeof body.receivedDate !== 'string' || Number.isNaN(receivedAtMs(body.receivedDate))) {
      throw errors.invalid('Parameter receivedDate must look like 2016-04-08 15:05:57.000+0300')
    }
    receivedDate = body.receivedDate
  }

  const userData = parseUserData(body.userData)

  let extra: Record<string, unknown> = {}
  if (body.extra !== undefined) {
    if (!isPlainObject(body.extra)) throw errors.invalid('Parameter extra must be an object')
    for (const k of Object.keys(body.extra)) {
      if (CORE_FIELDS.has(k)) throw errors.invalid(`Parameter extra.${k} is a reserved field`)
    }
    extra = body.extra
  }

  const places = [body.owner, body.workbin, body.queue].filter((p) => p !== undefined).length
  if (places > 1) throw errors.invalid('Give one of owner, workbin or queue')
  if (places === 0) throw errors.missing('owner, workbin or queue')

  let location: InteractionLocation
  let state: string
  let capabilities: string[]
  let data = userData
  let placement: { workbin: Workbin; owner: string } | undefined
  let owner: User | undefined
  if (body.queue !== undefined) {
    if (typeof body.queue !== 'string' || body.queue === '') {
      throw errors.invalid('Parameter queue must be a queue name')
    }
    location = { kind: 'queue', queue: findQueue(actor, { name: body.queue }).name }
    state = QUEUED
    capabilities = []
  } else if (body.owner !== undefined) {
    owner = findUser(actor, body.owner, 'owner')
    location = { kind: 'owner', userId: owner.id }
    state = PROCESSING
    capabilities = defaultCapabilities(mediaType)
  } else {
    placement = resolvePlacement(actor, body.workbin)
    const instance = { workbinId: placement.workbin.id, owner: placement.owner }
    location = { kind: 'workbin', ...instance }
    state = IN_WORKBIN
    capabilities = []
    data = applyUserDataChange(userData, workbinStamps({ workbin: placement.workbin, instance }))
  }

  const make = (ixId: string): Interaction => ({
    id: ixId,
    contactCenterId: actor.contactCenter.id,
    mediaType,
    openmediaType,
    state,
    userData: data,
    receivedDate,
    capabilities,
    location,
    extra,
  })

  // 400 / 10 when the owner handles WORKBINS_MAX_HANDLED_PER_AGENT already (handled-limit.ts).
  const limit = owner ? handledLimit(deps, owner) : undefined
  let interaction: Interaction
  if (id !== undefined) {
    interaction = make(id)
    await deps.store.createInteraction(interaction, limit) // 409 / 18 when the id is taken
  } else {
    // A generated id colliding is improbable (62^16); retry a few times all the same.
    for (let attempt = 0; ; attempt++) {
      interaction = make(newInteractionId())
      try {
        await deps.store.createInteraction(interaction, limit)
        break
      } catch (err) {
        if (
          !(err instanceof GwsError && err.statusCode === StatusCode.ALREADY_EXISTS) ||
          attempt >= 4
        ) {
          throw err
        }
      }
    }
  }

  await publishInteractionEvent(deps, { after: interaction, notificationType: 'StatusChange' })
  if (placement) {
    await publishItemChange(deps, {
      workbin: placement.workbin,
      instance: { workbinId: placement.workbin.id, owner: placement.owner },
      action: 'ItemAdded',
      interaction,
    })
  }
  return { statusCode: 0, id: interaction.id, uri: interactionUri(deps.publicUrl(), interaction) }
}

async function loadForIntegration(
  actor: Actor,
  deps: WorkbinDeps,
  id: string,
): Promise<Interaction> {
  requireIntegrationRole(actor)
  const ix = await deps.store.getInteraction(actor.contactCenter.id, id)
  if (!ix) throw errors.notFound(`Interaction ${id} not found`)
  return ix
}

/** Where an interaction is, in the create body's terms. */
function locationJson(actor: Actor, ix: Interaction): Record<string, unknown> {
  const l = ix.location
  if (l.kind === 'owner') return { owner: l.userId }
  if (l.kind === 'invited') {
    // where a refusal sends it: the queue of an Offer, the agent who made a Transfer
    const back = l.returnTo
    return {
      invited: l.userId,
      ...(back.kind === 'queue' ? { queue: back.queue } : { invitedBy: back.userId }),
    }
  }
  if (l.kind === 'queue') return { queue: l.queue }
  if (l.kind === 'completed') return {}
  const { workbinId, owner } = l
  const workbin = actor.directory.workbins.find((w) => w.id === workbinId)
  const key = workbin ? OWNER_KEY[workbin.type] : 'owner'
  return { workbin: { id: workbinId, [key]: owner } }
}

/** `GET /interactions/{id}` */
export async function getInteraction(ctx: {
  actor: Actor
  id: string
  deps: WorkbinDeps
}): Promise<OperationReply> {
  const ix = await loadForIntegration(ctx.actor, ctx.deps, ctx.id)
  return {
    statusCode: 0,
    interaction: {
      // The GWS resource, then the create body's own terms (mediaType, openmediaType, where).
      ...interactionResource(ctx.deps.publicUrl(), ix),
      mediaType: ix.mediaType,
      ...(ix.openmediaType !== null ? { openmediaType: ix.openmediaType } : {}),
      ...locationJson(ctx.actor, ix),
    },
  }
}

/** `POST /interactions/{id}` with UpdateUserData (merge) or DeleteUserData (keys). */
export async function changeUserData(ctx: {
  actor: Actor
  id: string
  operationName: string
  body: Record<string, unknown>
  deps: WorkbinDeps
}): Promise<OperationReply> {
  const { actor, id, operationName, body, deps } = ctx
  if (operationName !== 'UpdateUserData' && operationName !== 'DeleteUserData') {
    throw errors.invalid(`Unknown operation ${operationName}`)
  }
  const ix = await loadForIntegration(actor, deps, id)
  // The change, not the resulting map: the store applies it to what is stored when it writes,
  // so concurrent updates of different keys all land.
  let change: UserDataChange
  if (operationName === 'UpdateUserData') {
    if (body.userData === undefined) throw errors.missing('userData')
    change = { set: parseUserData(body.userData), remove: [] }
  } else {
    if (body.keys === undefined) throw errors.missing('keys')
    if (!Array.isArray(body.keys) || !body.keys.every((k) => typeof k === 'string')) {
      throw errors.invalid('Parameter keys must be an array of strings')
    }
    change = { set: {}, remove: body.keys as string[] }
  }
  // ItemUpdated to the instance's subscribers when the interaction is in a workbin.
  const entriesOf = (moved: Interaction): LogEntry[] => {
    const loc = moved.location
    if (loc.kind !== 'workbin') return []
    const workbin = actor.directory.workbins.find((w) => w.id === loc.workbinId)
    if (!workbin) return []
    return itemChangeEntries(
      {
        workbin,
        instance: { workbinId: loc.workbinId, owner: loc.owner },
        action: 'ItemUpdated',
        interaction: moved,
      },
      deps.publicUrl(),
    )
  }
  const result = await changeAnnounced(
    deps,
    { before: ix, notificationType: 'PropertiesUpdated' },
    (log) => deps.store.updateUserData(actor.contactCenter.id, id, ix.location, change, log),
    entriesOf,
  )
  if (!result.ok) {
    if (result.reason === 'not_found') throw errors.notFound(`Interaction ${id} not found`)
    throw errors.invalid(`Interaction ${id} was moved by another request`)
  }
  return { statusCode: 0 }
}
