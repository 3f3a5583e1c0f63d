// The OpenAPI 3.1 document (src/http/openapi.ts): valid for a real OpenAPI validator, one
// entry per registered REST route, the GWS envelope on every error reply, one documented
// variant per operationName, and a browsable page (docs/operations.md).

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { validate } from '@readme/openapi-parser'
import { basicDocument } from '../helpers/fixtures/basic.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

type Operation = {
  responses: Record<string, { content?: Record<string, { schema: unknown; example?: unknown }> }>
  requestBody?: {
    content: Record<
      string,
      {
        schema: { oneOf?: { title: string; properties: { operationName: unknown } }[] }
        examples?: Record<string, { value: { operationName: string } }>
      }
    >
  }
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> }

/** `METHOD /path/{param}` for every route fastify serves (its printRoutes tree, re-joined). */
function registeredRoutes(tree: string): Set<string> {
  const out = new Set<string>()
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[└├]── (.*) \(([A-Z, ]+)\)$/.exec(line)
    if (!m) continue
    const depth = (m[1] as string).length / 4
    stack.length = depth
    stack.push(m[2] as string)
    const path = stack.join('').replace(/:(\w+)/g, '{$1}')
    for (const method of (m[3] as string).split(', ')) {
      if (method !== 'HEAD') out.add(`${method} ${path}`)
    }
  }
  return out
}

describe('OpenAPI document', () => {
  let server: TestServer
  let doc: Document
  before(async () => {
    server = await startServer({ provision: basicDocument() })
    const res = await fetch(`${server.apiUrl}/openapi.json`)
    assert.equal(res.status, 200)
    doc = (await res.json()) as Document
  })
  after(() => server.close())

  test('is a valid OpenAPI 3.1 document for the validator', async () => {
    assert.equal(doc.openapi, '3.1.0')
    const result = await validate(structuredClone(doc) as never)
    assert.deepEqual(result.valid ? [] : result.errors, [])
    // the validator does look: a document without info is rejected
    const broken = structuredClone(doc) as Partial<Document> & { info?: unknown }
    delete broken.info
    assert.equal((await validate(broken as never)).valid, false)
  })

  test('describes exactly the REST routes the server serves', () => {
    const served = [...registeredRoutes(server.app.http.printRoutes({ commonPrefix: false }))]
      .filter((r) => r.split(' ')[1]?.startsWith('/api/v2/'))
      // CometD and the two API description documents are not REST operations.
      .filter((r) => !/ \/api\/v2\/(notifications|openapi\.|asyncapi\.)/.test(r))
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    )
    assert.ok(served.length > 30, `routes found: ${served.length}`)
    assert.deepEqual(documented.sort(), served.sort())
  })

  test('every operation documents 200 and the GWS envelope for its errors', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`
        assert.ok(op.responses['200']?.content?.['application/json']?.example, where)
        for (const status of ['400', '401', '403', '404', '500']) {
          const schema = op.responses[status]?.content?.['application/json']?.schema
          assert.deepEqual(schema, { $ref: '#/components/schemas/ErrorEnvelope' }, where)
        }
      }
    }
  })

  test('every operationName of a POST body is its own variant with an example', () => {
    const variants = (path: string) => {
      const media = doc.paths[path]?.post?.requestBody?.content['application/json']
      assert.ok(media, path)
      const titles = (media.schema.oneOf ?? []).map((v) => v.title)
      assert.equal(new Set(titles).size, titles.length, `${path}: distinct variants`)
      assert.deepEqual(Object.keys(media.examples ?? {}), titles, `${path}: one example each`)
      for (const [name, ex] of Object.entries(media.examples ?? {})) {
        assert.equal(ex.value.operationName, name)
      }
      return titles
    }
    assert.deepEqual(variants('/api/v2/me'), [
      'StartContactCenterSession',
      'EndContactCenterSession',
      'Logout',
    ])
    assert.deepEqual(variants('/api/v2/workbins'), [
      'Subscribe',
      'Unsubscribe',
      'RequestAgentStats',
    ])
    assert.deepEqual(variants('/api/v2/me/workbins'), ['Subscribe', 'Unsubscribe'])
    const one = variants('/api/v2/users/{userId}/workbins/{id}')
    for (const name of [
      'Subscribe',
      'AddInteraction',
      'AddEmail',
      'PullChat',
      'PullFacebooksession',
    ]) {
      assert.ok(one.includes(name), name)
    }
    assert.equal(one.length, 2 + 2 * 8)
    assert.deepEqual(variants('/api/v2/interactions'), ['Create'])
    assert.deepEqual(variants('/api/v2/interactions/{id}'), [
      'UpdateUserData',
      'DeleteUserData',
      'Offer',
    ])
    assert.deepEqual(variants('/api/v2/me/workitems/{id}'), [
      'Accept',
      'Reject',
      'Complete',
      'PlaceInQueue',
      'Transfer',
      'AttachUserData',
      'UpdateUserData',
      'DeleteUserData',
    ])
    assert.deepEqual(variants('/api/v2/me/openmedia/{mediaType}'), ['Create'])
  })

  test('the browsable page lists the operations, without scripts', async () => {
    const res = await fetch(`${server.apiUrl}/openapi.html`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/)
    const html = await res.text()
    assert.match(html, /POST \/api\/v2\/me\/workbins\/\{id\}/)
    assert.match(html, /AddEmail/)
    assert.doesNotMatch(html, /<script/)
  })
})
