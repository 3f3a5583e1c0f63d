// GET of workbin content (docs/workbins-content.md "Reading workbin content"), called by src/http/routes/workbins.ts after
// it has checked the feature gate and resolved + authorized the instance(s) with access.ts:
//   - GET `/…/workbins/{id}` with a `subresources` parameter            (one target, no mediaType)
//   - GET `/…/workbins/{id}/{mediaType}` and the documented
//     `/{userId}/workbins/{id}/{mediaType}` (GWS docs' form)             (one target, mediaType set)
//   - GET `/…/workbins?workbinIds=a,b` (with or without subresources)   (several targets, `many`)
// GET `/…/workbins/{id}` without `subresources` is answered by the route itself
// (definitions.ts workbinReply). The content itself is built by content.ts.

import { contentReply, contentReplyMany } from './content.ts'
import { serializeReply, StreamedJson } from './content-chunks.ts'
import { parsePaging } from './content-paging.ts'
import type { Actor, OperationReply, ResolvedInstance, WorkbinDeps } from './operation.ts'
import { errors } from '../errors.ts'

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

/**
 * The reply, or a stream of its JSON text when the content was read in chunks
 * (content-chunks.ts): the route sends that as `application/json` as it is.
 */
export async function contentView(
  request: ContentViewRequest,
): Promise<OperationReply | StreamedJson> {
  const { targets, many, mediaType, query, deps } = request
  const subresources = joined(query.subresources)
  const fields = joined(query.fields)
  const paging = parsePaging(query, deps.config.contentPageMax)
  if (many && paging.page !== undefined) {
    throw errors.invalid('Parameters limit and cursor apply to one workbin, not to workbinIds')
  }
  const [target] = targets
  if (!many && target === undefined) throw errors.missing('workbin id')
  // The whole content of each instance (no page asked): one slot for the whole request, held
  // until the reply is written (the route releases the stream once the response is over).
  const whole = paging.page === undefined && (subresources !== undefined || mediaType !== undefined)
  const slot = whole ? deps.wholeContents?.take() : undefined
  try {
    const reply = many
      ? await contentReplyMany(deps, targets, { subresources, fields, paging })
      : await contentReply(deps, target as ResolvedInstance, {
          subresources,
          fields,
          mediaSegment: mediaType,
          paging,
        })
    const out = serializeReply(reply)
    if (!slot) return out
    if (out instanceof StreamedJson) {
      slot.hold(out.bytes)
      return out.alsoReleasing(slot.free)
    }
    slot.free()
    return out
  } catch (err) {
    slot?.free()
    throw err
  }
}

/** A repeated query parameter (`?subresources=email&subresources=chat`) counts as a comma list. */
function joined(raw: unknown): unknown {
  return Array.isArray(raw) ? raw.join(',') : raw
}
