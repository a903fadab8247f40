// DistributedTargets against a fake cluster: which targets are local, who owns the others, how
// the component hash is announced, and that ownership follows the cluster's change events.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DistributedTargets, type DistributedTargetsInit, type OwnershipCluster, type TargetOwner } from '../../src/scrape/distributed-targets.js'

const self: TargetOwner = { peerId: 'self', name: 'self', isSelf: true }
const a: TargetOwner = { peerId: 'a', name: 'node-a', isSelf: false }
const b: TargetOwner = { peerId: 'b', name: 'node-b', isSelf: false }

interface FakeInit {
  enabled?: boolean
  ready?: boolean
  /** Owners by key, best first; unlisted keys have none. */
  owners?: Record<string, TargetOwner[]>
  lookupThrows?: boolean
}

class FakeCluster implements OwnershipCluster {
  readonly enabled: boolean
  isReady: boolean
  owners: Record<string, TargetOwner[]>
  lookupThrows: boolean
  readonly hashes = new Map<string, string>()
  readonly lookups: Array<{ key: bigint, rf: number, componentId: string }> = []
  readonly listeners = new Set<() => void>()
  constructor (init: FakeInit) {
    this.enabled = init.enabled ?? true
    this.isReady = init.ready ?? true
    this.owners = init.owners ?? {}
    this.lookupThrows = init.lookupThrows ?? false
  }

  self (): TargetOwner { return self }
  ready (): boolean { return this.isReady }
  lookup (key: bigint, rf: number, componentId: string): readonly TargetOwner[] {
    this.lookups.push({ key, rf, componentId })
    if (this.lookupThrows) throw new Error('lookup failed')
    return (this.owners[String(key)] ?? []).slice(0, rf)
  }

  setComponentHash (componentId: string, hash: string): void { this.hashes.set(componentId, hash) }
  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  change (): void { for (const l of this.listeners) l() }
}

const init = (over: Partial<DistributedTargetsInit> = {}): DistributedTargetsInit => ({ componentId: 'prometheus.scrape.x', enabled: true, configHash: 'h1', ...over })

test('ownership: which targets are local, and who owns them', () => {
  const cases: Array<{ name: string, cluster: FakeInit, init?: Partial<DistributedTargetsInit>, key: bigint, local: boolean, owner: string | null }> = [
    { name: 'clustering off in the component: local', cluster: { owners: { 1: [a] } }, init: { enabled: false }, key: 1n, local: true, owner: 'self' },
    { name: 'single-node stand-in: local', cluster: { enabled: false, owners: { 1: [a] } }, key: 1n, local: true, owner: 'self' },
    { name: 'owned by self', cluster: { owners: { 1: [self, a] } }, key: 1n, local: true, owner: 'self' },
    { name: 'owned by a peer', cluster: { owners: { 1: [a, self] } }, key: 1n, local: false, owner: 'a' },
    { name: 'replication factor 2 includes self as second', cluster: { owners: { 1: [a, self] } }, init: { replicationFactor: 2 }, key: 1n, local: true, owner: 'self' },
    { name: 'replication factor 2 without self', cluster: { owners: { 1: [b, a, self] } }, init: { replicationFactor: 2 }, key: 1n, local: false, owner: 'b' },
    { name: 'fleet not formed yet (wait-for-size): not local', cluster: { ready: false, owners: { 1: [self] } }, key: 1n, local: false, owner: 'self' },
    { name: 'no candidate at all: kept local', cluster: { owners: {} }, key: 7n, local: true, owner: 'self' },
    { name: 'lookup errors fall back to local', cluster: { lookupThrows: true }, key: 1n, local: true, owner: 'self' },
  ]
  for (const c of cases) {
    const cluster = new FakeCluster(c.cluster)
    const dt = new DistributedTargets(cluster, init(c.init))
    assert.equal(dt.isLocal(c.key), c.local, c.name)
    assert.equal(dt.owner(c.key)?.peerId ?? null, c.owner, c.name)
    for (const l of cluster.lookups) {
      assert.equal(l.componentId, 'prometheus.scrape.x', c.name)
      assert.equal(l.rf, c.init?.replicationFactor ?? 1, c.name)
    }
  }
})

test('the config hash is announced only when clustered; update re-announces it', () => {
  const off = new FakeCluster({})
  const offDt = new DistributedTargets(off, init({ enabled: false }))
  assert.equal(offDt.clustered, false)
  assert.deepEqual([...off.hashes], [])

  const standIn = new FakeCluster({ enabled: false })
  assert.equal(new DistributedTargets(standIn, init()).clustered, false)
  assert.deepEqual([...standIn.hashes], [])

  const on = new FakeCluster({})
  const dt = new DistributedTargets(on, init())
  assert.equal(dt.clustered, true)
  assert.deepEqual([...on.hashes], [['prometheus.scrape.x', 'h1']])
  dt.update(init({ configHash: 'h2' }))
  assert.deepEqual([...on.hashes], [['prometheus.scrape.x', 'h2']])
  dt.update(init({ enabled: false, configHash: 'h3' }))
  assert.equal(dt.clustered, false)
  assert.deepEqual([...on.hashes], [['prometheus.scrape.x', 'h2']])
})

test('ownership follows the cluster change events, with no timer of its own', () => {
  const cluster = new FakeCluster({ ready: false, owners: { 1: [self], 2: [a] } })
  const dt = new DistributedTargets(cluster, init())
  const seen: Array<[boolean, boolean]> = []
  const unsubscribe = dt.onChange(() => { seen.push([dt.isLocal(1n), dt.isLocal(2n)]) })
  assert.deepEqual([dt.isLocal(1n), dt.isLocal(2n)], [false, false])
  // The fleet forms: the cluster says so with a change event.
  cluster.isReady = true
  cluster.change()
  // Target 2 moves to us (peer a left).
  cluster.owners = { 1: [self], 2: [self] }
  cluster.change()
  assert.deepEqual(seen, [[true, false], [true, true]])
  unsubscribe()
  cluster.change()
  assert.equal(seen.length, 2)
  assert.equal(cluster.listeners.size, 0)
})
