// `shoal run` with the web UI registered, as its own process, for the UI end-to-end test:
//   node --import tsx test/ui/helpers/ui-agent.ts CONFIG [run flags]
// (Once src/agent.ts calls registerUI itself, the extra registration here is never reached:
// the first route registered for a path wins.)
import { Agent } from '../../../src/agent.js'
import { RUN_FLAGS, clusterOptions, parseHostPort } from '../../../src/cli/run.js'
import { parseFlags } from '../../../src/cli/flags.js'
import { createSink } from '../../../src/logging/logger.js'
import type { Stability } from '../../../src/runtime/component.js'
import { defaultStaticDir, registerUI } from '../../../src/http/ui/routes.js'

const { flags, positionals } = parseFlags(process.argv.slice(2), RUN_FLAGS)
const { host, port } = parseHostPort(String(flags['server.http.listen-addr']), 'server.http.listen-addr')
const prefix = String(flags['server.http.ui-path-prefix'])
const agent = new Agent({
  configPath: positionals[0],
  listenHost: host,
  listenPort: port,
  storagePath: String(flags['storage.path']),
  stabilityLevel: String(flags['stability.level']) as Stability,
  uiPathPrefix: prefix,
  sink: createSink('info', 'logfmt'),
  cluster: clusterOptions(flags),
})
registerUI(agent.http, { prefix, staticDir: defaultStaticDir() })
await agent.start()
const stop = (): void => { void agent.stop().finally(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
