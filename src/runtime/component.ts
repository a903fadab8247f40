// The contract between the runtime and a component kind (as Alloy's component.Registration):
// a kind declares its argument schema, what it exports, and builds instances that run until
// aborted and accept new arguments through update().
import type { Registry } from 'prom-client'
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

/** What the runtime hands each component instance. */
export interface ComponentGlobals {
  /** Full id, e.g. "prometheus.scrape.default". */
  readonly id: string
  /** A directory this component may use for its own state (created on demand by the component). */
  readonly dataPath: string
  readonly logger: Logger
  /** Registry for self-metrics served on /metrics. */
  readonly registry: Registry
  /** Publishes new exports; the runtime re-evaluates the components that reference them. */
  onStateChange (exports: Exports): void
  /** Services shared by the whole process (cluster, HTTP, ...), looked up by name. */
  service<T> (name: string): T | undefined
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
