// Ends the CometD sessions of a user whose password changed, also when `workbins provision`
// changed it from another process (the store already ended their HTTP sessions). Provisioning
// moves the contact center's directory version, so users are read again only after it moved.

import { setImmediate as nextTurn } from 'node:timers/promises'
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { BayeuxServer } from '../bayeux/index.ts'
import type { Store } from '../store/store.ts'

/** Users read between two turns of the event loop. */
const USERS_PER_TURN = 256

/** What a CometD principal keeps of the password hash: enough to see it change, no more. */
export function credentialStamp(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url').slice(0, 16)
}

export interface CredentialWatch {
  /** One pass now; resolves to how many CometD sessions were ended. */
  check(): Promise<number>
  stop(): void
}

export function watchCredentials(
  store: Store,
  bayeux: BayeuxServer,
  log: Logger,
  everyMs: number,
): CredentialWatch {
  let versions = new Map<string, number | undefined>()
  let running = false

  async function check(): Promise<number> {
    const centers = new Set<string>()
    for (const p of bayeux.principals()) centers.add(p.contactCenterId)
    const next = new Map<string, number | undefined>()
    let ended = 0
    for (const cc of centers) {
      const version = await store.getDirectoryVersion(cc)
      next.set(cc, version)
      if (versions.has(cc) && versions.get(cc) === version) continue
      // The stamp of each user with a session here (null: the user is gone).
      const stamps = new Map<string, string | null>()
      for (const p of [...bayeux.principals()]) {
        if (p.contactCenterId !== cc || stamps.has(p.userId)) continue
        // A store read may resolve at once (SQLite): without a turn of the loop now and then,
        // the first pass after a start (every user with a session) would hold it throughout.
        if (stamps.size % USERS_PER_TURN === USERS_PER_TURN - 1) await nextTurn()
        const user = await store.getUser(p.userId)
        stamps.set(p.userId, user ? credentialStamp(user.passwordHash) : null)
      }
      ended += bayeux.disconnectWhere(
        (p) =>
          p.contactCenterId === cc &&
          p.credential !== undefined &&
          stamps.has(p.userId) &&
          stamps.get(p.userId) !== p.credential,
        'handshake',
      )
    }
    versions = next
    if (ended > 0) log.info({ ended }, 'CometD sessions ended: their password changed')
    return ended
  }

  const timer = setInterval(() => {
    if (running) return
    running = true
    check()
      .catch((err: unknown) => log.warn({ err }, 'credential check failed'))
      .finally(() => {
        running = false
      })
  }, everyMs)
  timer.unref()
  return { check, stop: () => clearInterval(timer) }
}
