// A star of network namespaces for tests: a hub that routes between N sites, each site linked to
// the hub by one veth pair. Addresses are private 10.15.x ones that exist only inside the
// namespaces (the host's interfaces and routes are not touched). The hub's loopback also holds
// HUB_IP, where a test puts its targets. destroy() (also run at process exit) removes them all.
import { spawnSync } from 'node:child_process'

export const STAR_HUB_IP = '10.15.0.1'
/** The address of site i (0-based) on its link to the hub. */
export const siteIP = (i: number): string => `10.15.${i + 1}.2`

export interface Star { hub: string, sites: string[], destroy (): void }

function ip (...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`)
}

/** Names carry `tag` (and the PID), so parallel runs and other users of `ip netns` never collide. */
export function makeStar (tag: string, n: number): Star {
  const base = `${tag}-${process.pid}-${Math.random().toString(36).slice(2, 5)}`
  const hub = `${base}-hub`
  const sites = Array.from({ length: n }, (_, i) => `${base}-s${i}`)
  let destroyed = false
  const destroy = (): void => {
    if (destroyed) return
    destroyed = true
    for (const ns of [hub, ...sites]) spawnSync('ip', ['netns', 'del', ns]) // the veths go with them
  }
  process.once('exit', destroy)
  try {
    for (const ns of [hub, ...sites]) {
      ip('netns', 'add', ns)
      ip('-n', ns, 'link', 'set', 'lo', 'up')
    }
    ip('-n', hub, 'addr', 'add', `${STAR_HUB_IP}/32`, 'dev', 'lo')
    sites.forEach((ns, i) => {
      ip('-n', hub, 'link', 'add', `s${i}`, 'type', 'veth', 'peer', 'name', 'hub', 'netns', ns)
      ip('-n', hub, 'addr', 'add', `10.15.${i + 1}.1/24`, 'dev', `s${i}`)
      ip('-n', ns, 'addr', 'add', `${siteIP(i)}/24`, 'dev', 'hub')
      ip('-n', hub, 'link', 'set', `s${i}`, 'up')
      ip('-n', ns, 'link', 'set', 'hub', 'up')
      ip('-n', ns, 'route', 'add', 'default', 'via', `10.15.${i + 1}.1`)
    })
    // the hub is the sites' router (inside its own namespace only)
    const fwd = spawnSync('ip', ['netns', 'exec', hub, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'], { encoding: 'utf8' })
    if (fwd.status !== 0) throw new Error(`sysctl ip_forward in ${hub}: ${fwd.stderr}`)
  } catch (err) {
    destroy()
    throw err
  }
  return { hub, sites, destroy }
}
