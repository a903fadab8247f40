// The fleet simulation in CI: ~200 simulated nodes running the real detector over a lossy
// network with kills, freezes and a 50/50 partition, through the exact CLI anyone reruns.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'

function sim (args: string[]): Record<string, number | null> {
  const r = spawnSync('npm', ['run', '--silent', 'fleet-sim', '--', ...args, '--json'], { encoding: 'utf8', timeout: 240_000 })
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1])
}

test('200 simulated nodes, 1 % loss, kills, freezes and a partition: fast detection, no false deaths, one view again', () => {
  const r = sim(['--nodes', '200', '--seconds', '180', '--loss', '0.01', '--kill', '4', '--freeze', '4', '--seed', '7', '--partition'])
  assert.equal(r.nodes, 200)
  assert.equal(r.undetected_kills, 0)
  assert.equal(r.undetected_freezes, 0)
  assert.ok((r.detect_kill_p99_s as number) <= 10, `kill p99 ${r.detect_kill_p99_s} s`)
  assert.ok((r.detect_freeze_p99_s as number) <= 10, `freeze p99 ${r.detect_freeze_p99_s} s`)
  assert.equal(r.false_dead, 0, 'no live member declared dead outside the partition')
  assert.ok(r.partition_heal_s !== null && r.partition_heal_s <= 30, `healed in ${r.partition_heal_s} s`)
  assert.ok((r.steady_bytes_per_node_s as number) <= 5 * 1024, `${r.steady_bytes_per_node_s} B/s per node before the partition`)
})

test('200 simulated nodes in a quiet fleet: per-node traffic stays small and nobody is declared dead', () => {
  const r = sim(['--nodes', '200', '--seconds', '120', '--loss', '0.01', '--kill', '0', '--freeze', '0', '--seed', '3'])
  assert.ok((r.bytes_per_node_s as number) <= 5 * 1024, `${r.bytes_per_node_s} B/s per node`)
  assert.ok((r.bytes_per_node_s as number) > 0)
  assert.equal(r.false_dead, 0)
  assert.equal(r.detect_kill_p99_s, null, 'nothing killed, nothing to detect')
})

test('the CLI rejects bad arguments with a clear error', () => {
  const r = spawnSync('npm', ['run', '--silent', 'fleet-sim', '--', '--nodes', 'many'], { encoding: 'utf8' })
  assert.equal(r.status, 2)
  assert.match(r.stderr, /--nodes wants a non-negative number/)
})
