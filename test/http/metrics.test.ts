// Prometheus metrics (docs/operations.md): scraped after REST calls, failed logins and
// CometD sessions, parsed from the text format; label values never carry an id or a name.
// Also: the separate metrics listener, and no /metrics at all by default.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertAccepted, assertError } from '../helpers/assert.ts'
import { freePort } from '../helpers/crash-load.ts'
import { IX, U, WB, contentDocument } from '../helpers/fixtures/content.ts'
import { ApiClient } from '../helpers/http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'
import { until } from '../helpers/wait.ts'
import { World } from '../helpers/world.ts'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parse(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line)
    assert.ok(m, `not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] as string] = l[2] as string
    }
    out.push({ name: m[1] as string, labels, value: Number(m[3]) })
  }
  return out
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return parse(await res.text())
}

type Match = Record<string, string | RegExp>

function matches(s: Sample, name: string, labels: Match): boolean {
  return (
    s.name === name &&
    Object.entries(labels).every(([k, v]) => {
      const got = s.labels[k]
      return got !== undefined && (typeof v === 'string' ? got === v : v.test(got))
    })
  )
}

/** The value of the one sample of `name` whose labels match `labels` (undefined: none). */
function value(samples: Sample[], name: string, labels: Match = {}): number | undefined {
  const found = samples.filter((s) => matches(s, name, labels))
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`)
  return found[0]?.value
}

/** Every string under an `id` or `userName` key of the document, and the fixture ids. */
function identifiers(doc: unknown): Set<string> {
  const ids = new Set<string>([...Object.values(U), ...Object.values(WB), ...Object.values(IX)])
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk)
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'id' || k === 'userName') && typeof x === 'string') ids.add(x)
        else walk(x)
      }
    }
  }
  walk(doc)
  return ids
}

