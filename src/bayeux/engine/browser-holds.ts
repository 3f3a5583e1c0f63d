// Long polls held by the same browser on OTHER servers of a cluster (docs/cluster.md, "Session
// limits"): the multiple-clients rule (COMETD_MAX_SESSIONS_PER_BROWSER) counts them with this
// server's own. The application tells the engine where they are; the engine tells it when one
// of its sessions holds a poll or ends. Without a cluster nothing is set and nothing is paid.

export interface BrowserHolds {
  /** A session of `browserKey` holds a long poll here (called at every hold; keep it cheap). */
  held(browserKey: string, clientId: string): void
  /** The session ended here (disconnect, expiry): it no longer polls. */
  ended(browserKey: string, clientId: string): void
  /** Sessions of `browserKey` other than `clientId` polling on other servers now. */
  elsewhere(browserKey: string, clientId: string): number
}
