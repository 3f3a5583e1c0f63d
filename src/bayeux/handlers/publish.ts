// Publish to a non-meta channel (Bayeux 1.0, publish).
// GWS notifications flow from server to client, so client publishes to broadcast channels
// are refused (403, as CometD's security policy answers) unless `clientPublish` is on; then
// they reach subscribed sessions of the publisher's contact center only. /v2/** is the
// server's per-user space and always refuses them; /service/** goes to a registered handler
// and is never broadcast.

import type { EngineApi } from '../engine/api.ts'
import type { Exchange } from '../engine/exchange.ts'
import type { InMessage, Reply } from '../protocol/messages.ts'
import { replyId, replyTo } from '../protocol/messages.ts'
import { BayeuxError } from '../protocol/errors.ts'
import { channelTooLong, isUserSpace, parseChannel } from '../protocol/channels.ts'
import { Outgoing } from '../protocol/outgoing.ts'
import { tooDeep } from '../../json-depth.ts'
import type { Session } from '../engine/session.ts'

function failed(r: Reply, error: string): void {
  r.successful = false
  r.error = error
}

export function handlePublish(engine: EngineApi, ex: Exchange, m: InMessage): Promise<void> | void {
  const channel = m.channel as string
  const r = replyTo(m, channel) // channel, id, successful: a publish reply never echoes data
  ex.replies.push(r)
  const maxLength = engine.config.maxChannelLength
  if (channelTooLong(channel, maxLength)) return failed(r, BayeuxError.channelTooLong(maxLength))
  const p = parseChannel(channel)
  if (!p || p.wild) return failed(r, BayeuxError.channelInvalid())
  const s = engine.resolve(ex, m)
  if (!s || s.terminated) return failed(r, BayeuxError.sessionUnknown())
  ex.session ??= s
  if (p.kind === 'meta') return failed(r, BayeuxError.publishDenied('meta_channel'))
  if (m.data === undefined) return failed(r, BayeuxError.dataMissing())
  // Serializing a value nested thousands deep overflows the stack (a 500 for the publisher).
  const maxDepth = engine.config.maxDataDepth
  if (tooDeep(m.data, maxDepth)) return failed(r, BayeuxError.dataTooDeep(maxDepth))

  if (p.kind === 'service') return callService(engine, s, r, m, channel)
  if (isUserSpace(channel)) return failed(r, BayeuxError.publishDenied('server_channel'))
  if (!engine.config.clientPublish) return failed(r, BayeuxError.publishDenied('broadcast_channel'))
  engine.broadcast(s.principal.contactCenterId, channel, m.data)
  r.successful = true
}

/** /service/**: the registered handler answers the caller only, never a broadcast. */
async function callService(
  engine: EngineApi,
  s: Session,
  r: Reply,
  m: InMessage,
  channel: string,
): Promise<void> {
  const handler = engine.service(channel)
  if (handler) {
    try {
      const result = await handler({
        clientId: s.id,
        principal: s.principal,
        channel,
        data: m.data,
      })
      if (result !== undefined) {
        // What the official client's remoteCall waits for: same channel and id, with data.
        const id = replyId(m)
        const head = id === undefined ? '' : `"id":${JSON.stringify(id)},`
        engine.deliverTo(
          s,
          new Outgoing(
            `{"channel":${JSON.stringify(channel)},${head}"successful":true,"data":${JSON.stringify(result)}}`,
          ),
        )
      }
    } catch (err) {
      engine.log.warn({ err, channel }, 'bayeux service handler failed')
      return failed(r, BayeuxError.serviceFailed())
    }
  }
  r.successful = true
}