describe('metrics on the API port (WORKBINS_METRICS_PORT=0)', () => {
  let w: World
  const MAX_PER_NAME = 2

  before(async () => {
    w = await World.start({
      config: {
        metrics: true,
        metricsPort: 0,
        loginMaxFailuresPerName: MAX_PER_NAME,
        sqliteCheckpointMs: 50,
      },
    })
  })
  after(() => w.close())

  test('REST, store, login, CometD and process series after some traffic; no id in any label', async () => {
    const { server } = w
    const ada = await w.listen('agent1')
    await w.listen('agent2', 'websocket')
    await w.subscribe('agent1', ada, `/me/workbins/${WB.later}`)
    assert.equal((await w.api('sup1').get(`/users/${U.agent1}/workbins/${WB.later}`)).status, 200)
    assertError(await w.api('agent1').get(`/no/such/${WB.later}/${U.agent1}`), 404, 6)
    // Failed logins under a name that exists nowhere: 401 up to the limit, then 429.
    const intruder = new ApiClient(server.apiUrl, 'mallory', 'guess')
    for (let i = 0; i < MAX_PER_NAME; i++) assertError(await intruder.get('/me'), 401, 20)
    assertError(await intruder.get('/me'), 429, 20)

    let samples: Sample[] = []
    await until('a long poll is held and the websocket counted', async () => {
      samples = await scrape(`${server.url}/metrics`)
      return (
        (value(samples, 'workbins_cometd_held_connects') ?? 0) >= 1 &&
        (value(samples, 'workbins_cometd_websockets') ?? 0) >= 1
      )
    })

    // REST: a histogram by route template, method and status; its _count counts requests.
    // Route templates name their parameters (`:id`), whatever the request's ids were.
    const me = { method: 'POST', route: /^\/api\/v2\/me\/workbins\/:\w+$/, status: '200' }
    const subscribe = value(samples, 'workbins_http_request_duration_seconds_count', me)
    assert.ok(subscribe !== undefined && subscribe >= 1, JSON.stringify(me))
    const sum = value(samples, 'workbins_http_request_duration_seconds_sum', me)
    assert.ok(sum !== undefined && sum > 0)
    const inf = { ...me, le: '+Inf' }
    assert.equal(value(samples, 'workbins_http_request_duration_seconds_bucket', inf), subscribe)
    const other = { route: /^\/api\/v2\/users\/:\w+\/workbins\/:\w+$/, status: '200' }
    assert.equal(value(samples, 'workbins_http_request_duration_seconds_count', other), 1)
    assert.equal(
      value(samples, 'workbins_http_request_duration_seconds_count', { route: 'unmatched' }),
      1,
    )
    assert.equal(
      value(samples, 'workbins_http_request_duration_seconds_count', { status: '429' }),
      1,
    )

    // Store: every Store method by name and outcome.
    const getUser = value(samples, 'workbins_store_operation_duration_seconds_count', {
      operation: 'getUser',
      outcome: 'ok',
    })
    assert.ok(getUser !== undefined && getUser >= 1)
    assert.ok(
      (value(samples, 'workbins_store_operation_duration_seconds_count', {
        operation: 'addSubscriptions',
        outcome: 'ok',
      }) ?? 0) >= 1,
    )

    // Logins: by reason only.
    const failures = (reason: string) => value(samples, 'workbins_login_failures_total', { reason })
    assert.equal(failures('invalid_credentials'), MAX_PER_NAME)
    assert.equal(failures('throttled'), 1)

    // CometD: read from the server's counters at scrape time.
    assert.ok((value(samples, 'workbins_cometd_sessions') ?? 0) >= 2)
    assert.ok((value(samples, 'workbins_cometd_handshakes_total') ?? 0) >= 2)
    assert.ok((value(samples, 'workbins_cometd_deliveries_total') ?? 0) >= 1)
    assert.ok((value(samples, 'workbins_cometd_subscriptions') ?? 0) >= 2)
    for (const name of [
      'workbins_cometd_queued_messages',
      'workbins_cometd_session_expiries_total',
      'workbins_cometd_session_terminations_total',
    ]) {
      assert.notEqual(value(samples, name), undefined, name)
    }

    // The process: event-loop lag and heap (prom-client's default metrics).
    assert.ok((value(samples, 'nodejs_eventloop_lag_seconds') ?? -1) >= 0)
    assert.ok((value(samples, 'nodejs_heap_size_used_bytes') ?? 0) > 0)

    // Bounded labels: no user, workbin, interaction or contact center id or name, no raw URL.
    const forbidden = [...identifiers(contentDocument()), 'mallory', '/no/such']
    for (const s of samples) {
      for (const v of Object.values(s.labels)) {
        for (const id of forbidden) {
          assert.ok(!v.includes(id), `${s.name} has a label value with "${id}": ${v}`)
        }
      }
    }
  })

  test('a Subscribe or Unsubscribe round trip is one commit (SQLite group commit counters)', async () => {
    const listener = await w.listen('agent2')
    const url = `/me/workbins/${WB.later}`
    // Warm up: the user's reference id block, the HTTP session, the stored CometD session.
    await w.subscribe('agent2', listener, url)
    const before = await scrape(`${w.server.url}/metrics`)
    const ROUNDS = 20
    for (let i = 0; i < ROUNDS; i++) {
      const op = i % 2 === 0 ? 'Unsubscribe' : 'Subscribe'
      assertAccepted(await w.api('agent2').post(url, { operationName: op }))
      const m = await listener.next()
      assert.equal(m.messageType, 'WorkbinSubscriptionStateChangeMessage')
    }
    const after = await scrape(`${w.server.url}/metrics`)
    const delta = (name: string) => (value(after, name) ?? NaN) - (value(before, name) ?? NaN)
    const commits = delta('workbins_store_commits_total')
    const writes = delta('workbins_store_committed_writes_total')
    // One write per operation (its change, the message numbered in it); the pump only reads.
    // A few more come from timers: acknowledged positions written behind every second.
    assert.ok(writes >= ROUNDS && writes <= ROUNDS + 6, `${writes} writes for ${ROUNDS} operations`)
    assert.ok(commits <= writes, `${commits} commits, ${writes} writes`)
  })

  test('checkpoints of the SQLite log show in the counters', async () => {
    const before = await scrape(`${w.server.url}/metrics`)
    const runs = value(before, 'workbins_store_checkpoints_total') ?? NaN
    const frames = value(before, 'workbins_store_checkpoint_frames_total') ?? NaN
    const url = `/me/workbins/${WB.later}`
    assertAccepted(await w.api('agent3').post(url, { operationName: 'Subscribe' }))
    const end = Date.now() + 5000
    let after = before
    while ((value(after, 'workbins_store_checkpoints_total') ?? NaN) <= runs) {
      assert.ok(Date.now() < end, 'no checkpoint after a write')
      await new Promise((r) => setTimeout(r, 20))
      after = await scrape(`${w.server.url}/metrics`)
    }
    assert.ok((value(after, 'workbins_store_checkpoint_frames_total') ?? NaN) > frames)
  })

  test('a session that ends shows in the counters', async () => {
    await w.listen('agent3')
    const before = await scrape(`${w.server.url}/metrics`)
    const ended = value(before, 'workbins_cometd_session_terminations_total') ?? 0
    // Logging out ends the CometD sessions opened with that HTTP session's cookie: here, a
    // server-side disconnect of the user's sessions is what the counter reports.
    w.server.app.bayeux.disconnectUser(U.agent3)
    const after = await scrape(`${w.server.url}/metrics`)
    assert.equal(value(after, 'workbins_cometd_session_terminations_total'), ended + 1)
  })
})

describe('metrics on a separate port', () => {
  let server: TestServer
  let metricsUrl: string

  before(async () => {
    const port = await freePort()
    metricsUrl = `http://127.0.0.1:${port}`
    server = await startServer({ config: { metrics: true, metricsPort: port } })
  })
  after(() => server.close())

  test('the listener serves /metrics; the API port does not', async () => {
    assert.equal((await fetch(`${server.apiUrl}/me`)).status, 401)
    const samples = await scrape(`${metricsUrl}/metrics`)
    assert.equal(
      value(samples, 'workbins_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/v2/me',
        status: '401',
      }),
      1,
    )
    const onApi = await fetch(`${server.url}/metrics`)
    assertError({ status: onApi.status, body: await onApi.json() }, 404, 6)
  })

  test('anything else on the listener is refused in the GWS envelope', async () => {
    const other = await fetch(`${metricsUrl}/api/v2/me`)
    assertError({ status: other.status, body: await other.json() }, 404, 6)
    const post = await fetch(`${metricsUrl}/metrics`, { method: 'POST' })
    assertError({ status: post.status, body: await post.json() }, 405, 2)
    assert.equal(post.headers.get('allow'), 'GET, HEAD')
  })

  test('closing the app closes the listener', async () => {
    const port = await freePort()
    const s = await startServer({ config: { metrics: true, metricsPort: port } })
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 200)
    await s.close()
    await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`))
  })
})

describe('metrics off (the default)', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  test('no /metrics route', async () => {
    assert.equal(server.app.config.metrics, false)
    const res = await fetch(`${server.url}/metrics`)
    assertError({ status: res.status, body: await res.json() }, 404, 6)
  })
})
