// Just enough of the faye client's API for the interop tests (faye ships no types).
declare module 'faye' {
  interface Thenable {
    then(ok?: (v?: unknown) => unknown, ko?: (err: unknown) => unknown): Thenable
  }
  export interface Subscription extends Thenable {
    cancel(): void
  }
  export interface FayeMessage {
    channel: string
    clientId?: string
    successful?: boolean
    error?: string
    data?: unknown
    ext?: Record<string, unknown>
    [k: string]: unknown
  }
  export interface Extension {
    incoming?(message: FayeMessage, callback: (m: FayeMessage) => void): void
    outgoing?(message: FayeMessage, callback: (m: FayeMessage) => void): void
  }
  export class Client {
    constructor(url: string, options?: { timeout?: number; retry?: number; interval?: number })
    disable(feature: string): void
    setHeader(name: string, value: string): void
    addExtension(ext: Extension): void
    handshake(callback?: () => void): void
    subscribe(channel: string, callback: (data: unknown) => void): Subscription
    publish(channel: string, data: unknown): Thenable
    disconnect(): Thenable | undefined
    unsubscribe(channel: string): void
    on(event: 'transport:up' | 'transport:down', cb: () => void): void
  }
  const faye: { Client: typeof Client }
  export default faye
}
