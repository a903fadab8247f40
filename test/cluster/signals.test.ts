// The failure-detection target: a SIGKILLed or SIGSTOPped peer is dropped within 5 s
// (default heartbeat 1 s × 3 missed). The peer runs in a child process.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startTestNode, waitFor } from './helpers.js'
import type { TestNode } from './helpers.js'

const CHILD = fileURLToPath(new URL('./child-node.ts', import.meta.url))

async function spawnPeer (join: string): Promise<{ proc: ChildProcess, peerId: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, join], { stdio: ['ignore', 'pipe', 'inherit'] })
  const peerId = await new Promise<string>((resolve, reject) => {
    let out = ''
    proc.stdout.on('data', (b: Buffer) => { out += b.toString(); if (out.includes('\n')) resolve(out.trim()) })
    proc.on('exit', code => { reject(new Error(`child exited ${code}`)) })
  })
  return { proc, peerId }
}

async function droppedWithin (a: TestNode, peerId: string, signal: NodeJS.Signals, proc: ChildProcess): Promise<number> {
  await waitFor(() => a.node.peers().some(p => p.peerId === peerId), 8000)
  const t0 = Date.now()
  proc.kill(signal)
  await waitFor(() => !a.node.peers().some(p => p.peerId === peerId), 5000)
  return Date.now() - t0
}

test('SIGKILL and SIGSTOP of a peer process are noticed within 5 s', { timeout: 30_000 }, async (t) => {
  const a = await startTestNode({ nodeName: 'a', heartbeatMs: 1000, missedHeartbeats: 3 })
  const procs: ChildProcess[] = []
  try {
    const killed = await spawnPeer(a.node.multiaddrs()[0])
    procs.push(killed.proc)
    const stopped = await spawnPeer(a.node.multiaddrs()[0])
    procs.push(stopped.proc)
    const tKill = await droppedWithin(a, killed.peerId, 'SIGKILL', killed.proc)
    assert.ok(tKill < 3000, `SIGKILL noticed after ${tKill}ms`) // connection closes, ping fails: fast path
    const tStop = await droppedWithin(a, stopped.peerId, 'SIGSTOP', stopped.proc)
    t.diagnostic(`dropped after SIGKILL ${tKill}ms, SIGSTOP ${tStop}ms`)
    assert.ok(tStop >= 1000 && tStop < 5000, `SIGSTOP noticed after ${tStop}ms`)
  } finally {
    for (const p of procs) p.kill('SIGKILL')
    await a.node.abort()
  }
})
