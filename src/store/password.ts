// Password hashing for stored users: only a hash is ever stored (docs/api.md, The model).
// Format: `scrypt$N$r$p$saltB64$hashB64`. Nothing is cached: every check recomputes.
// scryptRuns() counts every scrypt computed here, so tests and the provisioning summary can tell
// a password that was skipped from one that was hashed or verified.

import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto'

const N = 16384
const R = 8
const P = 1
const KEY_LENGTH = 32
const SALT_LENGTH = 16

let runs = 0

/** How many scrypt computations (hash or verify, sync or async) this process has made. */
export function scryptRuns(): number {
  return runs
}

function format(salt: Buffer, hash: Buffer): string {
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`
}

export function hashPassword(password: string): string {
  const salt = randomBytes(SALT_LENGTH)
  runs++
  return format(salt, scryptSync(password, salt, KEY_LENGTH, { N, r: R, p: P }))
}

/** hashPassword off the event loop (libuv thread pool), for hashing many at once. */
export function hashPasswordAsync(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH)
  runs++
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P }, (err, hash) =>
      err ? reject(err) : resolve(format(salt, hash)),
    )
  })
}

interface ParsedHash {
  n: number
  r: number
  p: number
  salt: Buffer
  expected: Buffer
}

/** The parts of a stored hash, or undefined when it is malformed or has absurd costs. */
function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  if (![n, r, p].every((v) => Number.isInteger(v) && v > 0)) return undefined
  // Refuse absurd cost parameters from a tampered row instead of burning CPU/memory on them.
  if (n > 1 << 20 || (n & (n - 1)) !== 0 || r > 32 || p > 16) return undefined
  const salt = Buffer.from(parts[4] ?? '', 'base64')
  const expected = Buffer.from(parts[5] ?? '', 'base64')
  if (salt.length === 0 || expected.length === 0) return undefined
  return { n, r, p, salt, expected }
}

/** True when `password` matches `stored`. A malformed hash never matches (and never throws). */
export function verifyPassword(password: string, stored: string): boolean {
  const h = parseHash(stored)
  if (!h) return false
  let actual: Buffer
  runs++
  try {
    actual = scryptSync(password, h.salt, h.expected.length, {
      N: h.n,
      r: h.r,
      p: h.p,
      maxmem: 256 * h.n * h.r + 1024,
    })
  } catch {
    return false
  }
  return timingSafeEqual(actual, h.expected)
}

/**
 * verifyPassword off the event loop (libuv thread pool): what request handlers use, so that a
 * burst of logins (or of wrong passwords) does not stall every other request for ~50 ms each.
 */
export function verifyPasswordAsync(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored)
  if (!h) return Promise.resolve(false)
  runs++
  return new Promise((resolve) => {
    scrypt(
      password,
      h.salt,
      h.expected.length,
      { N: h.n, r: h.r, p: h.p, maxmem: 256 * h.n * h.r + 1024 },
      (err, actual) => resolve(!err && timingSafeEqual(actual, h.expected)),
    )
  })
}

/** True when `value` has the shape of a hash made by hashPassword (used to accept pre-hashed passwords). */
export function isPasswordHash(value: string): boolean {
  return /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/.test(value)
}
