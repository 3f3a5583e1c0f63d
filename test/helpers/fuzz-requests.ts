// fast-check generators of HTTP requests against the demo world (src/provision/demo.json):
// methods, paths built from the REST route table and the Bayeux endpoint with real ids and
// hostile strings, query strings, headers (content type, cookies, credentials) and bodies
// (operations with random fields, invalid JSON, huge, deeply nested), plus a raw sender.

import net from 'node:net'
import fc from 'fast-check'

const USERS: Record<string, string> = {
  agent1: 'agent1pass',
  agent2: 'agent2pass',
  sup1: 'sup1pass',
  admin1: 'admin1pass',
  api1: 'api1pass',
  other1: 'other1pass',
}
const USER_IDS = [
  'e6f2ad1b26ea4e9b8dd907eabe167522',
  '5c2ea8d4a1f54c0e9b1d7f3a6e8b2c41',
  '7d3f0e6b9a2c4d1e8f5a3b7c9d0e1f2a',
  '9a8b7c6d5e4f40312a1b2c3d4e5f6071',
  'c0ffee00c0ffee00c0ffee00c0ffee01',
  'f0f0f0f0f0f0f0f0f0f0f0f0f0f00001',
]
const WORKBIN_IDS = [
  'aee812a5-7396-4dd9-b180-230f1c1fb085',
  'a91ee1c2-9cfe-43b6-8193-fd39cd89d5b4',
  '40b9b24b-0e15-4458-8a11-4a1958068d3e',
  '6c715fa9-de16-4d23-b07c-cbcb1caf3e07',
  'a15862be-2445-4735-aad2-69694a0f50ff',
  '8e977189-379f-4f3f-b9a5-4917da1891e5',
  '5d487e69-a393-4228-a06f-6a4015ab1b54',
  'b3c1a2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  '0e0e0e0e-0000-4000-8000-000000000001',
]
const INTERACTION_IDS = [
  '0001BaBFVPR20035',
  '02F0ASAK8EAFA00W',
  '03W07R2K4VAYT010',
  '0002DEMOEMAIL001',
  '0003DEMOCHAT0001',
  '0004DEMOWORK0001',
  '0005DEMOPROMO001',
  '0009OTHERCHAT001',
]
const MEDIA = ['email', 'chat', 'workitem', 'openmedia', 'facebook', 'tweet', 'facebooksession']
const WORDS = ['Interaction', 'Email', 'Chat', 'Workitem', 'Openmedia', 'Facebook', 'Tweet']
const OPERATIONS = [
  'StartContactCenterSession',
  'EndContactCenterSession',
  'Subscribe',
  'Unsubscribe',
  'RequestAgentStats',
  'Ready',
  'NotReady',
  'Create',
  'UpdateUserData',
  'DeleteUserData',
  ...WORDS.flatMap((w) => [`Add${w}`, `Pull${w}`]),
]

/** Strings that have broken parsers and routers elsewhere, already as URL text. */
const HOSTILE_URL = [
  '',
  '.',
  '..',
  '%00',
  '%ff',
  '%zz',
  '%',
  '%E0%A4',
  '%2F',
  '%2e%2e',
  '%0d%0aX-Injected:%201',
  'a'.repeat(201),
  'b'.repeat(2000),
  '__proto__',
  'constructor',
  '*',
  ';x=1',
  '%F0%9F%98%80',
  '\u00e9',
  'a%20b',
]

const seg = <T extends string>(xs: readonly T[]) => fc.constantFrom(...xs)

/** A path segment: a real id (usually) or a hostile or random one. */
function idOf(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: seg(real) },
    { weight: 2, arbitrary: seg(HOSTILE_URL) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent) },
  )
}

const wb = idOf(WORKBIN_IDS)
const user = idOf(USER_IDS)
const ix = idOf(INTERACTION_IDS)
const media = idOf(MEDIA)
const omt = idOf(['promotion', 'promotions', 'workitem'])
const anySeg = fc.oneof(seg(HOSTILE_URL), fc.string({ maxLength: 20 }).map(encodeURIComponent))

const tpl = (parts: fc.Arbitrary<string>[]) => fc.tuple(...parts).map((xs) => xs.join(''))
const lit = <T>(v: T): fc.Arbitrary<T> => fc.constant(v)

