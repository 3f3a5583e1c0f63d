// A message on its way to clients, serialized once and shared by every recipient session.
// The session queue (engine/session.ts) and the ack extension (extensions/ack.ts) both hold
// these.

export class Outgoing {
  /** `[json]`, built on first use by a WebSocket push of this message alone. */
  #frame: string | undefined
  /** UTF-8 size of `json`, counted once however many sessions queue it. */
  #size = -1
  constructor(readonly json: string) {}
  get frame(): string {
    return (this.#frame ??= `[${this.json}]`)
  }
  get size(): number {
    if (this.#size < 0) this.#size = Buffer.byteLength(this.json)
    return this.#size
  }
}

/** `{channel, data}` only: a delivered event never carries the publisher's clientId or id. */
export function outgoing(channel: string, data: unknown): Outgoing {
  return new Outgoing(`{"channel":${JSON.stringify(channel)},"data":${JSON.stringify(data)}}`)
}
