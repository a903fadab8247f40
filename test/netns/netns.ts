// Network namespaces for tests: a hub and two sites linked only to the hub by veth pairs, with
// private 10.77.x addresses that exist only inside the namespaces (nothing touches the host's
// interfaces or routes). Names are unique per run; destroy() (also run at process exit) removes them.
import { execFile, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const HUB_TARGET_IP = '10.77.0.1' // on the hub's loopback; both sites route to it via the hub
export const IP = { hubA: '10.77.1.1', siteA: '10.77.1.2', hubB: '10.77.2.1', siteB: '10.77.2.2' }

export interface Nets { hub: string, a: string, b: string, destroy (): void }

function ip (...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`)
}

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable (): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the netns tests as root)'
  const probe = `shoal-probe-${process.pid}`
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' })
  if (r.status !== 0) return `cannot create a network namespace: ${(r.stderr || r.error?.message || '').trim()}`
  spawnSync('ip', ['netns', 'del', probe])
  if (spawnSync('curl', ['--version']).status !== 0) return 'curl is needed to query agents inside namespaces'
  return undefined
}

export function makeNets (): Nets {
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 6)}`
  const nets = { hub: `shoal-${tag}-hub`, a: `shoal-${tag}-a`, b: `shoal-${tag}-b` }
  let destroyed = false
  const destroy = (): void => {
    if (destroyed) return
    destroyed = true
    for (const n of Object.values(nets)) spawnSync('ip', ['netns', 'del', n]) // the veths go with them
  }
  process.once('exit', destroy)
  try {
    for (const n of Object.values(nets)) {
      ip('netns', 'add', n)
      ip('-n', n, 'link', 'set', 'lo', 'up')
    }
    // hub ⇄ site A, hub ⇄ site B; the hub does not forward between them
    ip('-n', nets.hub, 'link', 'add', 'to-a', 'type', 'veth', 'peer', 'name', 'to-hub', 'netns', nets.a)
    ip('-n', nets.hub, 'link', 'add', 'to-b', 'type', 'veth', 'peer', 'name', 'to-hub', 'netns', nets.b)
    ip('-n', nets.hub, 'addr', 'add', `${IP.hubA}/24`, 'dev', 'to-a')
    ip('-n', nets.hub, 'addr', 'add', `${IP.hubB}/24`, 'dev', 'to-b')
    ip('-n', nets.hub, 'addr', 'add', `${HUB_TARGET_IP}/32`, 'dev', 'lo')
    ip('-n', nets.a, 'addr', 'add', `${IP.siteA}/24`, 'dev', 'to-hub')
    ip('-n', nets.b, 'addr', 'add', `${IP.siteB}/24`, 'dev', 'to-hub')
    for (const [n, dev] of [[nets.hub, 'to-a'], [nets.hub, 'to-b'], [nets.a, 'to-hub'], [nets.b, 'to-hub']]) ip('-n', n, 'link', 'set', dev, 'up')
    ip('-n', nets.a, 'route', 'add', `${HUB_TARGET_IP}/32`, 'via', IP.hubA)
    ip('-n', nets.b, 'route', 'add', `${HUB_TARGET_IP}/32`, 'via', IP.hubB)
    spawnSync('ip', ['netns', 'exec', nets.hub, 'sysctl', '-qw', 'net.ipv4.ip_forward=0'])
  } catch (err) {
    destroy()
    throw err
  }
  return { ...nets, destroy }
}

/** GET inside a namespace with curl; returns status, body and response headers. */
export async function nsGet (ns: string, url: string, timeoutS = 5): Promise<{ status: number, body: string, headers: string }> {
  const { stdout } = await run('ip', ['netns', 'exec', ns, 'curl', '-s', '-D', '-', '-m', String(timeoutS), url], { maxBuffer: 16 << 20 })
  const split = stdout.indexOf('\r\n\r\n')
  const headers = split < 0 ? stdout : stdout.slice(0, split)
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1] ?? 0)
  return { status, body: split < 0 ? '' : stdout.slice(split + 4), headers }
}

export async function nsJSON<T> (ns: string, url: string): Promise<T> {
  const r = await nsGet(ns, url)
  if (r.status !== 200) throw new Error(`${url} in ${ns}: HTTP ${r.status} ${r.body.slice(0, 300)}`)
  return JSON.parse(r.body) as T
}
