// The Bayeux error table: every `error` string this server sends, in the spec's
// `code:args:message` grammar (Bayeux 1.0, error). Clients act on `successful` and `advice`,
// never on this text, but the codes follow CometD's conventions so logs read the same.

export const BayeuxError = {
  // 400: malformed request (HTTP 400 for an unparsable body carries it)
  bodyInvalid: () => '400::message_invalid',
  channelMissing: () => '400::channel_missing',
  fieldMissing: (field: string) => `400:${field}:field_missing`,
  handshakeNotAlone: () => '400::handshake_not_alone',
  dataMissing: () => '400::data_missing',
  dataTooDeep: (max: number) => `400:max_data_depth=${max}:data_invalid`,
  // 301: no connection type in common (faye's code)
  connectionTypes: (types: string) => `301:${types}:connection_types_unsupported`,
  // 402: the session does not exist (expired, never existed, or bound to another browser/socket)
  sessionUnknown: () => '402::session_unknown',
  // 403: policy denials
  handshakeUnauthenticated: () => '403:unauthenticated:handshake_denied',
  handshakeTooManySessions: (max: number) => `403:max_sessions_per_user=${max}:handshake_denied`,
  handshakeRefused: (reason: string) => `403:${reason}:handshake_denied`,
  subscriptionMissing: () => '403::subscription_missing',
  subscriptionInvalid: () => '403::subscription_invalid',
  subscriptionTooLong: (max: number) => `403:max_channel_length=${max}:subscription_invalid`,
  subscribeDenied: (reason: string) => `403:${reason}:subscribe_denied`,
  tooManySubscriptions: (max: number) =>
    `403:max_subscriptions_per_session=${max}:subscribe_denied`,
  publishDenied: (reason: string) => `403:${reason}:publish_denied`,
  // a long-polling request from a browser page of an origin that may not use CometD (HTTP 403)
  originDenied: () => '403::origin_denied',
  // 409: a newer /meta/connect of the same session replaced a held one (HTTP 500 carries it)
  connectSuperseded: () => '409::connect_superseded',
  // 405: invalid channel name
  channelInvalid: () => '405::channel_invalid',
  channelTooLong: (max: number) => `405:max_channel_length=${max}:channel_invalid`,
  messageIdInvalid: () => '405::message_id_invalid',
  // 409: the server ended the session because its queue hit a limit (messages or bytes)
  queueFull: (max: number) => `409:max_queue=${max}:session_terminated`,
  queueBytesFull: (max: number) => `409:max_queue_bytes=${max}:session_terminated`,
  // 413: body/frame too large (HTTP status 413 / WebSocket close 1009 carry it)
  messageTooLarge: (max: number) => `413:max_message_size=${max}:message_too_large`,
  // 400: a handshake `ext.replay` that is not a whole number >= 0, or beyond the user's newest
  replayInvalid: () => '400:replay:replay_invalid',
  replayFuture: (seq: number) => `400:replay=${seq}:replay_beyond_newest`,
  // 410: a resumed session's position is no longer (or not yet) in the user's feed
  positionLost: (reason: string) => `410:${reason}:position_lost`,
  // 500/503: server side
  serviceFailed: () => '500::service_failed',
  serverClosing: () => '503::server_closing',
  // the session's change could not be stored (durable sessions): try again
  storeUnavailable: () => '503::store_unavailable',
  // authenticate threw (e.g. its database is away): a temporary failure, not a denial
  authenticationUnavailable: () => '503::authentication_unavailable',
} as const

/**
 * Thrown by `authenticate` to refuse a handshake for `retryAfterMs`: the handshake reply says
 * `reconnect:"handshake"` with that interval; a WebSocket upgrade gets HTTP 429 + Retry-After.
 */
export class HandshakeRefused extends Error {
  constructor(
    /** A short token for the error's args, e.g. `too_many_failed_logins`. */
    readonly reason: string,
    readonly retryAfterMs: number,
  ) {
    super(reason)
    this.name = 'HandshakeRefused'
  }
}
