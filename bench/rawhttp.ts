// A deliberately small HTTP/1.1 client for the load generator: one keep-alive socket per
// connection object, one request in flight at a time, responses framed by Content-Length or
// chunked encoding. Node's `http` client costs several times more CPU per request, and the
// generator must not be the bottleneck of the benchmark.

import net from 'node:net'
import { nowAbs } from './protocol.ts'

export interface RawResponse {
  status: number
  body: string
  /** Value of the first Set-Cookie header, if any (name=value part only). */
  cookie: string | undefined
  /** name=value of every Set-Cookie header. */
  cookies: string[]
  /** When its last byte was read (nowAbs(), ms). */
  at: number
}

interface Pending {
  resolve(r: RawResponse): void
  reject(e: Error): void
}

const CRLF2 = Buffer.from('\r\n\r\n')

export class RawConnection {
  private socket: net.Socket | null = null
  private pending: Pending | null = null
  private buf: Buffer = Buffer.alloc(0)
  private closed = false

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** POST `body` to `path`; `extraHeaders` is pre-formatted (each line ends with \r\n). */
  post(path: string, body: string, extraHeaders = ''): Promise<RawResponse> {
    return this.send('POST', path, body, extraHeaders)
  }

  /** Any method; `body` may be empty. */
  send(method: string, path: string, body: string, extraHeaders = ''): Promise<RawResponse> {
    if (this.closed) return Promise.reject(new Error('connection closed by the generator'))
    if (this.pending) return Promise.reject(new Error('request already in flight'))
    const sock = this.socket ?? this.open()
    return new Promise<RawResponse>((resolve, reject) => {
      this.pending = { resolve, reject }
      sock.write(
        `${method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `${extraHeaders}\r\n${body}`,
      )
    })
  }

  close(): void {
    this.closed = true
    this.socket?.destroy()
    this.socket = null
    this.fail(new Error('connection closed by the generator'))
  }

  private open(): net.Socket {
    const sock = net.connect({ host: this.host, port: this.port, noDelay: true })
    this.socket = sock
    this.buf = Buffer.alloc(0)
    sock.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
      this.parse()
    })
    const gone = (err?: Error): void => {
      if (this.socket !== sock) return // an older socket we already let go of
      this.socket = null
      this.fail(err ?? new Error('socket closed'))
    }
    sock.on('error', gone)
    sock.on('close', () => gone())
    return sock
  }

  private fail(err: Error): void {
    const p = this.pending
    this.pending = null
    p?.reject(err)
  }

  private parse(): void {
    const at = nowAbs()
    const end = this.buf.indexOf(CRLF2)
    if (end < 0) return
    const head = this.buf.toString('latin1', 0, end)
    const lines = head.split('\r\n')
    const status = Number((lines[0] ?? '').split(' ')[1])
    let length = -1
    let chunked = false
    let cookie: string | undefined
    const cookies: string[] = []
    let close = false
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string
      const c = line.indexOf(':')
      const name = line.slice(0, c).toLowerCase()
      const value = line.slice(c + 1).trim()
      if (name === 'content-length') length = Number(value)
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked')
      else if (name === 'set-cookie') {
        const c = value.split(';')[0] as string
        cookie ??= c
        cookies.push(c)
      } else if (name === 'connection') close = value.toLowerCase() === 'close'
    }
    const start = end + 4
    let body: string
    let consumed: number
    if (chunked) {
      const parts: Buffer[] = []
      let pos = start
      for (;;) {
        const lineEnd = this.buf.indexOf('\r\n', pos)
        if (lineEnd < 0) return
        const size = parseInt(this.buf.toString('latin1', pos, lineEnd), 16)
        if (this.buf.length < lineEnd + 2 + size + 2) return
        if (size === 0) {
          consumed = lineEnd + 4
          break
        }
        parts.push(this.buf.subarray(lineEnd + 2, lineEnd + 2 + size))
        pos = lineEnd + 2 + size + 2
      }
      body = Buffer.concat(parts).toString('utf8')
    } else {
      if (length < 0) length = 0
      if (this.buf.length < start + length) return
      body = this.buf.toString('utf8', start, start + length)
      consumed = start + length
    }
    this.buf = this.buf.subarray(consumed)
    const p = this.pending
    this.pending = null
    if (close) {
      this.socket?.destroy()
      this.socket = null
    }
    p?.resolve({ status, body, cookie, cookies, at })
  }
}
