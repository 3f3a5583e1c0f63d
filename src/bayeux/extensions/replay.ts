// The replay extension (docs/cometd.md, "Replay"), in the spirit of Salesforce's Streaming API
// `replay`: every numbered message carries `ext.seq`, the number of the message in its user's
// feed; a handshake carrying `ext.replay: N` (the last number the client saw) starts the new
// session right after N, so it receives every message after N on the channels it subscribes
// to once its first subscriptions are answered. The handshake reply says
// `ext.replay: {from: N, recovered}`; `recovered: false` means messages after N are no longer
// kept (older than the retention): the client must list its workbins again.

/** The handshake's `ext.replay`: undefined when absent, 'invalid' when not a whole number >= 0. */
export function replayOf(ext: unknown): number | undefined | 'invalid' {
  if (typeof ext !== 'object' || ext === null) return undefined
  const v = (ext as Record<string, unknown>).replay
  if (v === undefined) return undefined
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 'invalid'
}