/** The Bayeux long-polling endpoint and paths below it. */
const bayeuxPathArb = tpl([
  seg(['/api/v2/notifications', '/genesys/cometd']),
  seg(['', '/', '/handshake', '/connect', '/disconnect', '/x/y']),
])

/** Paths of the route table (src/http/routes/), the Bayeux endpoint, and some outside both. */
export const pathArb: fc.Arbitrary<string> = fc.oneof(
  lit('/api/v2/me'),
  lit('/api/v2/me?subresources=*'),
  lit('/api/v2/me/channels'),
  tpl([lit('/api/v2/me/channels/'), seg(['chat', 'email', 'voice', 'x.y', '%20'])]),
  lit('/api/v2/settings/agent-states'),
  tpl([lit('/api/v2/me/workbins/'), seg(['testWorkbin', 'agent-group-wb', 'Nowhere'])]),
  lit('/api/v2/features'),
  tpl([lit('/api/v2/features/'), idOf(['api-multimedia', 'api-voice', 'nope'])]),
  ...['/api/v2/workbins', '/api/v2/me/workbins'].flatMap((p) => [
    lit(p),
    tpl([lit(`${p}/`), wb]),
    tpl([lit(`${p}/`), wb, lit('/'), media]),
  ]),
  tpl([lit('/api/v2/users/'), user, lit('/workbins')]),
  tpl([lit('/api/v2/users/'), user, lit('/workbins/'), wb]),
  tpl([lit('/api/v2/users/'), user, lit('/workbins/'), wb, lit('/'), media]),
  tpl([lit('/api/v2/'), user, lit('/workbins/'), wb, lit('/'), media]),
  lit('/api/v2/interactions'),
  tpl([lit('/api/v2/interactions/'), ix]),
  tpl([
    lit('/api/v2/me/'),
    seg(['emails', 'chats', 'workitems', 'facebook', 'tweets', 'facebooksessions']),
  ]),
  tpl([
    lit('/api/v2/me/'),
    seg(['emails', 'chats', 'workitems', 'facebook', 'tweets', 'facebooksessions']),
    lit('/'),
    ix,
  ]),
  tpl([lit('/api/v2/me/openmedia/'), omt]),
  tpl([lit('/api/v2/me/openmedia/'), omt, lit('/'), ix]),
  tpl([lit('/api/v2/workitems/'), ix]),
  tpl([lit('/api/v2/openmedia/'), omt, lit('/'), ix]),
  tpl([lit('/api/v2/social-medias/'), ix]),
  tpl([lit('/api/v2/'), anySeg, lit('/'), anySeg]),
  bayeuxPathArb,
  lit('/health'),
  tpl([lit('/'), anySeg]),
)

const queryValue = fc.oneof(
  seg(WORKBIN_IDS),
  fc.array(seg(WORKBIN_IDS), { minLength: 0, maxLength: 5 }).map((a) => a.join(',')),
  seg(['*', 'id,name', 'uri', '', 'Sales', 'North', 'Processing', 'email', 'true']),
  seg(HOSTILE_URL),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
)
const queryKey = fc.oneof(
  {
    weight: 5,
    arbitrary: seg([
      'fields',
      'workbinIds',
      'subresources',
      'agentGroup',
      'placeGroup',
      'state',
      'mediaType',
      'id',
      'userId',
    ]),
  },
  { weight: 1, arbitrary: seg(['__proto__', 'constructor', 'a[b]', 'fields[]', '%zz', '']) },
)

/** `?k=v&...` (repeated keys included), or nothing. */
export const queryArb: fc.Arbitrary<string> = fc
  .array(fc.tuple(queryKey, queryValue), { maxLength: 4 })
  .map((kv) => (kv.length === 0 ? '' : `?${kv.map(([k, v]) => `${k}=${v}`).join('&')}`))

const basic = (name: string, password: string) =>
  `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`

