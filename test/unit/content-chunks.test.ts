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
