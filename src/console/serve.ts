// The browser console (console/ at the repository root): static files at /console/, the
// official `cometd` client's ES modules at /console/vendor/cometd/, and / redirecting there.
// Files are read once at start and served from a fixed list, so no request path ever reaches
// the file system. No build step: the browser loads the files as they are.

import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'

const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'console')
const COMETD_DIR = dirname(createRequire(import.meta.url).resolve('cometd'))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

// Same-origin only: scripts, styles, REST and the CometD websocket; the cometd client runs its
// timers in a blob: worker (not throttled in background tabs) ('self' covers ws: and wss:
// of the same host in CSP Level 3).
const CSP =
  "default-src 'none'; script-src 'self'; worker-src blob:; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

interface StaticFile {
  type: string
  body: Buffer
}

function load(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)]
    if (type) files.set(name, { type, body: readFileSync(join(dir, name)) })
  }
  return files
}

function send(reply: FastifyReply, file: StaticFile | undefined) {
  if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('Not found')
  return reply
    .header('content-type', file.type)
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', CSP)
    .header('referrer-policy', 'no-referrer')
    .send(file.body)
}

/**
 * A 401 answered to a script must not carry the Basic challenge, or the browser opens its own
 * login dialog over the console. Scripts say who they are with `X-Requested-With`, as usual.
 */
export function quietChallengeForScripts(http: FastifyInstance): void {
  http.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401 && request.headers['x-requested-with'] === 'XMLHttpRequest') {
      reply.removeHeader('www-authenticate')
    }
    return payload
  })
}

export function consoleRoutes(http: FastifyInstance): void {
  const own = load(CONSOLE_DIR)
  const cometd = load(COMETD_DIR)
  quietChallengeForScripts(http)
  http.get('/', async (_request, reply) => reply.redirect('/console/'))
  http.get('/console', async (_request, reply) => send(reply, own.get('index.html')))
  http.get<{ Params: { file: string } }>('/console/:file', async (request, reply) =>
    send(reply, own.get(request.params.file)),
  )
  http.get<{ Params: { file: string } }>('/console/vendor/cometd/:file', async (request, reply) =>
    send(reply, cometd.get(request.params.file)),
  )
}