const authArb: fc.Arbitrary<string[]> = fc.oneof(
  {
    weight: 20,
    arbitrary: seg(Object.keys(USERS)).map((u) => [`Authorization: ${basic(u, USERS[u]!)}`]),
  },
  { weight: 1, arbitrary: lit([`Authorization: ${basic('agent1', 'wrong')}`]) },
  {
    weight: 2,
    arbitrary: seg([
      'Basic',
      'Basic %%%',
      'Bearer x',
      'Basic Og==',
      `Basic ${'A'.repeat(300)}`,
    ]).map((a) => [`Authorization: ${a}`]),
  },
  { weight: 2, arbitrary: lit([]) },
  {
    weight: 1,
    arbitrary: fc
      .string({ maxLength: 60 })
      .filter((s) => !/[\r\n]/.test(s))
      .map((s) => [`Cookie: JSESSIONID=${s}; BAYEUX_BROWSER=${s}`]),
  },
)

const contentTypeArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: lit('application/json') },
  {
    weight: 4,
    arbitrary: seg([
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json-patch+json',
      'application/jsonx',
      'application/json; charset=latin1',
      ';;;',
      '',
    ]),
  },
  { weight: 2, arbitrary: lit(undefined) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).filter((s) => !/[\r\n]/.test(s)) },
)

/** Extra headers: hostile bytes included (node refuses them; the answer is still ours). */
const extraHeadersArb: fc.Arbitrary<string[]> = fc.array(
  fc.oneof(
    seg([
      'X-CSRF-TOKEN: x',
      'Accept: text/html',
      'Origin: http://evil.example',
      'X-Forwarded-For: 1.2.3.4',
      'Expect: 100-continue',
      'X\u0001: y',
      'X-Y: a\u0000b',
      `X-Big: ${'z'.repeat(17_000)}`,
      'Content-Encoding: gzip',
      'Accept-Version: 2',
    ]),
    fc
      .tuple(fc.stringMatching(/^[A-Za-z-]{1,12}$/), fc.string({ maxLength: 40 }))
      .filter(([, v]) => !/[\r\n]/.test(v))
      .map(([k, v]) => `X-${k}: ${v}`),
  ),
  { maxLength: 2 },
)

const field = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  seg(WORKBIN_IDS),
  seg(INTERACTION_IDS),
  seg(MEDIA),
  seg(['Place_7001', 'Place_7002', 'agent1', 'Sales', 'North']),
  fc.record(
    { id: seg(WORKBIN_IDS), user: seg(['agent1', 'agent2', ...USER_IDS]) },
    { requiredKeys: [] },
  ),
)

/** An operation body: a known or random operationName with fields of the operations. */
const operationArb = fc
  .record(
    {
      operationName: fc.oneof(
        { weight: 8, arbitrary: seg(OPERATIONS) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
      ),
      place: field,
      id: field,
      mediaType: field,
      openmediaType: field,
      userData: fc.oneof(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
        field,
      ),
      keys: fc.oneof(fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), field),
      workbin: field,
      owner: field,
      receivedDate: fc.oneof(lit('2024-01-02 03:04:05.000+0000'), field),
      extra: field,
      saveLAR: field,
      channels: fc.oneof(fc.array(seg(['chat', 'email', 'a b', '']), { maxLength: 4 }), field),
      reasonCode: fc.oneof(seg(['Lunch', 'Nap', '']), field),
    },
    { requiredKeys: ['operationName'] },
  )
  .map((o) => JSON.stringify(o))

const bayeuxMessage = fc.record(
  {
    channel: fc.oneof(
      seg([
        '/meta/handshake',
        '/meta/connect',
        '/meta/subscribe',
        '/meta/unsubscribe',
        '/meta/disconnect',
      ]),
      seg(['/workbins', '/workbins/**', '/x/*', '/service/x', '', '/meta/x']),
      fc.string({ maxLength: 20 }),
    ),
    version: lit('1.0'),
    clientId: fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 1 })),
    id: fc.jsonValue({ maxDepth: 1 }),
    supportedConnectionTypes: fc.oneof(lit(['long-polling']), fc.jsonValue({ maxDepth: 1 })),
    connectionType: seg(['long-polling', 'websocket', 'x']),
    subscription: fc.oneof(
      seg(['/workbins', '/workbins/*', '/**', '/meta/x']),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    advice: fc.oneof(lit({ timeout: 0 }), fc.jsonValue({ maxDepth: 1 })),
    ext: fc.jsonValue({ maxDepth: 2 }),
    data: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['channel'] },
)

