import { startTestNode, waitFor } from '../test/cluster/helpers.js'
import type { TestNode } from '../test/cluster/helpers.js'
const LEAVES = Number(process.env.LEAVES ?? 20)
const dead = ['/ip4/127.0.0.1/tcp/1']
const hub = await startTestNode({ nodeName: 'hub', heartbeatMs: 1000 })
const nodes: TestNode[] = [hub]
for (let i = 0; i < LEAVES; i++) nodes.push(await startTestNode({ nodeName: `leaf${i}`, heartbeatMs: 1000, missedHeartbeats: 3, rejoinIntervalMs: 2000, advertiseAddrs: dead, joinAddrs: [hub.node.multiaddrs()[0]] }))
const t0 = Date.now()
for (let i = 0; i < 40; i++) {
  await new Promise(r => setTimeout(r, 1000))
  const counts = nodes.map(n => n.node.peers().length)
  const st = nodes.map(n => (n.node as any).links.stats)
  const sum = (k: string) => st.reduce((a: number, s: any) => a + s[k], 0)
  const dets = nodes.map(n => (n.node as any).detector)
  console.log(((Date.now() - t0) / 1000).toFixed(0), counts.join(','), 'dropped', sum('dropped'), 'viaHop', sum('viaHop'), 'handedOn', sum('handedOn'), 'health', dets.map((d: any) => d.health).join(','), 'deaths', dets.reduce((a: number, d: any) => a + d.stats.deaths, 0), 'refutes', dets.reduce((a: number, d: any) => a + d.stats.refutes, 0), 'q', dets.map((d: any) => d.queued).join(','))
}
await Promise.all(nodes.map(n => n.node.abort()))
