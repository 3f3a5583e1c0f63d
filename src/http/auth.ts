// Authentication: HTTP Basic on any request, a server session behind the JSESSIONID cookie,
// idle expiry, optional CSRF, failed-login throttling. Also resolves the caller of a CometD
// handshake (cookie or Basic header on the handshake / upgrade request). docs/security.md
// explains the session and throttling rules.

import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { parse as parseCookies, serialize as serializeCookie } from 'cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import { GwsError, StatusCode, ThrottledError, errors } from '../errors.ts'
import type { HttpSession, SessionCaller, User } from '../model.ts'
import { hashPassword, verifyPasswordAsync } from '../store/password.ts'
import type { Store } from '../store/store.ts'
import { clientAddress, type RawRequest } from './client-address.ts'
import type { Caller } from './context.ts'
import { LoginThrottle } from './login-throttle.ts'

export const SESSION_COOKIE = 'JSESSIONID'
export const CSRF_HEADER = 'X-CSRF-TOKEN'
const REALM = 'Genesys Web Services'
/**
 * A session's lastSeenAt is written at most once per this share of the idle time, and at least
 * once a minute: a session in use never expires, an unused one expires within 5% early, and a
 * desktop polling REST costs a write a minute instead of one every few seconds.
 */
const TOUCH_SHARE_OF_IDLE = 0.05
const TOUCH_EVERY_MAX_MS = 60_000
/** Verified Basic credentials are remembered this long (ms), so clients that send Basic on every request do not pay scrypt every time. */
const CREDENTIAL_TTL_MS = 60_000
const CREDENTIAL_CACHE_MAX = 10_000
/** Most users whose unclaimed sessions are remembered; the oldest entry is dropped beyond. */
const UNCLAIMED_USERS_MAX = 10_000
const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'))

interface CachedCredential {
  userId: string
  /** The stored hash the password was verified against: a changed password invalidates the entry. */
  passwordHash: string
  expiresAt: number
}

interface BasicCredentials {
  userName: string
  password: string
  /** Cache key: a digest of the whole credential, never the password itself. */
  key: string
}

/** The caller of a CometD handshake. */
export interface RawCaller {
  user: User
  /** The HTTP session whose cookie authenticated the handshake (ended with it), if any. */
  httpSessionId: string | undefined
}

/** Basic credentials of an Authorization header: undefined when absent, 401 when malformed. */
function parseBasic(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
  if (!m) throw errors.unauthenticated('Malformed Authorization header; expected Basic credentials')
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) throw errors.unauthenticated('Malformed Basic credentials')
  return {
    userName: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    key: createHash('sha256').update(decoded).digest('base64'),
  }
}

/** Why a Basic login failed: wrong name or password, or refused by the throttle before checking. */
export type LoginFailureReason = 'invalid_credentials' | 'throttled'

export interface AuthenticatorOptions {
  /** Told of every failed login (metrics); no user name or address is passed. */
  onLoginFailure?: (reason: LoginFailureReason) => void
}

/** Where a node of a cluster tells the others of a failed login (docs/cluster.md). */
export interface LoginFailurePeers {
  loginFailed(userName: string, address: string): void
}

