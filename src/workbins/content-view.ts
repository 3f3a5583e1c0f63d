// STUB created by issue 4 (subscriptions) so that src/http/routes/workbins.ts compiles. It is
// owned by the content engineer (issue 5), who replaces it: keep the export and its types.
//
// The seam for GET of workbin *content* (contract §4): src/http/routes/workbins.ts serves the
// URLs, checks the feature gate, resolves + authorizes the instance(s) with access.ts, and calls
// `contentView` for:
//   - GET `/…/workbins/{id}` with a `subresources` parameter            (one target, no mediaType)
//   - GET `/…/workbins/{id}/{mediaType}` and the documented
//     `/{userId}/workbins/{id}/{mediaType}` (digest §4.3)               (one target, mediaType set)
//   - GET `/…/workbins?workbinIds=a,b` (with or without subresources)   (several targets, `many`)
// GET `/…/workbins/{id}` without `subresources` is answered by the route itself
// (definitions.ts workbinReply). `workbinResource` in definitions.ts renders the workbin header.

import { errors } from '../errors.ts'
import type { Actor, OperationReply, ResolvedInstance, WorkbinDeps } from './operation.ts'

export interface ContentViewRequest {
  actor: Actor
  /** The resolved, authorized instances, in the order requested. */
  targets: ResolvedInstance[]
  /** True for `?workbinIds=` (answer `workbins: [...]`), false for one workbin (`workbin: {...}`). */
  many: boolean
  /** The `{mediaType}` URL segment as given (`emails`, `chats`, ...), if any. */
  mediaType: string | undefined
  /** The query string parameters as parsed (`subresources`, `fields`, `agentGroup`, ...). */
  query: Record<string, unknown>
  deps: WorkbinDeps
}

export async function contentView(_request: ContentViewRequest): Promise<OperationReply> {
  throw errors.invalid('Workbin content is not available yet')
}
