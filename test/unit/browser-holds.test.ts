// The cluster's per-browser poll count (src/cluster/browser-holds.ts): announcements are sent
// once per ttl/3 while a session polls, lapse after ttl, are withdrawn only by their node, and a
// session never counts against itself.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ClusterBrowserHolds } from '../../src/cluster/browser-holds.ts'
import type { BusMessage } from '../../src/cluster/messages.ts'

function holds() {
  let now = 1_000
  const sent: BusMessage[] = []
  const h = new ClusterBrowserHolds(
    (m) => sent.push(m),
    30_000,
    () => now,
  )
  return { h, sent, tick: (ms: number) => (now += ms) }
}

describe('cluster browser holds', () => {
  it('announces a polling session once per ttl/3, and its end once', () => {
    const { h, sent, tick } = holds()
    h.held('b1', 'c1')
    h.held('b1', 'c1')
    tick(9_000)
    h.held('b1', 'c1')
    assert.equal(sent.length, 1, 'steady polling sends nothing')
    tick(2_000)
    h.held('b1', 'c1')
    assert.equal(sent.length, 2, 're-announced after ttl/3')
    h.ended('b1', 'c1')
    h.ended('b1', 'c1')
    assert.deepEqual(sent[2], { t: 'unheld', key: 'b1', clientId: 'c1' })
    assert.equal(sent.length, 3)
    h.close()
  })

  it('counts other sessions of the browser on other nodes until they lapse or end', () => {
    const { h, tick } = holds()
    h.heard({ t: 'held', key: 'b1', clientId: 'x', ttl: 30_000 }, 'n2')
    h.heard({ t: 'held', key: 'b1', clientId: 'y', ttl: 999_999_999 }, 'n3')
    h.heard({ t: 'held', key: 'b2', clientId: 'z', ttl: 30_000 }, 'n2')
    assert.equal(h.elsewhere('b1', 'me'), 2)
    assert.equal(h.elsewhere('b1', 'x'), 1, 'a session never counts against itself')
    // Only the node that announced it withdraws it.
    h.heard({ t: 'unheld', key: 'b1', clientId: 'x' }, 'n3')
    assert.equal(h.elsewhere('b1', 'me'), 2)
    h.heard({ t: 'unheld', key: 'b1', clientId: 'x' }, 'n2')
    assert.equal(h.elsewhere('b1', 'me'), 1)
    // A node that died stops counting: its announcements lapse (a peer's ttl is bounded by ours).
    tick(30_001)
    assert.equal(h.elsewhere('b1', 'me'), 0)
    assert.equal(h.elsewhere('b2', 'me'), 0)
    h.close()
  })

  it('counts a session that moved here once: by its announcement, or by this node once it re-announces', () => {
    const { h, tick } = holds()
    h.heard({ t: 'held', key: 'b1', clientId: 'm', ttl: 30_000 }, 'n2')
    tick(10)
    h.held('b1', 'm') // polling here now; n2's announcement still stands for it
    assert.equal(h.elsewhere('b1', 'other'), 1)
    tick(10_001)
    h.held('b1', 'm') // re-announced by this node: its own held count has it from now on
    assert.equal(h.elsewhere('b1', 'other'), 0)
    h.close()
  })
})

describe('cluster browser holds, a session moving between nodes', () => {
  it('is not announced again by the node it moved to while the last announcement is fresh', () => {
    const { h, sent, tick } = holds()
    h.heard({ t: 'held', key: 'b1', clientId: 'm', ttl: 30_000 }, 'n2')
    h.held('b1', 'm')
    assert.equal(sent.length, 0)
    tick(10_001)
    h.held('b1', 'm')
    assert.equal(sent.length, 1, 'then this node keeps it announced')
    h.close()
  })
})
