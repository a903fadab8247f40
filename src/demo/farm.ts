// A farm of demo exporters on loopback: each target serves a small, changing metrics body,
// so the demo (and tests) have real HTTP targets to scrape without anything installed.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Farm {
  /** host:port of every target. */
  readonly addresses: string[]
  /** Scrapes served per target address. */
  readonly scrapes: Map<string, number>
  close (): Promise<void>
}

function body (index: number, scrapes: number, series: number): string {
  const lines: string[] = [
    '# HELP demo_requests_total Requests served by the demo target.',
    '# TYPE demo_requests_total counter',
  ]
  for (let i = 0; i < series; i++) lines.push(`demo_requests_total{path="/p${i}",code="200"} ${scrapes * (i + 1)}`)
  lines.push('# HELP demo_temperature_celsius A gauge that moves.', '# TYPE demo_temperature_celsius gauge')
  lines.push(`demo_temperature_celsius{sensor="s${index}"} ${(20 + 5 * Math.sin(scrapes / 10 + index)).toFixed(3)}`)
  lines.push('# HELP demo_target_index Which demo target this is.', '# TYPE demo_target_index gauge', `demo_target_index ${index}`)
  return lines.join('\n') + '\n'
}

/** Starts `count` targets on 127.0.0.1 (ephemeral ports), each exposing `series` + 2 series. */
export async function startFarm (count: number, series = 10, host = '127.0.0.1'): Promise<Farm> {
  const servers: Server[] = []
  const addresses: string[] = []
  const scrapes = new Map<string, number>()
  for (let i = 0; i < count; i++) {
    let addr = ''
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') { res.writeHead(404).end('not found\n'); return }
      const n = (scrapes.get(addr) ?? 0) + 1
      scrapes.set(addr, n)
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' })
      res.end(body(i, n, series))
    })
    await new Promise<void>(resolve => server.listen(0, host, resolve))
    addr = `${host}:${(server.address() as AddressInfo).port}`
    servers.push(server)
    addresses.push(addr)
  }
  return {
    addresses,
    scrapes,
    async close () {
      await Promise.all(servers.map(s => new Promise<void>(resolve => { s.close(() => resolve()); s.closeAllConnections() })))
    },
  }
}
