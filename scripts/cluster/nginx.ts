// Debian's nginx in front of the nodes (docs/scaling.md, "Local cluster"): a config of our own in
// a run directory (pid file, logs and temp paths there, so no root-owned path is needed), one
// round-robin upstream with no stickiness, websocket upgrades passed through, long polls held
// longer than any CometD timeout, and the client address forwarded in X-Forwarded-For.

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'

export const NGINX_INSTALL = 'apt-get install -y nginx-light'

/** The nginx binary, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx']) {
    if (existsSync(p)) return p
  }
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' })
  const p = which.stdout.trim()
  return which.status === 0 && p ? p : undefined
}

export interface NginxOptions {
  /** Absolute or relative; made absolute. nginx.conf, nginx.pid and logs go there. */
  runDir: string
  listenPort: number
  /** Node ports on 127.0.0.1. */
  upstreamPorts: number[]
  /** Longest a proxied request may stay silent: above COMETD_TIMEOUT plus margin. */
  readTimeoutS?: number
}

export function nginxConfig(o: NginxOptions): string {
  const dir = resolve(o.runDir)
  const read = o.readTimeoutS ?? 120
  const servers = o.upstreamPorts
    .map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`)
    .join('\n')
  return `# Written by scripts/cluster.ts; see docs/scaling.md.
daemon on;
pid ${dir}/nginx.pid;
worker_processes 1;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-tmp/body;
  proxy_temp_path ${dir}/nginx-tmp/proxy;
  fastcgi_temp_path ${dir}/nginx-tmp/fastcgi;
  uwsgi_temp_path ${dir}/nginx-tmp/uwsgi;
  scgi_temp_path ${dir}/nginx-tmp/scgi;
  # Round robin, no stickiness: any node serves any request (docs/scaling.md).
  upstream workbins {
${servers}
    keepalive 64;
  }
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' '';
  }
  server {
    listen 127.0.0.1:${o.listenPort};
    client_max_body_size 2m;
    location / {
      proxy_pass http://workbins;
      # Websocket upgrade (RFC 6455 over HTTP/1.1) and keep-alive to the nodes.
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      # The client's address, for the login throttle behind WORKBINS_TRUST_PROXY.
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # A long poll is held for COMETD_TIMEOUT; a websocket stays open for hours.
      proxy_read_timeout ${read}s;
      proxy_send_timeout ${read}s;
      proxy_buffering off;
      # A dead node: try the next one, for any method (a request that never reached the dead
      # node is safe to repeat; one that did gets 502 and the client retries, as after a crash).
      proxy_next_upstream error timeout non_idempotent;
      proxy_connect_timeout 2s;
    }
  }
}
`
}

export class Nginx {
  readonly dir: string
  readonly confPath: string

  constructor(
    private readonly bin: string,
    private readonly opts: NginxOptions,
  ) {
    this.dir = resolve(opts.runDir)
    this.confPath = join(this.dir, 'nginx.conf')
  }

  get base(): string {
    return `http://127.0.0.1:${this.opts.listenPort}`
  }

  /** Writes the config, checks it with `nginx -t`, starts nginx (it daemonizes; pid file). */
  async start(): Promise<void> {
    await mkdir(join(this.dir, 'nginx-tmp'), { recursive: true })
    await writeFile(this.confPath, nginxConfig(this.opts))
    const args = ['-p', this.dir, '-c', this.confPath, '-e', join(this.dir, 'nginx-error.log')]
    const test = spawnSync(this.bin, [...args, '-t', '-q'], { encoding: 'utf8' })
    if (test.status !== 0) throw new Error(`nginx -t failed:\n${test.stderr}`)
    const run = spawnSync(this.bin, args, { encoding: 'utf8' })
    if (run.status !== 0) throw new Error(`nginx failed to start:\n${run.stderr}`)
  }

  async pid(): Promise<number | undefined> {
    try {
      const n = Number((await readFile(join(this.dir, 'nginx.pid'), 'utf8')).trim())
      return Number.isInteger(n) && n > 0 ? n : undefined
    } catch {
      return undefined
    }
  }

  /** SIGQUIT (graceful) to the master from the pid file; waits until it has gone. */
  async stop(timeoutMs = 5000): Promise<void> {
    const pid = await this.pid()
    if (pid === undefined || !alive(pid)) return
    process.kill(pid, 'SIGQUIT')
    const end = Date.now() + timeoutMs
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
    if (alive(pid)) process.kill(pid, 'SIGKILL')
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
