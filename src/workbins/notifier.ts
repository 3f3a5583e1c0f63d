// What the domain needs from the notification layer. The Bayeux server implements it
// (src/bayeux); a multi-node bus can wrap it later without the domain noticing.

export interface Notifier {
  /** Deliver `data` on `channel` to every CometD session of user `userId` subscribed to a matching channel. */
  deliverToUser(userId: string, channel: string, data: Record<string, unknown>): void
  /** End every CometD session of the user (server-side /meta/disconnect). */
  disconnectUser(userId: string): void
}

/** The channel of this API's messages (docs/cometd.md). */
export const WORKBINS_CHANNEL = '/v2/me/workbins'
