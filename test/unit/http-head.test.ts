// The request reader of the direct long-polling path (src/bayeux/transports/direct/http-head.ts): what it takes,
// how it merges headers, and everything it leaves to node's parser (null / NOT_MINE).

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  INCOMPLETE,
  NOT_MINE,
  TOO_LARGE,
  badHeadStart,
  chunkedBody,
  parseHead,
} from '../../src/bayeux/transports/direct/http-head.ts'

const bayeux = (url: string): boolean => url.startsWith('/cometd')
const head = (...lines: string[]): string => lines.join('\r\n')

describe('parseHead', () => {
  it('reads a Bayeux POST: target, lower-case headers, Content-Length', () => {
    const h = parseHead(
      head(
        'POST /cometd/connect?x=1 HTTP/1.1',
        'Host: example',
        'Content-Type:application/json',
        'Content-Length: 12',
        'X-Pad: \t spaced value \t',
      ),
      bayeux,
    )
    assert.ok(h)
    assert.equal(h.url, '/cometd/connect?x=1')
    assert.equal(h.length, 12)
    assert.equal(h.chunked, false)
    assert.equal(h.close, false)
    assert.equal(h.headers.host, 'example')
    assert.equal(h.headers['content-type'], 'application/json')
    assert.equal(h.headers['content-length'], '12')
    assert.equal(h.headers['x-pad'], 'spaced value')
  })

  it('merges duplicates the way node does', () => {
    const h = parseHead(
      head(
        'POST /cometd HTTP/1.1',
        'Host: x',
        'Cookie: a=1',
        'cookie: b=2',
        'Accept: x',
        'Accept: y',
        'Authorization: first',
        'Authorization: second',
        'Set-Cookie: s=1',
        'Set-Cookie: s=2',
      ),
      bayeux,
    )
    assert.ok(h)
    assert.equal(h.headers.cookie, 'a=1; b=2')
    assert.equal(h.headers.accept, 'x, y')
    assert.equal(h.headers.authorization, 'first')
    assert.deepEqual(h.headers['set-cookie'], ['s=1', 's=2'])
  })

  it('sees Connection: close and Transfer-Encoding: chunked', () => {
    const h = parseHead(
      head(
        'POST /cometd HTTP/1.1',
        'Host: x',
        'Connection: keep-alive, Close',
        'Transfer-Encoding: Chunked',
      ),
      bayeux,
    )
    assert.ok(h)
    assert.equal(h.close, true)
    assert.equal(h.chunked, true)
    assert.equal(h.length, 0)
  })

  it('leaves everything else to node (null)', () => {
    const cases: string[] = [
      head('POST /cometd HTTP/1.1', 'Content-Length: 0'),
      head('GET /cometd HTTP/1.1', 'Host: x'),
      head('POST /other HTTP/1.1', 'Host: x'),
      head('POST /cometd HTTP/1.0', 'Host: x'),
      head('POST http://host/cometd HTTP/1.1', 'Host: x'),
      head('POST  /cometd HTTP/1.1'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'Content-Length: 1', 'Content-Length: 1'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'Content-Length: -1'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'Content-Length: 1x'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'Content-Length: 3', 'Transfer-Encoding: chunked'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'Transfer-Encoding: gzip, chunked'),
      head(
        'POST /cometd HTTP/1.1',
        'Host: x',
        'Transfer-Encoding: chunked',
        'Transfer-Encoding: chunked',
      ),
      head('POST /cometd HTTP/1.1', 'Host: x', 'Expect: 100-continue'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'Upgrade: websocket'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'Connection: Upgrade'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'Bad Name: x'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'X: a', ' folded'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'X: a\u0001b'),
      head('POST /cometd HTTP/1.1', 'Host: x', ': empty name'),
      head('POST /cometd HTTP/1.1', 'Host: x', 'X: a\nY: b'),
    ]
    for (const c of cases) assert.equal(parseHead(c, bayeux), null, JSON.stringify(c))
  })
})

describe('chunkedBody', () => {
  const buf = (s: string): Buffer => Buffer.from(s, 'latin1')

  it('decodes chunks and says where the request ends', () => {
    const b = buf('HEAD5\r\nhello\r\nA\r\n, world!!!\r\n0\r\n\r\nNEXT')
    const r = chunkedBody(b, 4, 100)
    assert.ok(typeof r === 'object')
    assert.equal(r.body.toString(), 'hello, world!!!')
    assert.equal(b.toString('latin1', r.end), 'NEXT')
    const empty = chunkedBody(buf('0\r\n\r\n'), 0, 100)
    assert.ok(typeof empty === 'object')
    assert.equal(empty.body.length, 0)
  })

  it('asks for more bytes at every cut', () => {
    const whole = '5\r\nhello\r\n0\r\n\r\n'
    for (let i = 0; i < whole.length; i++) {
      assert.equal(chunkedBody(buf(whole.slice(0, i)), 0, 100), INCOMPLETE, `cut at ${i}`)
    }
  })

  it('stops at the size limit and refuses extensions, trailers and junk', () => {
    assert.equal(chunkedBody(buf('65\r\n'), 0, 100), TOO_LARGE)
    assert.equal(chunkedBody(buf('40\r\n' + 'x'.repeat(64) + '\r\n40\r\n'), 0, 100), TOO_LARGE)
    for (const c of [
      '5;ext=1\r\nhello\r\n0\r\n\r\n',
      '5\r\nhello\r\n0\r\nTrailer: x\r\n\r\n',
      '5\r\nhelloXX0\r\n\r\n',
      'x\r\n',
      '123456789\r\n',
      '5 \r\nhello\r\n0\r\n\r\n',
    ]) {
      assert.equal(chunkedBody(buf(c), 0, 1e9), NOT_MINE, JSON.stringify(c))
    }
  })
})

describe('badHeadStart', () => {
  const start = (text: string): boolean => badHeadStart(Buffer.from(text, 'latin1'), bayeux)

  it('takes well-formed beginnings, cut anywhere, even between CR and LF', () => {
    const text = 'POST /cometd HTTP/1.1\r\nHost: t\r\nX-Tab:\ta\x80\r\n'
    for (let i = 0; i <= text.length; i++) assert.equal(start(text.slice(0, i)), false, `${i}`)
  })

  it('refuses what node refuses at the byte: bare LF or CR, obs-fold, controls', () => {
    for (const text of [
      'POST /cometd HTTP/1.1\nHost: t',
      'POST /cometd HTTP/1.1\r\nHost: t\n',
      'POST /cometd HTTP/1.1\rHost: t',
      'POST /cometd HTTP/1.1\r\nHost: t\r\n x',
      'POST /cometd HTTP/1.1\r\nHost: t\r\n\tx',
      'POST /cometd HTTP/1.1\r\nHost: \0',
      'POST /cometd HTTP/1.1\r\nHost: \x7f',
      'POST /cometd HTTP/1.1\r\nX: \x1b',
      'POST /cometd HTTP/1.1\r\nBad Header : x\r\n',
      'POST /cometd HTTP/1.1\r\nHost: t\r\n: empty name\r\n',
      'POST\t/cometd HTTP/1.1\r\n',
      'POST /cometd HTTP/1.0\r\n',
      'POST /elsewhere HTTP/1.1\r\n',
    ]) {
      assert.equal(start(text), true, JSON.stringify(text))
    }
  })
})
