// A minimal keep-alive REST client for the scale suite: one per user, Basic on the first
// request, then the JSESSIONID cookie. Bodies are read whole; JSON is parsed only when asked.

import http from 'node:http'
import { performance } from 'node:perf_hooks'

export interface Reply {
  status: number
  bytes: number
  ms: number
  text?: string
}

export class ScaleClient {
  private cookie: string | undefined
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

  constructor(
    private readonly port: number,
    private readonly user: string,
    private readonly password: string,
  ) {}

  request(method: string, path: string, body?: object, keepText = false): Promise<Reply> {
    const headers: Record<string, string> = {}
    if (this.cookie) headers.cookie = this.cookie
    else
      headers.authorization = `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`
    const payload = body === undefined ? undefined : JSON.stringify(body)
    if (payload !== undefined) headers['content-type'] = 'application/json'
    const t0 = performance.now()
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path: `/api/v2${path}`,
          headers,
          agent: this.agent,
        },
        (res) => {
          const set = res.headers['set-cookie']?.find((c) => c.startsWith('JSESSIONID='))
          if (set) this.cookie = set.split(';')[0]
          const chunks: Buffer[] = []
          let bytes = 0
          res.on('data', (c: Buffer) => {
            bytes += c.length
            if (keepText) chunks.push(c)
          })
          res.on('end', () => {
            const reply: Reply = { status: res.statusCode ?? 0, bytes, ms: performance.now() - t0 }
            if (keepText) reply.text = Buffer.concat(chunks).toString('utf8')
            resolve(reply)
          })
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  }

  get(path: string, keepText = false): Promise<Reply> {
    return this.request('GET', path, undefined, keepText)
  }

  close(): void {
    this.agent.destroy()
  }
}
