// The fleet API's gzip replies: a client that says "z" gets large bodies compressed, so a
// proxied detail page with tens of thousands of targets fits the wire cap; plain replies from
// older servers still decode, and a compressed body cannot make the client allocate without bound.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { decodeRequest, decodeResponse, encodeResponse, MAX_RESPONSE_BYTES } from '../../src/cluster/api-protocol.js'

function detailBody (targets: number): string {
  const list = Array.from({ length: targets }, (_, i) => ({
    labels: { __address__: `10.${i >> 16 & 255}.${i >> 8 & 255}.${i & 255}:9100`, job: 'node', instance: `host-${i}.example.internal:9100` },
    health: i % 17 === 0 ? 'down' : 'up',
    lastError: i % 17 === 0 ? 'Get "http://x/metrics": context deadline exceeded' : '',
    lastScrape: '2026-11-26T13:00:00.000Z',
    scrapeDurationSeconds: 0.0123,
    local: i % 3 === 0,
  }))
  return JSON.stringify({ name: 'prometheus.scrape', localID: 'prometheus.scrape.default', debugInfo: { targets: list } })
}

test('requests carry the gzip flag; other values are ignored', () => {
  assert.deepEqual(decodeRequest(new TextEncoder().encode('{"p":"/x","z":1}')), { p: '/x', z: 1 })
  assert.deepEqual(decodeRequest(new TextEncoder().encode('{"p":"/x","z":"yes"}')), { p: '/x' })
})

test('a 20,000-target page is over the wire cap plain and well under it gzipped, and comes back intact', () => {
  const body = detailBody(20_000)
  assert.ok(Buffer.byteLength(body) > MAX_RESPONSE_BYTES, `plain ${Buffer.byteLength(body)} bytes`)
  const wire = encodeResponse(200, body, true)
  assert.ok(wire.byteLength < MAX_RESPONSE_BYTES / 4, `gzipped ${wire.byteLength} bytes`)
  assert.deepEqual(decodeResponse(wire), { status: 200, body })
})

test('small bodies and clients without the flag get plain replies; plain replies still decode', () => {
  assert.equal(new TextDecoder().decode(encodeResponse(404, '{"error":"x"}', true)), '404\n{"error":"x"}')
  const big = detailBody(100)
  assert.equal(new TextDecoder().decode(encodeResponse(200, big, false)).slice(0, 4), '200\n')
  assert.deepEqual(decodeResponse(encodeResponse(200, big, false)), { status: 200, body: big })
})

test('a compressed body past the decompressed bound is refused, and junk is refused', () => {
  const bomb = Buffer.concat([Buffer.from('200z\n'), gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x20))])
  assert.ok(bomb.byteLength < MAX_RESPONSE_BYTES)
  assert.equal(decodeResponse(bomb), undefined)
  assert.equal(decodeResponse(Buffer.concat([Buffer.from('200z\n'), Buffer.from('not gzip')])), undefined)
  assert.equal(decodeResponse(new TextEncoder().encode('20z\n{}')), undefined)
  assert.equal(decodeResponse(new TextEncoder().encode('2000\n{}')), undefined)
})
