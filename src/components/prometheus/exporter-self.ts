// prometheus.exporter.self: exports a target for shoal's own /metrics, as Alloy's
// prometheus.exporter.self does for Alloy's.
import { hostname } from 'node:os'
import type { ComponentKind } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { newObject, type Value } from '../../vm/value.js'

/** The service the agent registers with its HTTP listen address ("host:port"). */
export const HTTP_ADDRESS_SERVICE = 'http.address'

const kind: ComponentKind<Record<string, never>> = {
  name: 'prometheus.exporter.self',
  stability: 'generally-available',
  args: {},
  exports: { targets: { type: 'array' } },
  build (globals) {
    const addr = globals.service<() => string>(HTTP_ADDRESS_SERVICE)?.() ?? '127.0.0.1:12345'
    const target = newObject()
    target.__address__ = addr
    target.__metrics_path__ = '/metrics'
    target.instance = hostname()
    target.job = 'integrations/shoal'
    globals.onStateChange({ targets: [target] as Value })
    return {
      async run (signal) { await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true })) },
      update () {},
    }
  },
}

register(kind)
