// Password fingerprints: which plain password each stored hash was made from (or verified
// against), so that re-applying an unchanged document costs an HMAC per user, not an scrypt.
// The file lives beside the document by default; docs/security.md ("Provisioning passwords")
// gives the reasoning. A missing, unreadable or stale file only makes provisioning slower.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'

const VERSION = 1

/** What a recorded fingerprint says of a password against the stored hash. */
export type Recognition =
  /** The password the stored hash was made from: keep the hash, no scrypt. */
  | 'unchanged'
  /** Recorded against this very hash, for another password: hash anew, no verify needed. */
  | 'changed'
  /** Nothing recorded against this hash: verify with scrypt. */
  | 'unknown'

/**
 * `TAG:MAC`. MAC is HMAC-SHA256 keyed with the stored hash (random salt + scrypt output) over
 * the user id and the plain password: useless without the database row, and stale as soon as
 * the row's hash changes. TAG (a digest of the stored hash, nothing of the password) tells
 * which hash the entry was made against.
 */
export function fingerprint(userId: string, password: string, storedHash: string): string {
  const mac = createHmac('sha256', storedHash)
    .update(userId)
    .update('\0')
    .update(password)
    .digest('base64')
  return `${hashTag(storedHash)}:${mac}`
}

function hashTag(storedHash: string): string {
  return createHash('sha256').update(storedHash).digest('base64').slice(0, 12)
}

export class Fingerprints {
  readonly #byUser: Map<string, string>
  readonly #loaded: string

  private constructor(byUser: Map<string, string>) {
    this.#byUser = byUser
    this.#loaded = Fingerprints.serialize(byUser)
  }

  static empty(): Fingerprints {
    return new Fingerprints(new Map())
  }

  /** The file's fingerprints; none when it is absent or not one of ours. */
  static async load(file: string): Promise<Fingerprints> {
    let json: unknown
    try {
      json = JSON.parse(await readFile(file, 'utf8'))
    } catch {
      return Fingerprints.empty()
    }
    const byUser = new Map<string, string>()
    const { version, users } = (json ?? {}) as { version?: unknown; users?: unknown }
    if (version === VERSION && users !== null && typeof users === 'object') {
      for (const [id, fp] of Object.entries(users)) if (typeof fp === 'string') byUser.set(id, fp)
    }
    return new Fingerprints(byUser)
  }

  /** Whether `password` is the one `storedHash` was made from, as far as the record tells. */
  recognize(userId: string, password: string, storedHash: string): Recognition {
    const recorded = this.#byUser.get(userId)
    if (recorded === undefined || !recorded.startsWith(`${hashTag(storedHash)}:`)) return 'unknown'
    const a = Buffer.from(recorded)
    const b = Buffer.from(fingerprint(userId, password, storedHash))
    return a.length === b.length && timingSafeEqual(a, b) ? 'unchanged' : 'changed'
  }

  /** Replace the whole set (users no longer given a plain password are dropped). */
  replaceWith(entries: Map<string, string>): void {
    this.#byUser.clear()
    for (const [id, fp] of entries) this.#byUser.set(id, fp)
  }

  get changed(): boolean {
    return Fingerprints.serialize(this.#byUser) !== this.#loaded
  }

  /** Atomic write (temp file + rename), readable by the owner only. */
  async save(file: string): Promise<void> {
    const tmp = `${file}.${process.pid}.tmp`
    await writeFile(tmp, Fingerprints.serialize(this.#byUser), { mode: 0o600 })
    await rename(tmp, file)
  }

  private static serialize(byUser: Map<string, string>): string {
    const users = Object.fromEntries([...byUser].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    return `${JSON.stringify({ version: VERSION, users })}\n`
  }
}
