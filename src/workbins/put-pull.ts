// Put (Add*) and Pull (Pull*) on one workbin instance (docs/workbins-content.md "Put", "Pull").
//
// Each handler validates synchronously (nothing changes on error), then moves the interaction
// with the store's compare-and-set (so it is never in two places and never lost, and of two
// concurrent pulls exactly one wins), then answers `{statusCode:0, referenceId}` and sends a
// WorkbinStateChangeMessage (item-events.ts).
//
// Decisions (docs/workbins-content.md explains them to users):
// - Put takes an interaction the actor may hand over: one the actor owns; on a
//   `/users/{userId}/...` URL also one that user owns (a supervisor files an agent's
//   interaction into the agent's workbin); admin/apiuser may put any owned interaction of
//   their contact center.
// - Refusals tell nothing the caller could not read anyway (docs/security.md "Interactions: who
//   may act on them"): an interaction the caller may not put and could not read at its `uri`
//   (docs/interactions.md "Reading an interaction") answers 404 / 6 with the unknown-id
//   message. A reason (400 / 2: wrong media, already in this workbin, in a workbin, queued, ...)
//   is given only to a caller who may put it or could read it; the media is compared after that.
// - Pull gives the interaction to the actor, also for a supervisor's `/users/{userId}/...`
//   grab: Pull hands it to the caller. Not in that instance: 404 / 6, as an unknown id. A caller
//   who handles WORKBINS_MAX_HANDLED_PER_AGENT already: 400 / 10 (handled-limit.ts), checked
//   after those refusals, so it tells nothing about another instance's content.
// - A lost compare-and-set answers what a request arriving just after the winner would get,
//   judged on the interaction as the store found it: the loser of two pulls gets 404 / 6
//   whether it lost at the read or at the write.
// - Put stamps `userData.Workbin` = workbinName, and `userData.WorkbinAgentId` = the owner's
//   user id for Agent workbins (removed for other types). Pull leaves userData as it is: the
//   stamps then record where the interaction was last (the GWS docs sample keeps `Workbin`).
// - `saveLAR` (last agent routing) is validated and logged; no contact profile
//   exists here, so it records nothing.

import type {
  Interaction,
  InteractionLocation,
  MediaType,
  UserData,
  UserDataChange,
} from '../model.ts'
import { type GwsError, errors } from '../errors.ts'
import type { MoveResult } from '../store/store.ts'
import { mayReadAtUri } from './item-visibility.ts'
import type { LogEntry, LogFor } from '../store/notification-log.ts'
import { itemChangeEntries } from './item-events.ts'
import { logWith } from './notifier.ts'
import type {
  Actor,
  OperationHandler,
  OperationReply,
  ResolvedInstance,
  WorkbinDeps,
} from './operation.ts'
import { defaultCapabilities } from './capabilities.ts'
import { mediaOfOperationWord } from './resources.ts'
import { handledLimit } from './handled-limit.ts'
import { audienceOf, interactionEntries, notHandledMessage } from './interaction-events.ts'

export const IN_WORKBIN = 'InWorkbin'
export const PROCESSING = 'Processing'

/** `AddEmail` → { verb: 'Add', media: 'email' }; `AddInteraction` → media null (any). */
export function parseContentOperation(
  operationName: string,
): { verb: 'Add' | 'Pull'; media: MediaType | null } | undefined {
  const m = /^(Add|Pull)([A-Z][a-z]*)$/.exec(operationName)
  if (!m) return undefined
  const media = mediaOfOperationWord(m[2] as string)
  if (media === undefined) return undefined
  return { verb: m[1] as 'Add' | 'Pull', media }
}

/**
 * The interaction id of a put/pull body: `id`, or the last path segment of `uri`
 * (the GWS docs samples use both). When both are given they must agree.
 */
