// The schemas of a module's own blocks: `argument` and `export` (inside a declare) and the
// import blocks. They are nodes of the graph like components, but the runtime evaluates them
// itself: an argument's value comes from the instance, an export's goes to it.
import { attr, t, type Decoded } from '../vm/schema.js'
import type { ComponentKind } from './component.js'
import type { ImportKind } from './imports/source.js'
import { importFile } from './imports/file.js'
import { importGit } from './imports/git.js'
import { importHttp } from './imports/http.js'
import { importString } from './imports/string.js'

const notBuilt = (name: string) => (): never => { throw new Error(`${name} blocks are evaluated by the runtime`) }

const argumentSchema = {
  optional: attr(t.bool, { default: false }),
  default: attr(t.any),
  comment: attr(t.string, { default: '' }),
}
export type ArgumentArgs = Decoded<typeof argumentSchema>

const exportSchema = { value: attr(t.any, { required: true }) }

export const ARGUMENT_KIND: ComponentKind<ArgumentArgs> = {
  name: 'argument',
  stability: 'generally-available',
  args: argumentSchema,
  exports: { value: { type: 'any' } },
  build: notBuilt('argument'),
}

export const EXPORT_KIND: ComponentKind<Decoded<typeof exportSchema>> = {
  name: 'export',
  stability: 'generally-available',
  args: exportSchema,
  exports: {},
  build: notBuilt('export'),
}

/** Import kinds by block name. */
export const IMPORT_KINDS = new Map<string, ImportKind>([importFile, importString, importGit, importHttp].map(k => [k.name, k]))

/** An import kind seen as a ComponentKind (name and schema), for the graph and the API. */
export function importAsComponentKind (k: ImportKind): ComponentKind {
  return { name: k.name, stability: 'generally-available', args: k.args, exports: {}, validate: k.validate, build: notBuilt(k.name) }
}
