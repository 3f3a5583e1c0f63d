// STUB created by issue 4 (subscriptions) so that src/http/routes/workbins.ts compiles. It is
// owned by the content engineer (issue 5), who replaces it: keep the two exports and their types.
//
// - contentOperations: POST `/…/workbins/{id}` operations other than Subscribe/Unsubscribe
//   (AddEmail, PullChat, ...). The route has already checked the feature gate, parsed the body
//   and resolved + authorized the instance (access.ts resolveInstance) before calling it.
// - collectionOperations: POST `/workbins` operations without `workbinIds` (RequestAgentStats).

import type { Actor, OperationHandler, OperationReply, WorkbinDeps } from './operation.ts'

export const contentOperations: Record<string, OperationHandler> = {}

export type CollectionOperation = (ctx: {
  actor: Actor
  body: Record<string, unknown>
  deps: WorkbinDeps
}) => Promise<OperationReply>

export const collectionOperations: Record<string, CollectionOperation> = {}
