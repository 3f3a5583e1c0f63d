// The dispatch tables src/http/routes/workbins.ts uses for the content operations:
//   POST .../workbins/{id}  {"operationName": "AddEmail" | "PullChat" | ...}  → contentOperations
//   POST /workbins          {"operationName": "RequestAgentStats"}            → collectionOperations

import { MEDIA_TYPES } from '../model.ts'
import type { Actor, OperationHandler, OperationReply, WorkbinDeps } from './operation.ts'
import { contentOperation } from './put-pull.ts'
import { MEDIA } from './resources.ts'
import { requestAgentStats } from './stats.ts'

function build(): Record<string, OperationHandler> {
  const out: Record<string, OperationHandler> = {}
  // AddInteraction / PullInteraction take any media; AddEmail, AddChat,
  // AddWorkitem, AddOpenmedia, AddFacebook, AddTweet, AddFacebooksession (and Pull*) one each.
  const words = ['Interaction', ...MEDIA_TYPES.map((m) => MEDIA[m].operationWord)]
  for (const verb of ['Add', 'Pull']) {
    for (const word of words) {
      const name = `${verb}${word}`
      const handler = contentOperation(name)
      if (handler) out[name] = handler
    }
  }
  return out
}

/** Every Add* / Pull* operation on one workbin instance. */
export const contentOperations: Record<string, OperationHandler> = build()

export type CollectionOperation = (ctx: {
  actor: Actor
  body: Record<string, unknown>
  deps: WorkbinDeps
}) => Promise<OperationReply>

/** Operations on the workbins collection (`POST /workbins`) other than Subscribe/Unsubscribe. */
export const collectionOperations: Record<string, CollectionOperation> = {
  RequestAgentStats: requestAgentStats,
}
