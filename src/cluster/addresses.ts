// Which of our addresses peers hear about (identify, the DHT and heartbeats all use the same list).

/** Relay (circuit) addresses: how a node that cannot be dialled is reached through a hop. */
export const isCircuit = (a: string): boolean => a.includes('/p2p-circuit')
export const isLoopback = (a: string): boolean => /^\/(ip4\/127\.|ip6\/::1\/|dns[46]?\/localhost\/)/.test(a)

/** A public IP address: not loopback, private (RFC 1918, CGNAT, ULA) or link-local. Such an address
 *  may be dialled from anywhere once AutoNAT confirms it; anything else needs a relay to be reached
 *  from outside its network. */
export function isPublicIp (a: string): boolean {
  const v4 = /^\/ip4\/(\d+)\.(\d+)\.\d+\.\d+\//.exec(a)
  if (v4 !== null) {
    const [x, y] = [Number(v4[1]), Number(v4[2])]
    return !(x === 0 || x === 10 || x === 127 || (x === 169 && y === 254) || (x === 172 && y >= 16 && y < 32) ||
      (x === 192 && y === 168) || (x === 100 && y >= 64 && y < 128))
  }
  const v6 = /^\/ip6\/([^/]+)\//.exec(a)
  if (v6 !== null) return !/^(::1?$|f[cd]|fe[89ab])/i.test(v6[1])
  return false
}
export const isWebSocket = (a: string): boolean => /\/wss?(\/|$)/.test(a)

/**
 * The addresses to announce, from what we listen on (each ending in /p2p/<self>):
 * - `--cluster.advertise-address` wins: it replaces every listen address (relay addresses stay,
 *   they are a different path, not a different guess of our own address);
 * - loopback is dropped as soon as we have any other address: a peer on another host would dial
 *   itself. A node listening on loopback only (a single-host fleet) keeps it.
 */
export function advertisable (addrs: string[], advertise: string[], self: string): string[] {
  const withId = (a: string): string => a.includes('/p2p/') ? a : `${a}/p2p/${self}`
  const circuits = addrs.filter(isCircuit)
  if (advertise.length > 0) return [...new Set([...advertise.map(withId), ...circuits])]
  const direct = addrs.filter(a => !isCircuit(a))
  const routable = direct.filter(a => !isLoopback(a))
  return [...(routable.length > 0 ? routable : direct), ...circuits]
}
