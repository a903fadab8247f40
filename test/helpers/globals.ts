// ComponentGlobals for building one component in a test, without a controller: a single-node
// cluster, no HTTP server, and every export recorded.
import { Registry } from 'prom-client'
import { singleNodeCluster } from '../../src/cluster/single.js'
import { nopLogger } from '../../src/logging/logger.js'
import type { ComponentGlobals, Exports } from '../../src/runtime/component.js'

export function fakeGlobals (id: string, registry = new Registry()): ComponentGlobals & { exports: Exports[] } {
  const exports: Exports[] = []
  return {
    id,
    dataPath: `/tmp/shoal-test-${id.replace(/\W+/g, '-')}`,
    logger: nopLogger,
    registry,
    exports,
    onStateChange (e) { exports.push(e) },
    cluster: singleNodeCluster('test'),
    httpAddress: () => '127.0.0.1:12345',
    walMaxBytes: undefined,
  }
}
