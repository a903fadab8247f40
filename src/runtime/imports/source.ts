// What an import block hands the runtime: the files of a module and its `module_path`, and
// the contract of the four import kinds (import.file, import.string, import.git, import.http).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Logger } from '../../logging/logger.js'
import type { Schema } from '../../vm/schema.js'
import type { SourceFile } from '../source.js'

export interface ModuleSource {
  readonly files: readonly SourceFile[]
  /** `module_path` inside the module; undefined: the importing module's. */
  readonly moduleDir?: string
}

export interface ImportGlobals {
  /** Full id, e.g. "import.git.math" or "outer.a/import.file.lib". */
  readonly id: string
  /** A directory for the import's own state (import.git's clone). */
  readonly dataPath: string
  readonly logger: Logger
  /** The importing module's `module_path`. */
  readonly moduleDir: string
  /** Hands over new content (a changed file, a new commit); the runtime reloads what uses it. */
  onContent (source: ModuleSource): void
}

export interface ImportInstance<A> {
  /** Polls or watches until the signal aborts. */
  run (signal: AbortSignal): Promise<void>
  /** New arguments: fetch again at once. */
  update (args: A): Promise<void>
  debugInfo? (): unknown
}

export interface ImportKind<A = any> {
  readonly name: string
  readonly args: Schema
  validate?: (args: A) => string[]
  /** Fetches the module once (its first content goes to onContent before this resolves). */
  start (globals: ImportGlobals, args: A): Promise<ImportInstance<A>>
  /** For `shoal validate`: the content when it can be had without a network (undefined: not checked). */
  readNow? (args: A, moduleDir: string): ModuleSource | undefined
}

/** A file, or every *.alloy file of a directory (sorted, not recursive), as one module. */
export function readModulePath (path: string): ModuleSource {
  let st
  try {
    st = statSync(path)
  } catch (err) {
    throw new Error(`failed to read module ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`)
  }
  if (!st.isDirectory()) return { files: [{ name: path, source: readFileSync(path, 'utf8') }], moduleDir: dirname(path) }
  const names = readdirSync(path).filter(n => n.endsWith('.alloy')).sort()
  return { files: names.map(n => ({ name: join(path, n), source: readFileSync(join(path, n), 'utf8') })), moduleDir: path }
}

/** Content identity, so an unchanged poll does not reload anything. */
export function sameSource (a: ModuleSource | undefined, b: ModuleSource): boolean {
  if (!a || a.files.length !== b.files.length || a.moduleDir !== b.moduleDir) return false
  return a.files.every((f, i) => f.name === b.files[i].name && f.source === b.files[i].source)
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve() }
    signal.addEventListener('abort', done)
  })
}
