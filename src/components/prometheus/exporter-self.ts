// prometheus.exporter.self: exports a target for shoal's own /metrics, as Alloy's
// prometheus.exporter.self does for Alloy's.
import { hostname } from 'node:os'
import type { ComponentKind } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { newObject, type Value } from '../../vm/value.js'

const kind: ComponentKind<Record<string, never>> = {
  name: 'prometheus.exporter.self',
  stability: 'generally-available',
  args: {},
  exports: { targets: { type: 'array' } },
  build (globals) {
    const addr = globals.httpAddress()
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
