// The server as an operator runs it: the ready line, provisioning at start, a refused
// provisioning document, graceful SIGTERM that keeps what was acknowledged, and logs that never
// carry a password. These run the sources (`npm run dev`); one runs the build `npm start` runs.

import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { buildDist, ROOT } from '../helpers/build.ts'
import { ApiClient } from '../helpers/http.ts'
import { PASSWORD, basicDocument, withClearPasswords } from '../helpers/fixtures/basic.ts'

interface Running {
  child: ChildProcess
  base: string
  output: () => string
}

const FROM_SOURCES = ['--import', 'tsx', 'src/main.ts']

async function startProcess(
  env: Record<string, string>,
  args = FROM_SOURCES,
  timeoutMs = 20_000,
): Promise<Running> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line in ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    )
    const onData = () => {
      const m = /workbins ready: (http:\/\/[^\s/]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        resolve(m[1] as string)
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before ready:\n${out}`))
    })
  })
  return { child, base, output: () => out }
}

async function runToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, FROM_SOURCES, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, output }
}

describe('the server process', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'workbins-proc-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  test('provisions at start, prints one ready line, stops on SIGTERM keeping acknowledged changes', async () => {
    const doc = join(dir, 'doc.json')
    await writeFile(doc, JSON.stringify(withClearPasswords(basicDocument())))
    const db = join(dir, 'a.db')
    const env = {
      WORKBINS_DB: db,
      WORKBINS_PROVISION: doc,
      WORKBINS_DEMO: '0',
      WORKBINS_LOG_LEVEL: 'debug',
    }
    const first = await startProcess(env)
    const readyLines = first
      .output()
      .split('\n')
      .filter((l) => l.startsWith('workbins ready:'))
    assert.equal(readyLines.length, 1)
    assert.match(readyLines[0]!, /http:\/\/127\.0\.0\.1:\d+\/api\/v2/)

    const client = new ApiClient(`${first.base}/api/v2`, 'agent2', PASSWORD)
    const res = await client.post('/me', {
      operationName: 'StartContactCenterSession',
      place: 'Place_2',
    })
    assert.equal(res.status, 200)
    const wrong = await new ApiClient(`${first.base}/api/v2`, 'agent2', 'not-the-password').get(
      '/me',
    )
    assert.equal(wrong.status, 401)

    first.child.kill('SIGTERM')
    const [code] = (await once(first.child, 'exit')) as [number | null]
    assert.equal(code, 0)
    assert.equal(first.output().includes(PASSWORD), false, 'no password in the logs')
    assert.equal(
      first.output().includes('not-the-password'),
      false,
      'no attempted password in the logs',
    )

    // Same database again: the acknowledged change is there, provisioning changes nothing.
    const second = await startProcess(env)
    try {
      const again = new ApiClient(`${second.base}/api/v2`, 'agent2', PASSWORD)
      const me = await again.get<{ user: { place: string } }>('/me')
      assert.equal(me.body.user.place, 'Place_2')
      // The passwords were known by the fingerprints kept beside the document: no scrypt.
      assert.match(
        second.output(),
        /nothing changed; passwords: \d+ unchanged, 0 verified, 0 hashed/,
      )
    } finally {
      second.child.kill('SIGINT')
      const [code2] = (await once(second.child, 'exit')) as [number | null]
      assert.equal(code2, 0)
    }
  })

  test('SIGTERM with a request in flight: it is answered, its connection closed, and the process exits without waiting out the grace', async () => {
    const running = await startProcess({
      WORKBINS_DB: join(dir, 'term.db'),
      WORKBINS_SHUTDOWN_GRACE_MS: '20000',
      WORKBINS_LOG_LEVEL: 'warn',
    })
    const { port } = new URL(running.base)
    // A keep-alive request whose body is still arriving when the signal comes.
    const body = JSON.stringify({ operationName: 'Subscribe' })
    const sock = connect(Number(port), '127.0.0.1')
    let reply = ''
    sock.on('data', (d: Buffer) => (reply += d.toString()))
    const closed = once(sock, 'close')
    const auth = Buffer.from('agent1:agent1pass').toString('base64')
    sock.write(
      `POST /api/v2/me/workbins/aee812a5-7396-4dd9-b180-230f1c1fb085 HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Basic ${auth}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    )
    await new Promise((r) => setTimeout(r, 300))
    const t0 = Date.now()
    running.child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    sock.write(body.slice(5))
    const [code] = (await once(running.child, 'exit')) as [number | null]
    const ms = Date.now() - t0
    await closed
    assert.equal(code, 0)
    assert.match(reply, /^HTTP\/1\.1 200 /, reply)
    assert.match(reply, /\r\nconnection: close\r\n/i, reply)
    assert.ok(ms < 10_000, `exit ${ms} ms after SIGTERM (grace 20000)`)
  })

  test('an empty database gets the demo contact center; WORKBINS_DEMO=0 leaves it empty', async () => {
    const demo = await startProcess({ WORKBINS_DB: join(dir, 'demo.db') })
    try {
      const me = await new ApiClient(`${demo.base}/api/v2`, 'agent1', 'agent1pass').get('/me')
      assert.equal(me.status, 200)
      assert.doesNotMatch(demo.output(), /unknown WORKBINS_ variable/)
    } finally {
      demo.child.kill('SIGTERM')
      await once(demo.child, 'exit')
    }
    // A misspelt setting is not an error, but it is not silent either.
    const empty = await startProcess({
      WORKBINS_DB: join(dir, 'empty.db'),
      WORKBINS_DEMO: '0',
      WORKBINS_METRIC: '1',
    })
    try {
      const me = await new ApiClient(`${empty.base}/api/v2`, 'agent1', 'agent1pass').get('/me')
      assert.equal(me.status, 401)
      const warning = empty
        .output()
        .split('\n')
        .find((l) => l.includes('unknown WORKBINS_ variable'))
      assert.ok(warning, empty.output())
      const line = JSON.parse(warning) as { variable: string; didYouMean: string[] }
      assert.equal(line.variable, 'WORKBINS_METRIC')
      assert.ok(line.didYouMean.includes('WORKBINS_METRICS'))
    } finally {
      empty.child.kill('SIGTERM')
      await once(empty.child, 'exit')
    }
  })

  test('the build (`npm start` = node dist/main.js) starts with plain node, no TypeScript loader', async () => {
    await buildDist()
    // No --import and no NODE_OPTIONS (the environment is PATH, PORT and these only).
    const built = await startProcess({ WORKBINS_DB: join(dir, 'built.db') }, ['dist/main.js'])
    try {
      // The demo document (read from dist/provision/) was loaded into the empty database.
      const me = await new ApiClient(`${built.base}/api/v2`, 'agent1', 'agent1pass').get('/me')
      assert.equal(me.status, 200)
      // The console and the cometd client's modules resolve from dist/ too.
      for (const path of ['/console/', '/console/app.js', '/console/vendor/cometd/Client.js']) {
        const res = await fetch(`${built.base}${path}`)
        assert.equal(res.status, 200, path)
        await res.arrayBuffer()
      }
    } finally {
      built.child.kill('SIGTERM')
      const [code] = (await once(built.child, 'exit')) as [number | null]
      assert.equal(code, 0)
    }
  })

  test('a bad provisioning document stops the start with the path of the bad value', async () => {
    const bad = basicDocument()
    bad.contactCenters[0]!.users[1]!.place = 'Nowhere'
    const doc = join(dir, 'bad.json')
    await writeFile(doc, JSON.stringify(bad))
    const { code, output } = await runToExit({
      WORKBINS_DB: join(dir, 'bad.db'),
      WORKBINS_PROVISION: doc,
    })
    assert.equal(code, 1)
    assert.match(output, /contactCenters\[0\]\.users\[1\]\.place/)
    assert.equal(output.includes('workbins ready'), false)
  })

  test('a bad configuration value stops the start and names the variable', async () => {
    const { code, output } = await runToExit({ WORKBINS_DB: join(dir, 'x.db'), PORT: 'eighty' })
    assert.equal(code, 1)
    assert.match(output, /PORT must be an integer/)
  })

  test('a PostgreSQL database that is down at start is one line naming it, without the password', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const { code, output } = await runToExit({
      WORKBINS_DB: 'postgres://wb:s3cret@127.0.0.1:1/workbins',
    })
    assert.equal(code, 1)
    assert.match(
      output,
      /^workbins: WORKBINS_DB=postgres:\/\/wb:\*\*\*@127\.0\.0\.1:1\/workbins: cannot connect to PostgreSQL: .*ECONNREFUSED.*\n$/,
    )
    assert.equal(output.includes('s3cret'), false)
    assert.equal(output.includes('    at '), false, 'no stack trace')
  })
})
