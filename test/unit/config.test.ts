import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CONFIG_TABLE, ConfigError, loadConfig } from '../../src/config.ts'

test('defaults are those of the configuration table', () => {
  const c = loadConfig({})
  assert.equal(c.port, 8090)
  assert.equal(c.host, '127.0.0.1')
  assert.equal(c.db, './data/workbins.db')
  assert.equal(c.demo, true)
  assert.equal(c.provision, undefined)
  assert.equal(c.bodyLimit, 65536)
  assert.equal(c.csrf, false)
  assert.equal(c.pgPoolSize, 10)
  assert.equal(c.pgStatementTimeoutMs, 5000)
})

test('environment variables override defaults', () => {
  const c = loadConfig({
    PORT: '0',
    WORKBINS_DEMO: '0',
    WORKBINS_DB: ':memory:',
    COMETD_TIMEOUT: '1000',
  })
  assert.equal(c.port, 0)
  assert.equal(c.demo, false)
  assert.equal(c.db, ':memory:')
  assert.equal(c.cometd.timeout, 1000)
})

test('bad values are refused with the variable named', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty' }),
    (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message),
  )
  assert.throws(() => loadConfig({ WORKBINS_DEMO: 'maybe' }), /WORKBINS_DEMO/)
  assert.throws(() => loadConfig({ WORKBINS_BODY_LIMIT: '0' }), /WORKBINS_BODY_LIMIT/)
  assert.throws(() => loadConfig({ WORKBINS_PUBLIC_URL: 'ftp://x' }), /WORKBINS_PUBLIC_URL/)
  assert.throws(() => loadConfig({ WORKBINS_PG_POOL_SIZE: '0' }), /WORKBINS_PG_POOL_SIZE/)
  assert.throws(
    () => loadConfig({ WORKBINS_PG_STATEMENT_TIMEOUT_MS: '-1' }),
    /WORKBINS_PG_STATEMENT_TIMEOUT_MS/,
  )
  assert.throws(() => loadConfig({ WORKBINS_DB: 'postgres://[bad' }), /WORKBINS_DB/)
  assert.throws(() => loadConfig({ COMETD_WS_SEND_BUFFER: '0' }), /COMETD_WS_SEND_BUFFER/)
  assert.throws(
    () => loadConfig({ COMETD_MAX_QUEUE_BYTES: '1000', COMETD_MAX_MESSAGE_SIZE: '2000' }),
    /COMETD_MAX_QUEUE_BYTES.*COMETD_MAX_MESSAGE_SIZE/,
  )
})

test('the userData limit stays well inside a CometD session queue', () => {
  const c = loadConfig({})
  assert.equal(c.userDataMaxBytes, 32768)
  assert.equal(c.userDataMaxKeys, 500)
  const half = String(c.cometd.maxQueueBytes / 2)
  assert.equal(loadConfig({ WORKBINS_USER_DATA_MAX_BYTES: half }).userDataMaxBytes, Number(half))
  assert.throws(
    () => loadConfig({ WORKBINS_USER_DATA_MAX_BYTES: String(Number(half) + 1) }),
    /WORKBINS_USER_DATA_MAX_BYTES .* must be at most half of COMETD_MAX_QUEUE_BYTES/,
  )
  assert.throws(
    () => loadConfig({ COMETD_MAX_QUEUE_BYTES: '60000', COMETD_MAX_MESSAGE_SIZE: '1024' }),
    /WORKBINS_USER_DATA_MAX_BYTES/,
  )
  assert.throws(
    () => loadConfig({ WORKBINS_USER_DATA_MAX_KEYS: '0' }),
    /WORKBINS_USER_DATA_MAX_KEYS/,
  )
})

test('CometD queue and publish defaults', () => {
  const c = loadConfig({}).cometd
  assert.equal(c.maxQueueBytes, 4 * 1024 * 1024)
  assert.equal(c.wsSendBuffer, 1024 * 1024)
  assert.equal(c.clientPublish, false)
  assert.equal(loadConfig({ COMETD_CLIENT_PUBLISH: '1' }).cometd.clientPublish, true)
})

test('every bound is checked, from the environment and from overrides alike', () => {
  assert.throws(() => loadConfig({ PORT: '70000' }), /PORT must be between 0 and 65535/)
  assert.throws(
    () => loadConfig({ WORKBINS_SHUTDOWN_GRACE_MS: '-1' }),
    /WORKBINS_SHUTDOWN_GRACE_MS/,
  )
  assert.throws(
    () => loadConfig({ COMETD_MAX_SESSIONS_PER_BROWSER: '-2' }),
    /COMETD_MAX_SESSIONS_PER_BROWSER must be at least -1/,
  )
  assert.equal(
    loadConfig({ COMETD_MAX_SESSIONS_PER_BROWSER: '-1' }).cometd.maxSessionsPerBrowser,
    -1,
  )
  assert.throws(
    () => loadConfig({ COMETD_MULTI_SESSION_INTERVAL: '-5' }),
    /COMETD_MULTI_SESSION_INTERVAL/,
  )
  assert.throws(() => loadConfig({ WORKBINS_LOG_LEVEL: 'verbose' }), /WORKBINS_LOG_LEVEL/)
  assert.throws(() => loadConfig({}, { cometd: { maxQueue: 0 } }), /COMETD_MAX_QUEUE/)
  assert.throws(() => loadConfig({}, { cometd: { timeout: 1.5 } }), /COMETD_TIMEOUT/)
  assert.equal(loadConfig({}, { cometd: { timeout: 0 } }).cometd.timeout, 0)
})

