// Reading one HTTP/1.1 request for the direct long-polling path (transports/direct/reader.ts).
// Deliberately narrow: it accepts only what Bayeux clients send — `POST <path> HTTP/1.1`, plain
// header lines including Host, either one Content-Length or `Transfer-Encoding: chunked` (what node's http
// client, hence cometd-nodejs-client, sends) with plain chunks, no Expect, no Upgrade — and
// says "not mine" (null) for everything else, so that node's own parser (llhttp) handles it
// with node's answers (400, 431, trailers, 100-continue, upgrades) exactly as without this path.

import type { IncomingHttpHeaders } from 'node:http'

/** A request head this path serves. */
export interface Head {
  readonly method: 'POST'
  /** The request target as sent (path and query). */
  readonly url: string
  /** Lower-case names, duplicates merged the way node's IncomingMessage merges them. */
  readonly headers: IncomingHttpHeaders
  /** Content-Length (0 when absent or chunked). */
  readonly length: number
  /** `Transfer-Encoding: chunked` (see `chunkedBody`). */
  readonly chunked: boolean
  /** `Connection: close`: answer this request, then close. */
  readonly close: boolean
  /** The connection it came on (set by conn.ts). */
  socket?: { readonly remoteAddress?: string | undefined }
}

/** tchar (RFC 9110 §5.6.2) name, then field value of visible chars, SP, HTAB or obs-text. */
const FIELD_RE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[\t ]*([\t\x20-\x7e\x80-\xff]*?)[\t ]*$/
/** Request line: POST, an origin-form target of visible ASCII, HTTP/1.1. */
const LINE_RE = /^POST (\/[\x21-\x7e]*) HTTP\/1\.1$/
const DIGITS_RE = /^\d{1,15}$/

/** Headers whose duplicates node drops (first one wins); see IncomingMessage#_addHeaderLine. */
const SINGLE = new Set([
  'content-type',
  'user-agent',
  'referer',
  'host',
  'authorization',
  'proxy-authorization',
  'if-modified-since',
  'if-unmodified-since',
  'from',
  'location',
  'max-forwards',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
])

/**
 * Parse the head in `text` (latin1, from the request line up to but without the blank line).
 * `accept(url)` tells whether the target is a Bayeux path. null: not for this path.
 */
export function parseHead(text: string, accept: (url: string) => boolean): Head | null {
  let eol = text.indexOf('\r\n')
  if (eol < 0) eol = text.length
  const line = LINE_RE.exec(text.slice(0, eol))
  if (line === null) return null
  const url = line[1] as string
  if (!accept(url)) return null
  const headers: Record<string, string | string[]> = Object.create(null) as Record<
    string,
    string | string[]
  >
  let length = 0
  let sawLength = false
  let chunked = false
  let close = false
  let pos = eol + 2
  while (pos < text.length) {
    let end = text.indexOf('\r\n', pos)
    if (end < 0) end = text.length
    const field = FIELD_RE.exec(text.slice(pos, end))
    pos = end + 2
    // obs-fold, bare CR/LF, control characters, empty names: node's parser decides.
    if (field === null) return null
    const name = (field[1] as string).toLowerCase()
    const value = field[2] as string
    switch (name) {
      case 'content-length':
        if (sawLength || !DIGITS_RE.test(value)) return null
        sawLength = true
        length = Number(value)
        continue // kept in headers below
      case 'transfer-encoding':
        // Only a single `chunked`, never together with Content-Length (RFC 9112 §6.3).
        if (chunked || value.toLowerCase() !== 'chunked') return null
        chunked = true
        break
      case 'expect':
      case 'upgrade':
        return null
      case 'connection': {
        const v = value.toLowerCase()
        if (v.includes('upgrade')) return null
        if (/(?:^|,)\s*close\s*(?:,|$)/.test(v)) close = true
        break
      }
    }
    const prev = headers[name]
    if (prev === undefined) headers[name] = name === 'set-cookie' ? [value] : value
    else if (name === 'set-cookie') (prev as string[]).push(value)
    else if (SINGLE.has(name)) continue
    else headers[name] = `${prev as string}${name === 'cookie' ? '; ' : ', '}${value}`
  }
  // node:http answers 400 to an HTTP/1.1 request without Host (requireHostHeader).
  if (headers.host === undefined) return null
  if (sawLength && chunked) return null
  if (sawLength) headers['content-length'] = String(length)
  return { method: 'POST', url, headers: headers as IncomingHttpHeaders, length, chunked, close }
}

