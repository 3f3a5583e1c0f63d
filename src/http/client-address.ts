// The client's address behind a reverse proxy (docs/scaling.md, "Client address"). Without
// WORKBINS_TRUST_PROXY it is the socket's peer. With it, X-Forwarded-For is read from the right,
// skipping the trusted proxies, as Fastify's `trustProxy` does for REST requests; the same rule
// serves the CometD handshake's raw request, so both throttle the same address.

import proxyAddr from '@fastify/proxy-addr'
import type { IncomingHttpHeaders } from 'node:http'

export interface RawRequest {
  readonly headers: IncomingHttpHeaders
  readonly socket?: { readonly remoteAddress?: string | undefined } | undefined
}

/** The trusted proxies of WORKBINS_TRUST_PROXY: comma-separated addresses, CIDRs or names. */
export function trustedProxies(setting: string): string[] {
  return setting
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

export function clientAddress(setting: string): (req: RawRequest) => string {
  const list = trustedProxies(setting)
  if (list.length === 0) return (req) => req.socket?.remoteAddress ?? ''
  const trust = proxyAddr.compile(list)
  return (req) => {
    if (!req.socket?.remoteAddress) return ''
    // proxy-addr reads only headers['x-forwarded-for'] and socket.remoteAddress.
    return proxyAddr(req as Parameters<typeof proxyAddr>[0], trust)
  }
}
