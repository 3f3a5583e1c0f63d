// Authentication (contract §3): HTTP Basic on any request, a server session behind the
// JSESSIONID cookie, idle expiry, optional CSRF. Also resolves the caller of a CometD
// handshake (cookie or Basic header on the handshake / upgrade request).

import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { parse as parseCookies, serialize as serializeCookie } from 'cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import { GwsError, StatusCode, errors } from '../errors.ts'
import type { HttpSession, User } from '../model.ts'
import { hashPassword, verifyPasswordAsync } from '../store/password.ts'
import type { Store } from '../store/store.ts'
import type { Caller } from './context.ts'

export const SESSION_COOKIE = 'JSESSIONID'
export const CSRF_HEADER = 'X-CSRF-TOKEN'
const REALM = 'Genesys Web Services'
/** A session's lastSeenAt is written at most this often (ms): idle expiry is coarse anyway. */
const TOUCH_EVERY_MS = 5_000
/** Verified Basic credentials are remembered this long (ms), so clients that send Basic on every request do not pay scrypt every time. */
const CREDENTIAL_TTL_MS = 60_000
const CREDENTIAL_CACHE_MAX = 10_000
const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'))

interface CachedCredential {
  userId: string
  /** The stored hash the password was verified against: a changed password invalidates the entry. */
  passwordHash: string
  expiresAt: number
  /** The session handed to this credential, reused while alive (bounds sessions for Basic-only clients). */
  sessionId: string | undefined
}

export interface Principal {
  user: User
  session: HttpSession | undefined
}

export class Authenticator {
  private readonly credentials = new Map<string, CachedCredential>()

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  private idleMs(): number {
    return this.config.sessionIdleSeconds * 1000
  }

  /** The live session named by the request's JSESSIONID cookie, if any. */
  private async sessionFromCookie(
    cookieHeader: string | undefined,
  ): Promise<HttpSession | undefined> {
    if (!cookieHeader) return undefined
    const id = parseCookies(cookieHeader)[SESSION_COOKIE]
    if (!id || id.length > 128) return undefined
    const session = await this.store.getSession(id)
    if (!session) return undefined
    const now = Date.now()
    if (now - session.lastSeenAt > this.idleMs()) {
      await this.store.deleteSession(id)
      return undefined
    }
    if (now - session.lastSeenAt > TOUCH_EVERY_MS) {
      await this.store.touchSession(id, now)
      session.lastSeenAt = now
    }
    return session
  }

  /** Checks a Basic header. Undefined when absent; throws 401 when present but wrong. */
  private async userFromBasic(
    header: string | undefined,
  ): Promise<{ user: User; key: string } | undefined> {
    if (!header) return undefined
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
    if (!m)
      throw errors.unauthenticated('Malformed Authorization header; expected Basic credentials')
    const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) throw errors.unauthenticated('Malformed Basic credentials')
    const userName = decoded.slice(0, colon)
    const password = decoded.slice(colon + 1)
    const key = createHash('sha256').update(decoded).digest('base64')
    const now = Date.now()
    const cached = this.credentials.get(key)
    if (cached && cached.expiresAt > now) {
      const user = await this.store.getUser(cached.userId)
      if (user && user.passwordHash === cached.passwordHash) return { user, key }
      this.credentials.delete(key)
    }
    const user = await this.store.getUserByName(userName)
    // An unknown user costs the same scrypt as a known one: timing does not tell which names exist.
    const ok = await verifyPasswordAsync(password, user?.passwordHash ?? DUMMY_HASH)
    if (!user || !ok) {
      this.log.info({ userName }, 'authentication failed')
      throw errors.unauthenticated('Invalid user name or password')
    }
    if (this.credentials.size >= CREDENTIAL_CACHE_MAX) {
      // Drop the oldest entry (Map keeps insertion order).
      const first = this.credentials.keys().next()
      if (!first.done) this.credentials.delete(first.value)
    }
    this.credentials.set(key, {
      userId: user.id,
      passwordHash: user.passwordHash,
      expiresAt: now + CREDENTIAL_TTL_MS,
      sessionId: cached?.sessionId,
    })
    return { user, key }
  }

  private async newSession(userId: string): Promise<HttpSession> {
    const now = Date.now()
    const session: HttpSession = {
      id: randomBytes(24).toString('base64url'),
      userId,
      csrfToken: randomUUID(),
      createdAt: now,
      lastSeenAt: now,
    }
    await this.store.createSession(session)
    return session
  }

  /**
   * Resolve the caller of a REST request: Basic wins when present (and opens or reuses a
   * session); otherwise the JSESSIONID cookie. Throws GwsError 20 when neither works.
   */
  async authenticateRest(request: FastifyRequest, reply: FastifyReply): Promise<Caller> {
    const basic = await this.userFromBasic(request.headers.authorization)
    let session = await this.sessionFromCookie(request.headers.cookie)
    let user: User | undefined
    if (basic) {
      user = basic.user
      if (!session || session.userId !== user.id) {
        const cached = this.credentials.get(basic.key)
        const reuse = cached?.sessionId
          ? await this.sessionFromCookie(`${SESSION_COOKIE}=${cached.sessionId}`)
          : undefined
        session = reuse && reuse.userId === user.id ? reuse : await this.newSession(user.id)
        if (cached) cached.sessionId = session.id
        reply.header('set-cookie', this.sessionCookie(session.id))
      }
    } else if (session) {
      user = await this.store.getUser(session.userId)
      if (!user) {
        await this.store.deleteSession(session.id)
        session = undefined
      }
    }
    if (!user || !session) throw errors.unauthenticated()
    const contactCenter = await this.store.getContactCenter(user.contactCenterId)
    if (!contactCenter) throw errors.internal('The user has no contact center')
    return { user, contactCenter, session }
  }

  /** The caller of a CometD handshake: session cookie or Basic header on the raw request. */
  async authenticateRaw(req: { readonly headers: IncomingHttpHeaders }): Promise<User | null> {
    try {
      const basic = await this.userFromBasic(req.headers.authorization)
      if (basic) return basic.user
      const session = await this.sessionFromCookie(req.headers.cookie)
      if (!session) return null
      return (await this.store.getUser(session.userId)) ?? null
    } catch (err) {
      if (err instanceof GwsError && err.statusCode === StatusCode.NOT_AUTHENTICATED) return null
      throw err
    }
  }

  sessionCookie(id: string): string {
    return serializeCookie(SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: this.config.cookieSecure,
    })
  }

  /** Forget cached credentials of a user (e.g. after their sessions were ended). */
  forgetUser(userId: string): void {
    for (const [k, v] of this.credentials) if (v.userId === userId) this.credentials.delete(k)
  }
}

/** GWS CSRF protection (contract §3): token per session, required on state-changing methods. */
export function checkCsrf(request: FastifyRequest, reply: FastifyReply, caller: Caller): void {
  if (request.method === 'GET' || request.method === 'HEAD') {
    reply.header('X-CSRF-HEADER', CSRF_HEADER)
    reply.header(CSRF_HEADER, caller.session.csrfToken)
    return
  }
  if (request.method === 'OPTIONS') return
  const sent = request.headers[CSRF_HEADER.toLowerCase()]
  if (sent !== caller.session.csrfToken) {
    throw new GwsError(StatusCode.FORBIDDEN, 'Missing or invalid Csrf token')
  }
}

/** 401 with the Basic challenge (contract §3). */
export function challenge(reply: FastifyReply): void {
  reply.header('WWW-Authenticate', `Basic realm="${REALM}"`)
}
