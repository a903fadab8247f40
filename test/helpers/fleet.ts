// A fleet of `shoal run` processes on loopback for end-to-end tests.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startShoal, tempDir, type Proc } from './proc.js'
import { freePort, waitFor } from './net.js'

export interface FleetNode {
  name: string
  httpPort: number
  p2pPort: number
  dir: string
  args: string[]
  env: NodeJS.ProcessEnv
  proc: Proc
  base: string
}

export interface ScrapeTarget {
  instance: string
  local: boolean
  owner: { peerId: string, name: string } | null
  health: string
}

export function scrapeConfig (opts: { targets: string[], rwURL: string, interval?: string, clustering?: boolean, component?: string, extra?: string, rwExtra?: string }): string {
  return `prometheus.scrape "${opts.component ?? 'fleet'}" {
  targets = [
${opts.targets.map(a => `    {"__address__" = "${a}"},`).join('\n')}
  ]
  forward_to      = [prometheus.remote_write.out.receiver]
  scrape_interval = "${opts.interval ?? '2s'}"
  scrape_timeout  = "1s"
${opts.extra ?? ''}
  clustering {
    enabled = ${opts.clustering ?? true}
  }
}

prometheus.remote_write "out" {
${opts.rwExtra ?? ''}
  endpoint {
    url = "${opts.rwURL}"
    queue_config {
      batch_send_deadline = "500ms"
    }
  }
}
`
}

export class Fleet {
  readonly nodes: FleetNode[] = []
  readonly dir = tempDir('fleet')

  async add (name: string, config: string, extraArgs: string[] = [], join: FleetNode[] = this.nodes, env: NodeJS.ProcessEnv = {}): Promise<FleetNode> {
    const dir = join === this.nodes ? join_(this.dir, name) : join_(this.dir, name)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join_(dir, 'config.alloy'), config)
    const httpPort = await freePort()
    const p2pPort = await freePort()
    const args = ['run', join_(dir, 'config.alloy'), `--server.http.listen-addr=127.0.0.1:${httpPort}`, `--storage.path=${join_(dir, 'data')}`,
      '--cluster.enabled', `--cluster.node-name=${name}`, `--cluster.listen-addr=/ip4/127.0.0.1/tcp/${p2pPort}`,
      '--cluster.rejoin-interval=2s',
      ...(join.length > 0 ? [`--cluster.join-addresses=${join.map(n => `127.0.0.1:${n.p2pPort}`).join(',')}`] : []),
      ...extraArgs]
    const node: FleetNode = { name, httpPort, p2pPort, dir, args, env, proc: startShoal(args, { env }), base: `http://127.0.0.1:${httpPort}` }
    this.nodes.push(node)
    await waitFor(`${name} ready`, async () => (await fetch(`${node.base}/-/ready`)).ok, 30_000)
      .catch(err => { throw new Error(`${err.message}\n${node.proc.output()}`) })
    return node
  }

  restart (node: FleetNode): void {
    node.proc = startShoal(node.args, { env: node.env })
  }

  async stopAll (): Promise<void> {
    await Promise.all(this.nodes.map(n => { try { n.proc.child.kill('SIGCONT') } catch {} return n.proc.stop('SIGKILL') }))
  }
}

function join_ (...parts: string[]): string { return join(...parts) }

export async function peers (node: FleetNode): Promise<Array<{ name: string, isSelf: boolean, state: string, peerId: string, components: Record<string, { match: boolean }> }>> {
  const res = await fetch(`${node.base}/api/v0/web/peers`, { signal: AbortSignal.timeout(2000) })
  return await res.json() as any
}

export async function targets (node: FleetNode, component = 'prometheus.scrape.fleet'): Promise<ScrapeTarget[]> {
  const res = await fetch(`${node.base}/api/v0/web/components/${component}`, { signal: AbortSignal.timeout(2000) })
  const c = await res.json() as { debugInfo: { targets: Array<{ labels: { instance: string }, local: boolean, owner: ScrapeTarget['owner'], health: string }> } }
  return c.debugInfo.targets.map(t => ({ instance: t.labels.instance, local: t.local, owner: t.owner, health: t.health }))
}

/** instance → owning node name, from each node's own "scraped here" list; throws on a double owner. */
export async function ownership (nodes: FleetNode[], component?: string): Promise<Map<string, string>> {
  const owners = new Map<string, string>()
  for (const n of nodes) {
    for (const t of await targets(n, component)) {
      if (!t.local) continue
      const prev = owners.get(t.instance)
      if (prev !== undefined) throw new Error(`${t.instance} scraped by both ${prev} and ${n.name}`)
      owners.set(t.instance, n.name)
    }
  }
  return owners
}

/** Waits until every node lists every other as a participant (no one is still syncing). */
export async function allParticipate (nodes: FleetNode[], timeoutMs = 20_000): Promise<void> {
  const names = nodes.map(n => n.name).sort()
  await waitFor(`${names.join(',')} all participating`, async () => {
    for (const n of nodes) {
      const ps = await peers(n).catch(() => undefined)
      if (!ps) return undefined
      const live = ps.filter(p => p.state === 'participant').map(p => p.name).sort()
      if (names.some(x => !live.includes(x))) return undefined
    }
    return true
  }, timeoutMs, 200)
}
