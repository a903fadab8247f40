// An in-process agent for the UI tests: a scrape of a small farm, sent to a discard receiver.
import { createServer, type Server } from 'node:http'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent } from '../../../src/agent.js'
import { createSink } from '../../../src/logging/logger.js'
import { startFarm, type Farm } from '../../../src/demo/farm.js'
import { tempDir } from '../../helpers/proc.js'

/** A remote-write receiver that accepts and drops everything. */
export async function discardReceiver (): Promise<{ url: string, close: () => Promise<void> }> {
  const s: Server = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()) })
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(s.address() as { port: number }).port}/api/v1/write`,
    close: () => new Promise<void>(resolve => { s.close(() => resolve()); s.closeAllConnections() }),
  }
}

export function scrapeConfig (targets: string[], writeURL: string, opts: { clustered?: boolean, interval?: string } = {}): string {
  return `prometheus.scrape "demo" {
  targets = [
${targets.map(a => `    {"__address__" = "${a}", "site" = "ui-test"},`).join('\n')}
  ]
  forward_to      = [prometheus.remote_write.discard.receiver]
  scrape_interval = "${opts.interval ?? '1s'}"
  scrape_timeout  = "500ms"
${opts.clustered ? '\n  clustering {\n    enabled = true\n  }\n' : ''}}

prometheus.remote_write "discard" {
  endpoint {
    url = "${writeURL}"
  }
}
`
}

export interface TestAgent { agent: Agent, base: string, farm: Farm, close: () => Promise<void> }

export async function startTestAgent (targets = 3, uiPathPrefix = '/'): Promise<TestAgent> {
  const dir = tempDir('ui')
  const farm = await startFarm(targets, 2)
  const sink = await discardReceiver()
  const config = join(dir, 'config.alloy')
  writeFileSync(config, scrapeConfig(farm.addresses, sink.url))
  const agent = new Agent({
    configPath: config, listenHost: '127.0.0.1', listenPort: 0, storagePath: join(dir, 'data'),
    stabilityLevel: 'generally-available', uiPathPrefix, sink: createSink('error', 'logfmt', () => {}),
    cluster: undefined,
  })
  await agent.start()
  return {
    agent,
    farm,
    base: `http://127.0.0.1:${agent.http.address!.port}`,
    async close () {
      await agent.stop()
      await farm.close()
      await sink.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
