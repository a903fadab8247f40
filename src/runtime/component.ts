// The contract between the runtime and a component kind (as Alloy's component.Registration):
// a kind declares its argument schema, what it exports, and builds instances that run until
// aborted and accept new arguments through update().
import type { Registry } from 'prom-client'
import type { Cluster } from '../cluster/types.js'
import type { Logger } from '../logging/logger.js'
import type { Schema } from '../vm/schema.js'
import type { Value } from '../vm/value.js'

export type HealthState = 'healthy' | 'unhealthy' | 'unknown' | 'exited'

export interface Health {
  state: HealthState
  message: string
  updatedTime: Date
}

/** A health report as of now. */
export function healthNow (state: HealthState, message: string): Health {
  return { state, message, updatedTime: new Date() }
}

export type Stability = 'generally-available' | 'public-preview' | 'experimental'

export type Exports = Record<string, Value>

/**
 * What the process provides to components, typed (js-libp2p's *Components): the agent fills it,
 * the runtime passes it through, components read only the fields they need.
 */
export interface ComponentServices {
  /** The fleet; a single-node cluster (everything local) when clustering is off. */
  cluster: Cluster
  /** Where the agent's HTTP server listens ("host:port"), as prometheus.exporter.self exports it. */
  httpAddress (): string
  /** --storage.wal-max-size: the disk buffer bound per remote_write endpoint; undefined for the default. */
  walMaxBytes: number | undefined
}

/** What the runtime hands each component instance. */
export interface ComponentGlobals extends Readonly<ComponentServices> {
  /** Full id, e.g. "prometheus.scrape.default". */
  readonly id: string
  /** A directory this component may use for its own state (created on demand by the component). */
  readonly dataPath: string
  readonly logger: Logger
  /** Registry for self-metrics served on /metrics. */
  readonly registry: Registry
  /** Publishes new exports; the runtime re-evaluates the components that reference them. */
  onStateChange (exports: Exports): void
}

export interface Component<A = unknown> {
  /** Runs until the signal aborts. A rejection marks the component unhealthy. */
  run (signal: AbortSignal): Promise<void>
  /** New arguments after a reload or an upstream export change. */
  update (args: A): void | Promise<void>
  /** The component's own view of its health; the runtime combines it with evaluation errors. */
  currentHealth? (): Health
  /** Free-form JSON for the UI's Debug Info section. */
  debugInfo? (): unknown
  /** One target's detail (scrape components), by its hex key; undefined when there is no such target. */
  targetDetail? (key: string, part: 'ownership' | 'history'): unknown
}

/** Declared type of an export, so references can be checked and placeholders made before a component runs. */
export type ExportType = 'capsule' | 'array' | 'object' | 'string' | 'number' | 'bool' | 'any'

export interface ComponentKind<A = any> {
  /** Block name, e.g. "prometheus.scrape". */
  readonly name: string
  readonly stability: Stability
  readonly args: Schema
  /** Export names with their types (and capsule type name). */
  readonly exports: Record<string, { type: ExportType, capsule?: string }>
  /** Checks that involve several arguments; messages speak in the user's config keys. */
  validate? (args: A): string[]
  /**
   * Builds an instance. Must call globals.onStateChange with its initial exports before
   * returning, so that components referencing it can be evaluated.
   */
  build (globals: ComponentGlobals, args: A): Component<A>
}