export class Authenticator {
  /** Set in a cluster: the failures counted here are counted on every node. */
  peers: LoginFailurePeers | undefined
  private readonly credentials = new Map<string, CachedCredential>()
  /**
   * Per user, oldest first: sessions this node opened for a Basic request without a session
   * cookie whose cookie has not come back yet. A client that sends Basic on every request and
   * never keeps the cookie opens one per request; these are ended first, so such a client
   * cannot end the sessions of the user's desktops through the per-user cap.
   */
  private readonly unclaimed = new Map<string, string[]>()
  private readonly throttle: LoginThrottle
  private readonly addressOf: (req: RawRequest) => string

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly log: Logger,
    private readonly opts: AuthenticatorOptions = {},
  ) {
    this.addressOf = clientAddress(config.trustProxy)
    this.throttle = new LoginThrottle(
      {
        windowMs: config.loginWindowSeconds * 1000,
        maxPerName: config.loginMaxFailuresPerName,
        maxPerAddress: config.loginMaxFailuresPerAddress,
        maxTracked: config.loginTrackedMax,
      },
      log,
    )
  }

  private idleMs(): number {
    return this.config.sessionIdleSeconds * 1000
  }

  private touchEveryMs(): number {
    return Math.min(TOUCH_EVERY_MAX_MS, this.idleMs() * TOUCH_SHARE_OF_IDLE)
  }

  /**
   * The live session named by the request's JSESSIONID cookie, with its user, contact center
   * and place facts (one store read), if any.
   */
  private async sessionFromCookie(
    cookieHeader: string | undefined,
  ): Promise<SessionCaller | undefined> {
    if (!cookieHeader) return undefined
    const id = parseCookies(cookieHeader)[SESSION_COOKIE]
    if (!id || id.length > 128) return undefined
    const found = await this.store.getSessionCaller(id)
    if (!found) return undefined
    const { session } = found
    this.claimed(session.userId, id)
    const now = Date.now()
    if (now - session.lastSeenAt > this.idleMs()) {
      await this.store.deleteSession(id)
      return undefined
    }
    if (now - session.lastSeenAt > this.touchEveryMs()) {
      await this.store.touchSession(id, now)
      session.lastSeenAt = now
    }
    return found
  }

  /**
   * A Basic login: throttled per name and address (waiting while logins in flight could reach
   * a limit), then verified (cached for a while). Throws ThrottledError (429) or 401.
   */
  private async login(basic: BasicCredentials, address: string, log: Logger): Promise<User> {
    const { userName } = basic
    // Before the cache: a refused address must not learn a right guess from a cache hit. Its
    // count is taken with no await in between, so that guesses sent at once all count.
    let waitMs = this.throttle.begin(userName, address)
    while (waitMs instanceof Promise) {
      await waitMs
      waitMs = this.throttle.begin(userName, address)
    }
    if (waitMs !== undefined) {
      this.opts.onLoginFailure?.('throttled')
      throw new ThrottledError(
        'Too many failed logins; try again later',
        Math.max(1, Math.ceil(waitMs / 1000)),
      )
    }
    try {
      return await this.verify(basic, address, log)
    } finally {
      this.throttle.end(userName, address)
    }
  }

  /** The user of Basic credentials the throttle let through (cached for a while); else 401. */
  private async verify(basic: BasicCredentials, address: string, log: Logger): Promise<User> {
    const { userName, password, key } = basic
    const now = Date.now()
    const cached = this.credentials.get(key)
    if (cached && cached.expiresAt > now) {
      const user = await this.store.getUser(cached.userId)
      if (user && user.passwordHash === cached.passwordHash) return user
      this.credentials.delete(key)
    }
    const user = await this.store.getUserByName(userName)
    // An unknown user costs the same scrypt as a known one: timing does not tell which names exist.
    const ok = await verifyPasswordAsync(password, user?.passwordHash ?? DUMMY_HASH)
    if (!user || !ok) {
      this.throttle.failed(userName, address, Date.now(), log)
      this.peers?.loginFailed(userName, address)
      this.opts.onLoginFailure?.('invalid_credentials')
      log.info({ userName, address }, 'authentication failed')
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
    })
    return user
  }

  private async newSession(userId: string, log: Logger): Promise<HttpSession> {
    const now = Date.now()
    const session: HttpSession = {
      id: randomBytes(24).toString('base64url'),
      userId,
      csrfToken: randomUUID(),
      createdAt: now,
      lastSeenAt: now,
    }
    const ended = await this.store.createSession(session, this.config.maxHttpSessionsPerUser)
    if (ended > 0) {
      log.debug({ userId, ended }, 'HTTP sessions over the per-user limit ended')
    }
    return session
  }

  /**
   * Resolve the caller of a REST request. A valid session cookie wins, and Basic naming the
   * same user is then not checked again (as Spring Security's Basic filter does); any other
   * Basic login opens a new session. Throws GwsError 20 when nothing works, 429 when throttled.
   * `admit` runs once the user is known and before a login opens a session: what it throws
   * (the per-user request bound) leaves no session behind.
   */
  async authenticateRest(
    request: FastifyRequest,
    reply: FastifyReply,
    admit?: (user: User) => Promise<void> | void,
  ): Promise<Caller> {
    const basic = parseBasic(request.headers.authorization)
    const current = await this.sessionFromCookie(request.headers.cookie)
    if (current && !(basic && current.user.userName !== basic.userName)) {
      await admit?.(current.user)
      const { user, contactCenter, session } = current
      return { user, contactCenter, session, known: current }
    }
    if (!basic) throw errors.unauthenticated()
    // request.log: these lines carry the request id.
    const user = await this.login(basic, request.ip, request.log as Logger)
    await admit?.(user)
    const session = await this.newSession(user.id, request.log as Logger)
    await this.endUnclaimedBeyondCap(user.id, session.id)
    reply.header('set-cookie', this.sessionCookie(session.id))
    const contactCenter = await this.store.getContactCenter(user.contactCenterId)
    if (!contactCenter) throw errors.internal('The user has no contact center')
    return { user, contactCenter, session }
  }

  /**
   * The caller of a CometD handshake: session cookie or Basic header on the raw request, by
   * the rules of authenticateRest (a Basic-only handshake opens no HTTP session). Null when
   * not authenticated; throws ThrottledError when the login is throttled.
   */
  async authenticateRaw(req: {
    readonly headers: IncomingHttpHeaders
    readonly socket?: { readonly remoteAddress?: string | undefined } | undefined
  }): Promise<RawCaller | null> {
    try {
      const basic = parseBasic(req.headers.authorization)
      const current = await this.sessionFromCookie(req.headers.cookie)
      if (basic && (!current || current.user.userName !== basic.userName)) {
        const user = await this.login(basic, this.addressOf(req), this.log)
        return { user, httpSessionId: undefined }
      }
      return current ? { user: current.user, httpSessionId: current.session.id } : null
    } catch (err) {
      if (err instanceof ThrottledError) throw err
      if (err instanceof GwsError && err.statusCode === StatusCode.NOT_AUTHENTICATED) return null
      throw err
    }
  }

  /** The session's cookie came back: its client keeps cookies, the session is not unclaimed. */
  private claimed(userId: string, sessionId: string): void {
    const list = this.unclaimed.get(userId)
    if (list === undefined) return
    const i = list.indexOf(sessionId)
    if (i < 0) return
    list.splice(i, 1)
    if (list.length === 0) this.unclaimed.delete(userId)
  }

  /**
   * Remember a session just opened for a Basic request without a cookie, then end the user's
   * oldest unclaimed ones beyond WORKBINS_MAX_UNCLAIMED_SESSIONS_PER_USER. After the new one is
   * stored, so the user never has no session for a moment (that would free their place).
   */
  private async endUnclaimedBeyondCap(userId: string, sessionId: string): Promise<void> {
    let list = this.unclaimed.get(userId)
    if (list === undefined) {
      if (this.unclaimed.size >= UNCLAIMED_USERS_MAX) {
        const first = this.unclaimed.keys().next()
        if (!first.done) this.unclaimed.delete(first.value)
      }
      list = []
      this.unclaimed.set(userId, list)
    }
    list.push(sessionId)
    const over = list.length - this.config.maxUnclaimedSessionsPerUser
    if (over <= 0) return
    for (const id of list.splice(0, over)) await this.store.deleteSession(id)
  }

  /** End an HTTP session (logout); the reply's cookie tells the browser to drop it. */
  async logout(session: HttpSession, reply: FastifyReply): Promise<void> {
    await this.store.deleteSession(session.id)
    reply.header('set-cookie', this.sessionCookie('', 0))
  }

  sessionCookie(id: string, maxAge?: number): string {
    return serializeCookie(SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: this.config.cookieSecure,
      ...(maxAge === undefined ? {} : { maxAge }),
    })
  }

  /** A failed login another node counted (LoginFailurePeers): the throttle counts it here too. */
  heardLoginFailure(userName: string, address: string): void {
    this.throttle.counted(userName, address)
  }

  /** Forget cached credentials of a user (e.g. after their sessions were ended). */
  forgetUser(userId: string): void {
    for (const [k, v] of this.credentials) if (v.userId === userId) this.credentials.delete(k)
  }
}

/** GWS CSRF protection (docs/api.md "Conventions"): token per session, required on state-changing methods. */
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

/** 401 with the Basic challenge. */
export function challenge(reply: FastifyReply): void {
  reply.header('WWW-Authenticate', `Basic realm="${REALM}"`)
}