test('WORKBINS_BUS: a redis:// URL with a PostgreSQL database, or nothing (`local`)', () => {
  assert.equal(loadConfig({ WORKBINS_BUS: 'local' }).bus, undefined)
  const pg = 'postgres://u@127.0.0.1:5432/db'
  assert.equal(
    loadConfig({ WORKBINS_BUS: 'redis://127.0.0.1:6379', WORKBINS_DB: pg }).bus,
    'redis://127.0.0.1:6379',
  )
  assert.throws(
    () => loadConfig({ WORKBINS_BUS: 'redis://127.0.0.1:6379' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^WORKBINS_BUS needs WORKBINS_DB to be a postgres/.test(e.message),
  )
  assert.throws(
    () => loadConfig({ WORKBINS_BUS: 'nats://x', WORKBINS_DB: pg }),
    (e: unknown) => e instanceof ConfigError && /^WORKBINS_BUS must be a redis/.test(e.message),
  )
  assert.throws(
    () =>
      loadConfig({
        WORKBINS_BUS: 'redis://127.0.0.1:6379',
        WORKBINS_DB: pg,
        WORKBINS_NOTIFICATION_LOG: '0',
      }),
    (e: unknown) => e instanceof ConfigError && /NOTIFICATION_LOG/.test(e.message),
  )
})

test('an empty WORKBINS_PROVISION means none', () => {
  assert.equal(loadConfig({ WORKBINS_PROVISION: '' }).provision, undefined)
  assert.equal(loadConfig({}, { provision: '' }).provision, undefined)
  assert.equal(loadConfig({ WORKBINS_PROVISION: 'doc.json' }).provision, 'doc.json')
})

test('every table entry has an env name, a default and a description', () => {
  const names = new Set<string>()
  for (const e of CONFIG_TABLE) {
    assert.ok(e.env && e.doc && e.def !== undefined)
    assert.equal(names.has(e.env), false, `duplicate ${e.env}`)
    names.add(e.env)
  }
})

test('metrics: off by default, on their own port when on, never on the API port twice', () => {
  const c = loadConfig({})
  assert.equal(c.metrics, false)
  assert.equal(c.metricsPort, 9464)
  assert.equal(loadConfig({ WORKBINS_METRICS: '1', WORKBINS_METRICS_PORT: '0' }).metricsPort, 0)
  assert.throws(
    () => loadConfig({ WORKBINS_METRICS: '1', PORT: '9000', WORKBINS_METRICS_PORT: '9000' }),
    (e: unknown) =>
      e instanceof ConfigError && /^WORKBINS_METRICS_PORT \(9000\) must differ/.test(e.message),
  )
  assert.throws(() => loadConfig({ WORKBINS_METRICS_PORT: '65536' }), /WORKBINS_METRICS_PORT/)
  // The same port is harmless while metrics are off: no second listener is opened.
  assert.equal(loadConfig({ PORT: '9464' }).port, 9464)
})

// Node runs a timer given more than 2^31-1 ms after 1 ms (a period: every 1 ms), with only a
// warning: a shutdown grace would cut requests off, a check period would spin.
test('millisecond settings that drive timers refuse what a timer cannot take', () => {
  const timers = CONFIG_TABLE.filter((r) =>
    /_MS$|^COMETD_(TIMEOUT|MAX_CLIENT_TIMEOUT|MAX_INTERVAL|SWEEP_PERIOD|MULTI_SESSION_INTERVAL)$/.test(
      r.env,
    ),
  )
  assert.ok(timers.length >= 12, `${timers.length} timer settings`)
  for (const { env } of timers) {
    assert.throws(() => loadConfig({ [env]: String(2 ** 31) }), new RegExp(env), env)
  }
  assert.equal(
    loadConfig({ WORKBINS_SHUTDOWN_GRACE_MS: String(2 ** 31 - 1) }).shutdownGraceMs,
    2 ** 31 - 1,
  )
})

test('an integer too large to be exact is refused, not rounded', () => {
  assert.throws(() => loadConfig({ COMETD_MAX_QUEUE: '99999999999999999999' }), /COMETD_MAX_QUEUE/)
})

test('WORKBINS_JSON_MAX_DEPTH and COMETD_MAX_CHANNEL_LENGTH: safe defaults, bounds named', () => {
  const c = loadConfig({})
  assert.equal(c.jsonMaxDepth, 32)
  assert.equal(c.cometd.maxChannelLength, 256)
  assert.equal(loadConfig({ WORKBINS_JSON_MAX_DEPTH: '8' }).jsonMaxDepth, 8)
  assert.equal(loadConfig({ WORKBINS_JSON_MAX_DEPTH: '1000' }).jsonMaxDepth, 1000)
  // below 8 the GWS shapes themselves would be refused; above 1000 the stack is at risk
  for (const bad of ['7', '1001', 'deep'])
    assert.throws(() => loadConfig({ WORKBINS_JSON_MAX_DEPTH: bad }), /WORKBINS_JSON_MAX_DEPTH/)
  assert.equal(loadConfig({ COMETD_MAX_CHANNEL_LENGTH: '32' }).cometd.maxChannelLength, 32)
  // below 32 the server's own channels could no longer be subscribed to
  assert.throws(() => loadConfig({ COMETD_MAX_CHANNEL_LENGTH: '31' }), /COMETD_MAX_CHANNEL_LENGTH/)
})
