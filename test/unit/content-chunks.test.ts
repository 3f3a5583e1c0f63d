// serializeReply (src/workbins/content-chunks.ts) splices the pieces of a whole-content read into
// the reply: the announced length must be the bytes written, whatever the number of pieces.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RawJson, serializeReply, StreamedJson } from '../../src/workbins/content-chunks.ts'

async function text(s: StreamedJson): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of s.body) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

test('a collection of 200,000 pieces (more than a call takes arguments) is written whole', async () => {
  const n = 200_000
  const pieces = Array.from({ length: n }, (_, i) =>
    Buffer.from(i === 0 ? '{"k":"é"}' : ',{"k":"é"}'),
  )
  const bytes = pieces.reduce((sum, p) => sum + p.length, 0)
  const out = serializeReply({ statusCode: 0, workbin: { emails: new RawJson(pieces, bytes) } })
  assert.ok(out instanceof StreamedJson)
  const body = await text(out)
  assert.equal(body.length, out.bytes)
  const parsed = JSON.parse(body.toString('utf8')) as { workbin: { emails: { k: string }[] } }
  assert.equal(parsed.workbin.emails.length, n)
  assert.equal(parsed.workbin.emails[n - 1]?.k, 'é')
})

test('an item nested 4,000 deep (stored before WORKBINS_JSON_MAX_DEPTH) is serialized, with or without pieces', async () => {
  // JSON.stringify with a replacer function overflowed the stack here: every page of the
  // workbin holding such an item answered 500.
  const deep = () => JSON.parse('['.repeat(4000) + ']'.repeat(4000)) as unknown
  const paged = { statusCode: 0, workitems: [{ id: 'DEEP000000000001', deep: deep() }] }
  assert.equal(serializeReply(paged), paged)
  assert.doesNotThrow(() => JSON.stringify(paged)) // what fastify then writes

  const piece = Buffer.from('{"k":1}')
  const whole = {
    statusCode: 0,
    workbin: { emails: new RawJson([piece], piece.length) },
    deep: deep(),
  }
  const out = serializeReply(whole)
  assert.ok(out instanceof StreamedJson)
  const body = await text(out)
  assert.equal(body.length, out.bytes)
  assert.deepEqual((JSON.parse(body.toString('utf8')) as typeof whole).workbin.emails, [{ k: 1 }])
})
