// Which browser pages may use the CometD paths, on every transport: the websocket upgrade
// (websocket.ts) and each long-polling request, on both HTTP paths (long-polling.ts).

/**
 * Whether a request with this `Origin` may use CometD: the server's own origin (its host is the
 * request's Host, whatever the scheme a proxy terminated), or a listed one. A request without
 * Origin is not a browser's and is not checked; `Origin: null` (a sandboxed page, a file) is a
 * browser's and is refused. Browsers send the user's cookies on a websocket upgrade and, without
 * a preflight, on a "simple" POST (text/plain, form-encoded) from any page of the same site, so
 * without this check such a page could open sessions as the user, read their notifications over
 * a websocket (RFC 6455, 10.2 "Origin Considerations"), or use up their sessions.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  if (origin === undefined) return true // not a browser
  if (allowed.has(origin)) return true
  if (!URL.canParse(origin) || host === undefined) return false
  return new URL(origin).host === host.toLowerCase()
}

/** The Content-Types a page may POST with to another origin without a CORS preflight (Fetch standard, "CORS-safelisted request-header"). */
const NO_PREFLIGHT = new Set([
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
])

/**
 * Whether a browser could have sent this POST to another origin without a preflight: no
 * Content-Type, or a safelisted one. Any other (application/json, which every CometD client
 * sends) needs a preflight first, which answers only the listed origins (docs/security.md,
 * "Cross-origin browsers"), so a page of another origin never gets such a request out.
 */
export function sendableWithoutPreflight(contentType: string | undefined): boolean {
  if (contentType === undefined) return true
  const semi = contentType.indexOf(';')
  const essence = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
  return NO_PREFLIGHT.has(essence)
}
