// Errors about a value, before they are tied to a place in the source. The evaluator
// and the decoder turn them into positioned EvalErrors/Diagnostics by finding the
// expression that produced the value (Alloy prints `key_value.object.field1[2] should
// be number, got string`). Messages never contain the value itself, so secrets cannot leak.
import type { Value } from './value.js'
import { typeName } from './value.js'

/** A step into a value: an array index or an object key. */
export type PathStep = string | number

export class ValueError extends Error {
  override readonly name = 'ValueError'
  constructor (
    message: string,
    /** Where inside the value the problem is, outermost first. */
    readonly path: PathStep[] = [],
    /** Set by stdlib functions: the index of the offending argument. */
    readonly arg?: number
  ) {
    super(message)
  }

  /** The same error one level further out (the value was element/field `step` of its parent). */
  within (step: PathStep): ValueError {
    return new ValueError(this.message, [step, ...this.path], this.arg)
  }

  atArg (index: number): ValueError {
    return new ValueError(this.message, this.path, index)
  }
}

export function typeError (expected: string, got: Value | undefined): ValueError {
  return new ValueError(`should be ${expected}, got ${typeName(got)}`)
}

/** `.name` / `[0]` as Alloy prints a path into a value. */
export function pathText (path: readonly PathStep[]): string {
  return path.map(p => typeof p === 'number' ? `[${p}]` : `.${p}`).join('')
}