const CR = 0x0d
const LF = 0x0a
const HTAB = 0x09
const SP = 0x20
const DEL = 0x7f

/**
 * Does the start of a head (no blank line yet) hold what parseHead would refuse whatever
 * follows: a bare CR or LF, an obs-fold (a line starting with SP or HTAB), another control
 * character, or a whole line that is not a Bayeux request line or not `name: value`? node's
 * parser refuses most of these at the byte; handing the head over now lets node answer its 400
 * at once instead of waiting for a blank line that may never come. A trailing CR is not
 * refused: its LF may be in the next read.
 */
export function badHeadStart(buf: Buffer, accept: (url: string) => boolean): boolean {
  const n = buf.length
  let lineEnd = -1
  for (let i = 0; i < n; i++) {
    const c = buf[i] as number
    if ((c >= SP && c !== DEL) || c === HTAB) continue
    if (c !== CR) return true // bare LF, NUL, other controls
    if (i + 1 === n) break
    if (buf[i + 1] !== LF) return true
    lineEnd = i
    i++
    const next = buf[i + 1]
    if (next === SP || next === HTAB) return true
  }
  if (lineEnd < 0) return false
  const lines = buf.toString('latin1', 0, lineEnd).split('\r\n')
  const line = LINE_RE.exec(lines[0] as string)
  if (line === null || !accept(line[1] as string)) return true
  for (let i = 1; i < lines.length; i++) if (!FIELD_RE.test(lines[i] as string)) return true
  return false
}

/** `chunkedBody` results other than a body. */
export const INCOMPLETE = 0
export const NOT_MINE = 1
export const TOO_LARGE = 2

/** Value of a hex digit byte, -1 if not one. */
function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  return -1
}

/**
 * Decode a chunked body (RFC 9112 §7.1) that starts at `start` in `buf`: plain chunk-size
 * lines, no chunk extensions and no trailer fields (those go to node's parser: NOT_MINE).
 * Returns the body and the offset just after it, INCOMPLETE while more bytes are needed, or
 * TOO_LARGE once the decoded size exceeds `max`.
 */
export function chunkedBody(
  buf: Buffer,
  start: number,
  max: number,
): { body: Buffer; end: number } | typeof INCOMPLETE | typeof NOT_MINE | typeof TOO_LARGE {
  const parts: Buffer[] = []
  let size = 0
  let pos = start
  for (;;) {
    let n = 0
    let digits = 0
    for (;;) {
      if (pos >= buf.length) return INCOMPLETE
      const v = hex(buf[pos] as number)
      if (v < 0) break
      n = n * 16 + v
      pos++
      if (++digits > 8) return NOT_MINE
    }
    if (digits === 0) return NOT_MINE
    if (pos + 1 >= buf.length) return INCOMPLETE
    if (buf[pos] !== CR || buf[pos + 1] !== LF) return NOT_MINE // extensions, junk
    pos += 2
    if (n === 0) {
      if (pos + 1 >= buf.length) return INCOMPLETE
      if (buf[pos] !== CR || buf[pos + 1] !== LF) return NOT_MINE // trailer fields
      const body = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size)
      return { body, end: pos + 2 }
    }
    size += n
    if (size > max) return TOO_LARGE
    if (pos + n + 1 >= buf.length) return INCOMPLETE
    if (buf[pos + n] !== CR || buf[pos + n + 1] !== LF) return NOT_MINE
    parts.push(buf.subarray(pos, pos + n))
    pos += n + 2
  }
}
