// `POST /me/workitems` and `POST /me/openmedia/{type}` with `{"operationName":"Create",
// "queueUri":..., "parentId"?}` (Workitem Create, Open Media Create): a new interaction the
// caller handles (Processing) at once. `queueUri` must name a provisioned queue (400 / 2
// otherwise); it is recorded in userData as `Queue` (the queue it came from). Refused (400 / 10)
// when the caller handles WORKBINS_MAX_HANDLED_PER_AGENT already (handled-limit.ts).

import { errors, GwsError, StatusCode } from '../errors.ts'
import type { Interaction, MediaType } from '../model.ts'
import { defaultCapabilities } from './capabilities.ts'
import { formatReceivedDate } from './dates.ts'
import { handledLimit } from './handled-limit.ts'
import { interactionMoved } from './interaction-events.ts'
import { findQueue } from './queues.ts'
import { PROCESSING } from './interaction-states.ts'
import { newInteractionId, parseUserData } from './interactions.ts'
import type { Actor, OperationReply, WorkbinDeps } from './operation.ts'
import { INTERACTION_ID_RE } from './resources.ts'

export async function createOwnInteraction(ctx: {
  deps: WorkbinDeps
  actor: Actor
  media: MediaType
  openmediaType?: string
  body: Record<string, unknown>
}): Promise<OperationReply> {
  const { deps, actor, media, body } = ctx
  if (typeof body.queueUri !== 'string' || body.queueUri === '') throw errors.missing('queueUri')
  const queue = findQueue(actor, { uri: body.queueUri })
  if (
    body.parentId !== undefined &&
    (typeof body.parentId !== 'string' || !INTERACTION_ID_RE.test(body.parentId))
  ) {
    throw errors.invalid('Parameter parentId must be an interaction id')
  }
  if (ctx.openmediaType !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(ctx.openmediaType)) {
    throw errors.invalid('The open media type must be a name of [A-Za-z0-9_-]')
  }
  const userData = { ...parseUserData(body.userData), Queue: queue.name }
  const [referenceId] = await deps.store.nextReferenceIds(actor.user.id, 1)
  if (referenceId === undefined) throw errors.internal('No reference id')
  for (let attempt = 0; ; attempt++) {
    const ix: Interaction = {
      id: newInteractionId(),
      contactCenterId: actor.contactCenter.id,
      mediaType: media,
      openmediaType: media === 'openmedia' ? (ctx.openmediaType ?? null) : null,
      state: PROCESSING,
      userData,
      receivedDate: formatReceivedDate(new Date()),
      capabilities: defaultCapabilities(media),
      location: { kind: 'owner', userId: actor.user.id },
      extra: typeof body.parentId === 'string' ? { parentId: body.parentId } : {},
    }
    try {
      await deps.store.createInteraction(ix, handledLimit(deps, actor.user, { self: true }))
    } catch (err) {
      // a generated id colliding is improbable (62^16); retry a few times all the same
      if (err instanceof GwsError && err.statusCode === StatusCode.ALREADY_EXISTS && attempt < 4)
        continue
      throw err
    }
    await interactionMoved(deps, undefined, ix, actor.user.id, referenceId)
    return { statusCode: 0, referenceId }
  }
}
