// Regressions from the 50-node fleet that did not converge on one loaded host: nodes whose join
// dial failed waited a whole rejoin interval (60 s) before trying again, and every ping answered
// late closed a link, so the re-dials (handshakes on both ends) kept the hosts too busy to let
// newcomers in.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { freePort } from '../helpers/net.js'
import { fileURLToPath } from 'node:url'
import { JOIN_RETRY_MS, joinRetryDelay, PING_MISSES, PING_TIMEOUT_MS } from '../../src/cluster/scale.js'
import { startTestNode, waitFor } from './helpers.js'
import type { TestNode } from './helpers.js'

const CHILD = fileURLToPath(new URL('./child-node.ts', import.meta.url))

test('join retries back off from 1 s to the rejoin interval, jittered to 50–100 %', () => {
  assert.equal(JOIN_RETRY_MS, 1000)
  assert.deepEqual([0, 1, 2, 3, 5, 6, 40].map(f => joinRetryDelay(f, 60_000, 0.999_999)), [1000, 2000, 4000, 8000, 32_000, 60_000, 60_000])
  assert.deepEqual([0, 1, 6].map(f => joinRetryDelay(f, 60_000, 0)), [500, 1000, 30_000])
  assert.equal(joinRetryDelay(10, 5000, 0.5), 3750)
})

test('a node whose join address is not up yet joins within seconds, not at the next rejoin interval', { timeout: 30_000 }, async () => {
  const port = await freePort()
  const nodes: TestNode[] = []
  try {
    // the join address refuses connections for the first 2.5 s (its node starts late)
    const b = await startTestNode({ nodeName: 'b', joinAddrs: [`127.0.0.1:${port}`], rejoinIntervalMs: 60_000 })
    nodes.push(b)
    await new Promise(resolve => setTimeout(resolve, 2500))
    assert.equal(b.node.peers().length, 1)
    const a = await startTestNode({ nodeName: 'a', listenAddrs: [`/ip4/127.0.0.1/tcp/${port}`] })
    nodes.push(a)
    // retries at ~1, 2, 4 s (× 0.5–1): the one after a started is due within 4 s
    const ms = await waitFor(() => b.node.peers().length === 2 && a.node.peers().length === 2, 8000,
      () => `b sees ${b.node.peers().length}, a sees ${a.node.peers().length}`)
    assert.ok(ms < 8000)
  } finally {
    await Promise.all(nodes.map(async n => { await n.node.abort() }))
  }
})

test(`a peer that answers pings late once keeps its link (${PING_MISSES} misses close it)`, { timeout: 30_000 }, async () => {
  assert.equal(PING_MISSES, 2)
  assert.equal(PING_TIMEOUT_MS, 4000)
  // long timeouts on a: the peer must stay a member through the stall, only the link is in question.
  // Link pings are the heartbeat membership's (older members'); the detector's probes replace them.
  const a = await startTestNode({ nodeName: 'a', heartbeatMs: 1000, missedHeartbeats: 10, membership: 'heartbeats' })
  let proc: ChildProcess | undefined
  try {
    proc = spawn(process.execPath, ['--import', 'tsx', CHILD, a.node.multiaddrs()[0]], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CHILD_MEMBERSHIP: 'heartbeats' } })
    const peerId = await new Promise<string>((resolve, reject) => {
      let out = ''
      proc!.stdout!.on('data', (b: Buffer) => { out += b.toString(); if (out.includes('\n')) resolve(out.trim()) })
      proc!.on('exit', code => { reject(new Error(`child exited ${code}`)) })
    })
    await waitFor(() => a.node.peers().some(p => p.peerId === peerId), 10_000)
    const libp2p = (a.node as unknown as { libp2p: { getConnections: () => Array<{ remotePeer: { toString: () => string }, status: string }> } }).libp2p
    const link = () => libp2p.getConnections().filter(c => c.remotePeer.toString() === peerId)
    await waitFor(() => link().length === 1, 5000)
    const before = link()[0]
    let left = false
    const off = a.node.onChange(() => { if (!a.node.peers().some(p => p.peerId === peerId)) left = true })
    // a 5.6 s stall: a ping is sent within ~1.25 s of it and times out 4 s later, before it ends
    proc.kill('SIGSTOP')
    await new Promise(resolve => setTimeout(resolve, 5600))
    proc.kill('SIGCONT')
    await new Promise(resolve => setTimeout(resolve, 2500))
    off()
    assert.equal(before.status, 'open', 'the link was closed after one late ping')
    assert.deepEqual(link(), [before])
    assert.equal(left, false)
    assert.ok(a.node.peers().some(p => p.peerId === peerId))
  } finally {
    proc?.kill('SIGKILL')
    await a.node.abort()
  }
})
