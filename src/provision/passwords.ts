// The stored hash of every user a document gives a plain password, worked out before the plan
// is built: kept when a fingerprint shows the password is unchanged (no scrypt), kept when
// scrypt verifies it, else hashed anew. The scrypt work runs in the libuv thread pool,
// `concurrency` at a time, so the event loop stays free and the cores are used.

import { hashPasswordAsync, verifyPasswordAsync } from '../store/password.ts'
import { fingerprint, type Fingerprints } from './fingerprints.ts'
import type { ProvisionDocument } from './schema.ts'
import type { ExistingDirectories } from './validate.ts'

/** What became of the plain passwords of a document. */
export interface PasswordStats {
  /** Users given a plain password. */
  given: number
  /** Unchanged, known by their fingerprint: no scrypt at all. */
  unchanged: number
  /** Unchanged, known by verifying the stored hash (one scrypt each). */
  verified: number
  /**
   * New or changed: hashed anew (one scrypt each, plus one when the stored hash had to be
   * verified first because no fingerprint was recorded against it).
   */
  hashed: number
}

export interface ResolvedPasswords {
  /** User id → the hash to store. */
  hashes: Map<string, string>
  /** User id → fingerprint of the password against that hash. */
  fingerprints: Map<string, string>
  stats: PasswordStats
}

export interface ResolveOptions {
  fingerprints: Fingerprints
  /** scrypt computations in flight at once (at least 1). */
  concurrency: number
  /** Called after each password is settled. */
  onProgress?: ((done: number, total: number) => void) | undefined
}

interface Pending {
  userId: string
  password: string
  /** The stored hash to verify first, if any. */
  stored: string | undefined
}

export async function resolvePasswords(
  doc: ProvisionDocument,
  existing: ExistingDirectories,
  opts: ResolveOptions,
): Promise<ResolvedPasswords> {
  const out: ResolvedPasswords = {
    hashes: new Map(),
    fingerprints: new Map(),
    stats: { given: 0, unchanged: 0, verified: 0, hashed: 0 },
  }
  const pending: Pending[] = []
  for (const cc of doc.contactCenters) {
    const stored = new Map(existing.get(cc.id)?.users.map((u) => [u.id, u.passwordHash]))
    for (const u of cc.users ?? []) {
      if (u.password === undefined) continue
      out.stats.given++
      const hash = stored.get(u.id)
      const known =
        hash === undefined ? 'unknown' : opts.fingerprints.recognize(u.id, u.password, hash)
      if (known === 'unchanged') {
        settle(out, u.id, u.password, hash as string)
        out.stats.unchanged++
      } else {
        // A known change is hashed straight away; only an unknown one is worth verifying.
        const verify = known === 'unknown' ? hash : undefined
        pending.push({ userId: u.id, password: u.password, stored: verify })
      }
    }
  }

  const total = out.stats.given
  let done = out.stats.unchanged
  opts.onProgress?.(done, total)
  let next = 0
  const worker = async () => {
    while (next < pending.length) {
      const p = pending[next++] as Pending
      if (p.stored !== undefined && (await verifyPasswordAsync(p.password, p.stored))) {
        settle(out, p.userId, p.password, p.stored)
        out.stats.verified++
      } else {
        settle(out, p.userId, p.password, await hashPasswordAsync(p.password))
        out.stats.hashed++
      }
      opts.onProgress?.(++done, total)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker))
  return out
}

function settle(out: ResolvedPasswords, userId: string, password: string, hash: string): void {
  out.hashes.set(userId, hash)
  out.fingerprints.set(userId, fingerprint(userId, password, hash))
}

/** `passwords: 3 unchanged, 1 verified, 2 hashed`, or '' when the document gave none. */
export function summarizePasswords(s: PasswordStats): string {
  if (s.given === 0) return ''
  return `passwords: ${s.unchanged} unchanged, ${s.verified} verified, ${s.hashed} hashed`
}
