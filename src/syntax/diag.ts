// Positioned diagnostics. Every stage that reads user config reports problems as
// Diagnostics and carries on, so the user sees all of them at once.
import type { Span } from './ast.js'

export type Severity = 'error' | 'warning'

export interface Diagnostic {
  readonly severity: Severity
  /** File name as given by the user (path relative to cwd, or as passed on the command line). */
  readonly file: string
  readonly span: Span
  readonly message: string
  /**
   * Raised by a function call or an index on a value (not by the shape of the config): under
   * `shoal validate`, where component exports are placeholders, it says nothing about the file.
   */
  readonly fromData?: boolean
}

export class Diagnostics extends Array<Diagnostic> {
  hasErrors (): boolean {
    return this.some(d => d.severity === 'error')
  }
}
