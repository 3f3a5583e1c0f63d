// The domain's Notifier (src/workbins/notifier.ts) over the Bayeux server, in one of two modes:
// - durable (default): entries are in the store with their change; the pump delivers them
//   numbered, and CometD sessions are kept (session-keeper.ts);
// - memory (`WORKBINS_NOTIFICATION_LOG=0`): entries are delivered as they are, to the sessions
//   held in this process, and lost with it (the behaviour of a plain CometD server).

import type { Logger } from 'pino'
import type { BayeuxServer } from '../bayeux/index.ts'
import type { WorkbinInstance } from '../model.ts'
import type { LogEntry } from '../store/notification-log.ts'
import type { Store } from '../store/store.ts'
import type { Notifier } from '../workbins/notifier.ts'
import type { FeedPump } from './feed-pump.ts'

/** The other nodes of a cluster (src/cluster): told after each commit and session event. */
export interface ClusterLink {
  committed(entries: readonly LogEntry[]): void
  subscribed(userId: string, instances: readonly WorkbinInstance[], on: boolean): void
  disconnectUser(userId: string): void
}

export class BayeuxNotifier implements Notifier {
  readonly durable: boolean
  /** Set when this server is a node of a cluster (docs/cluster.md). */
  cluster: ClusterLink | null = null

  constructor(
    private readonly bayeux: BayeuxServer,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly pump: FeedPump | null,
  ) {
    this.durable = pump !== null
  }

  committed(entries: readonly LogEntry[]): void {
    this.cluster?.committed(entries)
    if (this.pump) this.pump.committed(entries)
    else void this.#deliverFromMemory(entries)
  }

  async publish(entries: readonly LogEntry[]): Promise<void> {
    if (this.pump) await this.store.appendNotifications([...entries])
    this.committed(entries)
  }

  deliverToUser(userId: string, channel: string, data: Record<string, unknown>): void {
    this.publish([{ userId, channel, data }]).catch((err: unknown) => {
      this.log.error({ err, userId, channel }, 'notification not stored: not delivered')
    })
  }

  subscribed(userId: string, instances: readonly WorkbinInstance[], on: boolean): void {
    this.pump?.subscribed(userId, instances, on)
    this.cluster?.subscribed(userId, instances, on)
  }

  async disconnectUser(userId: string): Promise<void> {
    // What was committed for the user goes out before the sessions end.
    if (this.pump) await this.pump.deliverNow(userId)
    // Stored sessions held nowhere (their node died, this server restarted, or they expired
    // while their client was away) must not be resumed by their next request either. Deleted
    // first: a session being resumed meanwhile is either live when the sessions are ended
    // below, or finds its row gone when it checks, once registered (engine/durable.ts).
    if (this.pump) {
      await this.store.deleteCometdSessionsOfUser(userId).catch((err: unknown) => {
        this.log.warn({ err, userId }, 'stored CometD sessions of the user not deleted')
      })
    }
    this.bayeux.disconnectUser(userId)
    this.cluster?.disconnectUser(userId)
  }

  /** Memory mode: every recipient of each entry, now. */
  async #deliverFromMemory(entries: readonly LogEntry[]): Promise<void> {
    for (const e of entries) {
      if (e.userId !== undefined) {
        this.bayeux.deliverToUser(e.userId, e.channel, e.data)
        continue
      }
      if (!e.instance) continue
      let users: string[]
      try {
        users = await this.store.listSubscribers(e.instance)
      } catch (err) {
        this.log.warn({ err, instance: e.instance }, 'subscribers not read: change not announced')
        continue
      }
      for (const u of users) {
        if (e.exclude?.includes(u)) continue
        this.bayeux.deliverToUser(u, e.channel, e.owner?.userId === u ? e.owner.data : e.data)
      }
    }
  }
}
