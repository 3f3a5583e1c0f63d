// A local cluster in one command (docs/scaling.md, "Local cluster"):
//
//   npm run cluster -- start [--nodes 3] [--port 8080] [--db postgres://...] [--bus redis://...]
//                            [--run-dir run/cluster] [--provision FILE]
//   npm run cluster -- stop [--run-dir run/cluster]
//
// start: builds dist/ if stale, creates the PostgreSQL database if missing, starts node 1 (which
// loads the demo contact center into an empty database, or applies --provision), then the other
// nodes, each `node dist/main.js` on its own port (PORT+1 ...) with WORKBINS_DB and WORKBINS_BUS,
// logs and pid files in the run directory; then Debian's nginx on PORT, round robin over them.
// stop: SIGTERM to every node of the run directory (SIGKILL after 15 s), SIGQUIT to nginx.

import { spawn, spawnSync } from 'node:child_process'
import { openSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { NGINX_INSTALL, Nginx, alive, findNginx } from './cluster/nginx.ts'

const ROOT = resolve(import.meta.dirname, '..')
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    nodes: { type: 'string', default: '3' },
    port: { type: 'string', default: '8080' },
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/workbins' },
    bus: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'run-dir': { type: 'string', default: join(ROOT, 'run', 'cluster') },
    provision: { type: 'string' },
  },
})
const runDir = resolve(values['run-dir'])
const fail = (msg: string): never => {
  process.stderr.write(`cluster: ${msg}\n`)
  process.exit(1)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function intArg(name: string, v: string, min: number, max: number): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`--${name} must be ${min}..${max}, got "${v}"`)
  return n
}

/** CREATE DATABASE when the URL's database does not exist (on the same server's `postgres`). */
async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url)
  const name = decodeURIComponent(u.pathname.slice(1))
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    fail(`--db: database name "${name}" is not a plain identifier`)
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const c = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 })
  try {
    await c.connect()
  } catch (err) {
    fail(`PostgreSQL at ${admin.host} is not reachable: ${(err as Error).message}`)
  }
  try {
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (r.rowCount === 0) {
      await c.query(`CREATE DATABASE "${name}"`)
      console.log(`cluster: created database ${name}`)
    }
  } finally {
    await c.end()
  }
}

async function waitReady(log: string, port: number, pid: number, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const text = await readFile(log, 'utf8').catch(() => '')
    if (text.includes(`workbins ready: http://127.0.0.1:${port}`)) return
    if (!alive(pid))
      throw new Error(`node on port ${port} exited; its log (${log}):\n${text.slice(-3000)}`)
    await sleep(200)
  }
  throw new Error(`node on port ${port} not ready after ${timeoutMs / 1000} s; see ${log}`)
}

function startNode(i: number, port: number, publicPort: number, extra: Record<string, string>) {
  const log = join(runDir, `node${i}.log`)
  const out = openSync(log, 'w')
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKBINS_DB: values.db,
      WORKBINS_BUS: values.bus,
      WORKBINS_NODE_ID: `node${i}`,
      WORKBINS_PUBLIC_URL: `http://127.0.0.1:${publicPort}/api/v2`,
      // nginx on this host is the only proxy: its X-Forwarded-For names the client.
      WORKBINS_TRUST_PROXY: '127.0.0.1',
      ...extra,
    },
  })
  child.unref()
  return { pid: child.pid as number, log }
}

async function start(): Promise<void> {
  const n = intArg('nodes', values.nodes, 1, 64)
  const port = intArg('port', values.port, 1, 65535 - n)
  const nginxBin = findNginx() ?? fail(`nginx is not installed; on Debian: ${NGINX_INSTALL}`)
  if (!/^postgres(ql)?:\/\//.test(values.db))
    fail('--db must be a postgres:// URL (nodes share it)')
  const pids = await readdir(runDir).catch(() => [] as string[])
  if (pids.some((f) => f.endsWith('.pid'))) {
    for (const f of pids.filter((f) => f.endsWith('.pid'))) {
      const pid = Number(await readFile(join(runDir, f), 'utf8'))
      if (alive(pid)) fail(`a cluster runs from ${runDir} (${f}); stop it first`)
    }
  }
  await rm(runDir, { recursive: true, force: true })
  await mkdir(runDir, { recursive: true })
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.js'), '--if-stale'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
  if (build.status !== 0) fail('build failed')
  await ensureDatabase(values.db)
  const ports = Array.from({ length: n }, (_, i) => port + 1 + i)
  const nginx = new Nginx(nginxBin, { runDir, listenPort: port, upstreamPorts: ports })
  // Node 1 alone first: it provisions (demo data into an empty database, or --provision).
  const first: Record<string, string> = values.provision
    ? { WORKBINS_PROVISION: resolve(values.provision), WORKBINS_DEMO: '0' }
    : {}
  // Whatever started is stopped again when a step fails.
  try {
    const nodes = [startNode(1, ports[0] as number, port, first)]
    await writeFile(join(runDir, 'node1.pid'), String(nodes[0]!.pid))
    await waitReady(nodes[0]!.log, ports[0] as number, nodes[0]!.pid)
    for (let i = 2; i <= n; i++) {
      const node = startNode(i, ports[i - 1] as number, port, { WORKBINS_DEMO: '0' })
      nodes.push(node)
      await writeFile(join(runDir, `node${i}.pid`), String(node.pid))
    }
    for (let i = 1; i < n; i++) await waitReady(nodes[i]!.log, ports[i] as number, nodes[i]!.pid)
    await nginx.start()
  } catch (err) {
    await stop()
    fail((err as Error).message)
  }
  console.log(`cluster: ${n} nodes on ports ${ports.join(', ')}; nginx on ${nginx.base}`)
  console.log(`cluster: API ${nginx.base}/api/v2, CometD ${nginx.base}/api/v2/notifications`)
  console.log(`cluster: logs and pids in ${runDir}; stop with: npm run cluster -- stop`)
}

async function stop(): Promise<void> {
  const bin = findNginx()
  if (bin) await new Nginx(bin, { runDir, listenPort: 0, upstreamPorts: [] }).stop()
  const files = (await readdir(runDir).catch(() => [] as string[])).filter((f) =>
    /^node\d+\.pid$/.test(f),
  )
  const pids: number[] = []
  for (const f of files) {
    const pid = Number(await readFile(join(runDir, f), 'utf8'))
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGTERM')
      pids.push(pid)
    }
    await rm(join(runDir, f), { force: true })
  }
  const end = Date.now() + 15_000
  while (pids.some(alive) && Date.now() < end) await sleep(100)
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL')
  console.log(`cluster: stopped ${pids.length} node(s) and nginx (${runDir})`)
}

const command = positionals[0]
if (command === 'start') await start()
else if (command === 'stop') await stop()
else
  fail(`usage: npm run cluster -- start|stop [options] (docs/scaling.md), got "${command ?? ''}"`)