export function interactionIdOf(body: Record<string, unknown>): string {
  const { id, uri } = body
  if (id !== undefined && (typeof id !== 'string' || id === '')) {
    throw errors.invalid('Parameter id must be a non-empty string')
  }
  let fromUri: string | undefined
  if (uri !== undefined) {
    if (typeof uri !== 'string' || uri === '')
      throw errors.invalid('Parameter uri must be a non-empty string')
    const path = uri.split(/[?#]/)[0] as string
    const last = path.replace(/\/+$/, '').split('/').pop() ?? ''
    try {
      fromUri = decodeURIComponent(last)
    } catch {
      throw errors.invalid('Parameter uri is not a valid interaction uri')
    }
    if (fromUri === '') throw errors.invalid('Parameter uri is not a valid interaction uri')
  }
  if (id !== undefined && fromUri !== undefined && id !== fromUri) {
    throw errors.invalid('Parameters id and uri name different interactions')
  }
  const out = (id as string | undefined) ?? fromUri
  if (out === undefined) throw errors.missing('id')
  return out
}

/** `saveLAR`: optional, boolean or "true"/"false". */
export function parseSaveLar(raw: unknown): boolean {
  if (raw === undefined || raw === null) return false
  if (typeof raw === 'boolean') return raw
  if (raw === 'true') return true
  if (raw === 'false') return false
  throw errors.invalid('Parameter saveLAR must be true or false')
}

/** The answer to an id the caller may not know about: the same as for an unknown one. */
function notFound(id: string): GwsError {
  return errors.notFound(`Interaction ${id} not found`)
}

/** The operation's media must match (AddInteraction / PullInteraction take any). */
function mediaMismatch(
  ix: Interaction,
  media: MediaType | null,
  operationName: string,
): GwsError | undefined {
  if (media === null || ix.mediaType === media) return undefined
  return errors.invalid(`${operationName} cannot be used with a ${ix.mediaType} interaction`)
}

function sameLocation(a: InteractionLocation, b: InteractionLocation): boolean {
  if (a.kind === 'owner' && b.kind === 'owner') return a.userId === b.userId
  if (a.kind === 'workbin' && b.kind === 'workbin')
    return a.workbinId === b.workbinId && a.owner === b.owner
  return false
}

/**
 * A lost compare-and-set after which the caller may still act on the interaction (it was moved
 * and moved back): it can be read, so saying so tells nothing new.
 */
function movedMeanwhile(id: string): GwsError {
  return errors.invalid(`Interaction ${id} was moved by another request`)
}

/** Who may hand an interaction over into a workbin (see the header comment). */
function mayPut(actor: Actor, target: ResolvedInstance, ownerId: string): boolean {
  if (ownerId === actor.user.id) return true
  if (target.workbinUserId !== undefined && ownerId === target.workbinUserId) return true
  const roles = actor.user.roles
  return roles.includes('admin') || roles.includes('apiuser')
}

/** The userData stamps of an interaction entering a workbin (docs/workbins-content.md "Put"). */
export function workbinStamps(target: ResolvedInstance): UserDataChange {
  const set: UserData = { Workbin: target.workbin.workbinName }
  if (target.workbin.type === 'Agent') {
    set.WorkbinAgentId = target.instance.owner
    return { set, remove: [] }
  }
  return { set, remove: ['WorkbinAgentId'] }
}

/** No change to userData (a pull keeps it as it is). */
const UNCHANGED: UserDataChange = Object.freeze({ set: {}, remove: [] })

async function reserveReferenceId(deps: WorkbinDeps, actor: Actor): Promise<number> {
  const [ref] = await deps.store.nextReferenceIds(actor.user.id, 1)
  if (ref === undefined) throw errors.internal('No reference id')
  return ref
}

/**
 * Move the interaction with `move`, its WorkbinStateChangeMessage entries going into the same
 * transaction (notifier.ts), then have them delivered and answer HTTP.
 */
async function moveAndAnnounce(
  deps: WorkbinDeps,
  actor: Actor,
  target: ResolvedInstance,
  action: 'ItemAdded' | 'ItemRemoved',
  referenceId: number,
  before: Interaction,
  next: InteractionLocation,
  move: (log: LogFor<Interaction> | undefined) => Promise<MoveResult>,
): Promise<{ reply: OperationReply; result: MoveResult }> {
  const base = deps.publicUrl()
  const requester = { userId: actor.user.id, referenceId }
  // The interaction's own message first, then the workbin's (docs/interactions.md).
  const told = audienceOf([before.location, next], requester)
  const entriesOf = (interaction: Interaction) => [
    ...interactionEntries(
      { before, after: interaction, notificationType: 'StatusChange', requester },
      told,
      base,
    ),
    ...itemChangeEntries(
      {
        workbin: target.workbin,
        instance: target.instance,
        action,
        interaction,
        requester,
      },
      base,
    ),
  ]
  const logged: LogEntry[] = []
  const result = await move(logWith(deps.notifier, logged, entriesOf))
  if (result.ok) {
    deps.notifier.committed(deps.notifier.durable ? logged : entriesOf(result.interaction))
  }
  return { reply: { statusCode: 0, referenceId }, result }
}

/**
 * Why `actor` may not put `ix` (undefined: they may). `ix` undefined: there is none. Only a
 * caller who may put it or could read it learns more than "not found".
 */
async function putRefusal(
  deps: WorkbinDeps,
  actor: Actor,
  target: ResolvedInstance,
  id: string,
  ix: Interaction | undefined,
  media: MediaType | null,
  operationName: string,
): Promise<GwsError | undefined> {
  if (!ix) return notFound(id)
  const l = ix.location
  const mayAct = l.kind === 'owner' && mayPut(actor, target, l.userId)
  if (!mayAct && !(await mayReadAtUri(deps.store, actor.user, ix))) return notFound(id)
  const mismatch = mediaMismatch(ix, media, operationName)
  if (mismatch) return mismatch
  if (sameLocation(l, { kind: 'workbin', ...target.instance })) {
    return errors.invalid(`Interaction ${id} is already in this workbin`)
  }
  if (l.kind !== 'owner') return errors.invalid(notHandledMessage(ix))
  // handled by someone the caller may not act for, yet readable: not a case today (only the
  // handler and admin/apiuser read an owned interaction, and both may put it).
  return mayAct ? undefined : notFound(id)
}

async function put(
  media: MediaType | null,
  operationName: string,
  { actor, target, body, deps }: Parameters<OperationHandler>[0],
): Promise<OperationReply> {
  const id = interactionIdOf(body)
  const saveLAR = parseSaveLar(body.saveLAR)
  const refusal = (ix: Interaction | undefined) =>
    putRefusal(deps, actor, target, id, ix, media, operationName)
  const ix = await deps.store.getInteraction(actor.contactCenter.id, id)
  const refused = await refusal(ix)
  if (refused || !ix) throw refused ?? notFound(id)
  // Reserve the reference id before moving, so that nothing can fail after the change.
  const referenceId = await reserveReferenceId(deps, actor)
  const next: InteractionLocation = { kind: 'workbin', ...target.instance }
  const { reply, result } = await moveAndAnnounce(
    deps,
    actor,
    target,
    'ItemAdded',
    referenceId,
    ix,
    next,
    (log) =>
      deps.store.moveInteraction(
        actor.contactCenter.id,
        id,
        ix.location,
        next,
        { state: IN_WORKBIN, capabilities: [], userData: workbinStamps(target) },
        log,
      ),
  )
  if (!result.ok) throw (await refusal(result.current)) ?? movedMeanwhile(id)
  if (saveLAR) {
    // saveLAR records last-agent-routing info in the contact profile. There is no
    // contact profile in this server; accepted and logged only.
    deps.log.debug({ interactionId: id, userId: actor.user.id }, 'saveLAR requested (no-op)')
  }
  return reply
}

/** Why `actor` may not pull `ix` from `here` (undefined: they may); elsewhere is not found. */
function pullRefusal(
  id: string,
  ix: Interaction | undefined,
  here: InteractionLocation,
  media: MediaType | null,
  operationName: string,
): GwsError | undefined {
  // Whoever may use the instance sees what is in it; nothing else is theirs to learn here.
  if (!ix || !sameLocation(ix.location, here)) return notFound(id)
  return mediaMismatch(ix, media, operationName)
}

async function pull(
  media: MediaType | null,
  operationName: string,
  { actor, target, body, deps }: Parameters<OperationHandler>[0],
): Promise<OperationReply> {
  const id = interactionIdOf(body)
  const { nickname } = body
  if (nickname !== undefined && typeof nickname !== 'string') {
    throw errors.invalid('Parameter nickname must be a string')
  }
  const here: InteractionLocation = { kind: 'workbin', ...target.instance }
  const refusal = (ix: Interaction | undefined) => pullRefusal(id, ix, here, media, operationName)
  const ix = await deps.store.getInteraction(actor.contactCenter.id, id)
  const refused = refusal(ix)
  if (refused || !ix) throw refused ?? notFound(id)
  const referenceId = await reserveReferenceId(deps, actor)
  const mine: InteractionLocation = { kind: 'owner', userId: actor.user.id }
  const { reply, result } = await moveAndAnnounce(
    deps,
    actor,
    target,
    'ItemRemoved',
    referenceId,
    ix,
    mine,
    (log) =>
      deps.store.moveInteraction(
        actor.contactCenter.id,
        id,
        here,
        mine,
        { state: PROCESSING, capabilities: defaultCapabilities(ix.mediaType), userData: UNCHANGED },
        log,
        handledLimit(deps, actor.user, { self: true }),
      ),
  )
  // The loser of two pulls: the winner has it now, so this is "not found", as for a later read.
  if (!result.ok) throw refusal(result.current) ?? movedMeanwhile(id)
  if (nickname !== undefined) {
    // the nickname shown to the chat customer; there is no chat server here.
    deps.log.debug({ interactionId: id, nickname }, 'pull nickname (no chat server; not used)')
  }
  return reply
}

/** The handler of one Add… / Pull… operation name, or undefined if the name is not one. */
export function contentOperation(operationName: string): OperationHandler | undefined {
  const op = parseContentOperation(operationName)
  if (!op) return undefined
  const { verb, media } = op
  return (ctx) =>
    verb === 'Add' ? put(media, operationName, ctx) : pull(media, operationName, ctx)
}
