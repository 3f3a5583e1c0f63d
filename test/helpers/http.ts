// A small REST client for tests: Basic credentials on the first request, then the JSESSIONID
// cookie the server set (like a GWS agent desktop), or Basic on every request (`basicAlways`).
// With `inject` (the app's fastify instance) requests skip the socket: fastify `inject()` runs
// the same routes and hooks, a quicker way through the breadth of REST error cases.

import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { FastifyInstance } from 'fastify'

export interface ApiResponse<T = Record<string, unknown>> {
  status: number
  body: T
  headers: Headers
}

export class ApiClient {
  /** Cookies kept per name, as a browser would for this host. */
  readonly cookies = new Map<string, string>()
  csrfToken: string | undefined

  constructor(
    readonly apiUrl: string,
    readonly userName?: string,
    readonly password?: string,
    readonly opts: { basicAlways?: boolean; inject?: FastifyInstance } = {},
  ) {}

  basicHeader(): string | undefined {
    if (this.userName === undefined) return undefined
    return `Basic ${Buffer.from(`${this.userName}:${this.password ?? ''}`).toString('base64')}`
  }

  cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    init: { headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...init.headers }
    const cookie = this.cookieHeader()
    if (cookie) headers.cookie = cookie
    const basic = this.basicHeader()
    if (basic && (this.opts.basicAlways || !this.cookies.has('JSESSIONID'))) {
      headers.authorization ??= basic
    }
    if (this.csrfToken && method !== 'GET') headers['x-csrf-token'] ??= this.csrfToken
    let payload: string | undefined = init.rawBody
    if (payload === undefined && body !== undefined) payload = JSON.stringify(body)
    if (payload !== undefined) headers['content-type'] ??= 'application/json'
    const res = await this.#send(method, path, headers, payload)
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const eq = (pair ?? '').indexOf('=')
      if (eq > 0) this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim())
    }
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers }
  }

  async #send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<{ status: number; headers: Headers; text(): Promise<string> }> {
    const app = this.opts.inject
    if (!app) return fetch(this.apiUrl + path, { method, headers, body })
    const res = await app.inject({
      method: method as 'GET',
      url: new URL(this.apiUrl).pathname + path,
      headers,
      ...(body === undefined ? {} : { payload: body }),
    })
    const out = new Headers()
    for (const [k, v] of Object.entries(res.headers)) {
      for (const one of Array.isArray(v) ? v : [v])
        if (one !== undefined) out.append(k, String(one))
    }
    return { status: res.statusCode, headers: out, text: async () => res.body }
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path)
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body)
  }
}

/**
 * One request sent from a chosen local address (e.g. 127.0.0.2: Linux answers the whole
 * 127/8 on loopback), for per-address behaviour. Returns status, headers and the parsed body.
 */
export function requestFrom<T = Record<string, unknown>>(
  localAddress: string,
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: T }> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        localAddress,
        agent: false,
        headers:
          payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => {
          let parsed: unknown = text
          try {
            parsed = text === '' ? undefined : JSON.parse(text)
          } catch {
            // keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed as T })
        })
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

/** `Basic ...` for a user name and password. */
export function basic(userName: string, password: string): string {
  return `Basic ${Buffer.from(`${userName}:${password}`).toString('base64')}`
}
