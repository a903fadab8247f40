// Network namespaces for partition tests: two agent namespaces A and B joined by a link that can
// be cut, and a farm namespace F reachable from both over links of its own (F does not forward,
// so A and B talk only over their link). Private 10.x addresses exist only inside the namespaces.
//
//        10.N.12.1 ── A ══ B ── 10.N.12.2        target address 10.N.9.1 (on F's loopback),
//        10.N.1.1  ─┘       └─ 10.N.2.1          routed from A via 10.N.1.2 and from B via 10.N.2.2
//                    F (10.N.1.2, 10.N.2.2)
import { execFile as execFileCb, execFileSync, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'

const execFile = promisify(execFileCb)
const IP = '/usr/sbin/ip'

export interface Topology {
  a: string
  b: string
  f: string
  /** Address of A and B on their shared link. */
  aAddr: string
  bAddr: string
  /** Address the farm listens on, reachable from A and B. */
  farmAddr: string
  cut (): void
  heal (): void
  destroy (): void
}

/** Why namespaces cannot be made here, or undefined. */
export function netnsUnavailable (): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (ip netns add)'
  const probe = `shoal-probe-${process.pid}`
  const r = spawnSync(IP, ['netns', 'add', probe], { encoding: 'utf8' })
  if (r.status !== 0) return `ip netns add failed: ${(r.stderr || r.error?.message || '').trim()}`
  spawnSync(IP, ['netns', 'del', probe])
  return undefined
}

function ip (...args: string[]): void {
  execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

export function createTopology (): Topology {
  const id = process.pid % 100_000
  const n = 100 + (process.pid % 150)
  const a = `shoal-${id}-a`
  const b = `shoal-${id}-b`
  const f = `shoal-${id}-f`
  // veth names are at most 15 characters
  const v = (x: string): string => `sh${id}${x}`
  const topo: Topology = {
    a, b, f,
    aAddr: `10.${n}.12.1`,
    bAddr: `10.${n}.12.2`,
    farmAddr: `10.${n}.9.1`,
    cut () { ip('-n', a, 'link', 'set', v('ab'), 'down'); ip('-n', b, 'link', 'set', v('ba'), 'down') },
    heal () { ip('-n', a, 'link', 'set', v('ab'), 'up'); ip('-n', b, 'link', 'set', v('ba'), 'up') },
    destroy () {
      // deleting a namespace deletes its end of every veth pair, and with it the other end
      for (const ns of [a, b, f]) spawnSync(IP, ['netns', 'del', ns])
    },
  }
  try {
    for (const ns of [a, b, f]) { ip('netns', 'add', ns); ip('-n', ns, 'link', 'set', 'lo', 'up') }
    const link = (ns1: string, if1: string, addr1: string, ns2: string, if2: string, addr2: string): void => {
      ip('link', 'add', if1, 'netns', ns1, 'type', 'veth', 'peer', 'name', if2, 'netns', ns2)
      ip('-n', ns1, 'addr', 'add', `${addr1}/24`, 'dev', if1)
      ip('-n', ns2, 'addr', 'add', `${addr2}/24`, 'dev', if2)
      ip('-n', ns1, 'link', 'set', if1, 'up')
      ip('-n', ns2, 'link', 'set', if2, 'up')
    }
    link(a, v('ab'), topo.aAddr, b, v('ba'), topo.bAddr)
    link(a, v('af'), `10.${n}.1.1`, f, v('fa'), `10.${n}.1.2`)
    link(b, v('bf'), `10.${n}.2.1`, f, v('fb'), `10.${n}.2.2`)
    ip('-n', f, 'addr', 'add', `${topo.farmAddr}/32`, 'dev', 'lo')
    ip('-n', a, 'route', 'add', `${topo.farmAddr}/32`, 'via', `10.${n}.1.2`)
    ip('-n', b, 'route', 'add', `${topo.farmAddr}/32`, 'via', `10.${n}.2.2`)
  } catch (err) {
    topo.destroy()
    throw new Error(`building namespaces: ${(err as { stderr?: Buffer }).stderr?.toString() ?? (err as Error).message}`)
  }
  return topo
}

/** GET over HTTP from inside a namespace (curl); the body, or throws. */
export async function nsGet (ns: string, url: string): Promise<string> {
  const { stdout } = await execFile(IP, ['netns', 'exec', ns, 'curl', '-sf', '--max-time', '2', url], { maxBuffer: 16 << 20 })
  return stdout
}