const bayeuxBody = fc.oneof(
  fc.array(bayeuxMessage, { minLength: 1, maxLength: 3 }).map((a) => JSON.stringify(a)),
  fc
    .array(bayeuxMessage, { minLength: 1, maxLength: 2 })
    .map((a) => `message=${encodeURIComponent(JSON.stringify(a))}`),
)

/** A body: none, an operation, a Bayeux batch, any JSON, not JSON, huge, deeply nested. */
export const bodyArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: lit(undefined) },
  { weight: 10, arbitrary: operationArb },
  { weight: 3, arbitrary: bayeuxBody },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: seg([
      '',
      '{',
      'null',
      '[]',
      '{"operationName":"Subscribe"',
      '\u0000',
      '{"__proto__":{"polluted":1},"operationName":"RequestAgentStats"}',
      `{"operationName":"StartContactCenterSession","place":"${'p'.repeat(70_000)}"}`,
      '['.repeat(20_000) + ']'.repeat(20_000),
      `{"a":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
    ]),
  },
)

export interface FuzzRequest {
  method: string
  target: string
  headers: string[]
  body: string | undefined
}

function requests(path: fc.Arbitrary<string>, body: fc.Arbitrary<string | undefined>) {
  return fc
    .record({
      method: fc.oneof(
        { weight: 8, arbitrary: lit('GET') },
        { weight: 8, arbitrary: lit('POST') },
        { weight: 1, arbitrary: seg(['PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) },
      ),
      path,
      query: queryArb,
      auth: authArb,
      contentType: contentTypeArb,
      extra: extraHeadersArb,
      body,
    })
    .map(({ method, path, query, auth, contentType, extra, body }) => ({
      method,
      target: path + query,
      headers: [
        ...auth,
        ...(contentType === undefined ? [] : [`Content-Type: ${contentType}`]),
        ...extra,
      ],
      body,
    }))
}

/** Any request: every route, the Bayeux endpoint, paths outside both. */
export const requestArb: fc.Arbitrary<FuzzRequest> = requests(pathArb, bodyArb)

/** Requests to the Bayeux endpoint, mostly with Bayeux bodies. */
export const bayeuxRequestArb: fc.Arbitrary<FuzzRequest> = requests(
  bayeuxPathArb,
  fc.oneof({ weight: 4, arbitrary: bayeuxBody }, { weight: 1, arbitrary: bodyArb }),
)

export interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/** Send one request on a new connection (Connection: close) and read the whole answer. */
export function send(port: number, r: FuzzRequest, timeoutMs = 10_000): Promise<RawAnswer> {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, 'utf8')
  const head = [
    `${r.method} ${r.target} HTTP/1.1`,
    'Host: fuzz.test',
    ...r.headers,
    ...(r.body === undefined && r.method !== 'POST' ? [] : [`Content-Length: ${body.length}`]),
    'Connection: close',
  ].join('\r\n')
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      sock.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), body]))
    })
    const timer = setTimeout(() => {
      sock.destroy()
      reject(new Error(`no answer in ${timeoutMs} ms`))
    }, timeoutMs)
    sock.on('data', (c: Buffer) => chunks.push(c))
    // The server may close while we still write (431, 413): what it answered still counts.
    sock.on('error', () => undefined)
    sock.on('close', () => {
      clearTimeout(timer)
      let all = Buffer.concat(chunks)
      // Skip interim answers (100 Continue to an Expect header).
      while (/^HTTP\/1\.1 1\d\d /.test(all.toString('latin1', 0, 13))) {
        all = all.subarray(all.indexOf('\r\n\r\n') + 4)
      }
      const end = all.indexOf('\r\n\r\n')
      if (end < 0) {
        reject(new Error(`no HTTP answer: ${JSON.stringify(all.toString('latin1').slice(0, 200))}`))
        return
      }
      const lines = all.toString('latin1', 0, end).split('\r\n')
      const headers: Record<string, string> = {}
      for (const l of lines.slice(1)) {
        const c = l.indexOf(':')
        headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim()
      }
      let payload = all.subarray(end + 4)
      if (headers['content-length'] !== undefined) {
        payload = payload.subarray(0, Number(headers['content-length']))
      }
      resolve({
        status: Number((lines[0] ?? '').split(' ')[1]),
        headers,
        body: r.method === 'HEAD' ? '' : payload.toString('utf8'),
      })
    })
  })
}
