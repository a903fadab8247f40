// import.string: a module from a string (usually another component's export, such as
// local.file's content); new content reloads what uses it.
import { attr, t, type Decoded } from '../../vm/schema.js'
import { sameSource, type ImportKind, type ModuleSource } from './source.js'

const argsSchema = { content: attr(t.secret, { required: true }) }

export type Args = Decoded<typeof argsSchema>

const source = (id: string, a: Args): ModuleSource => ({ files: [{ name: id, source: a.content.reveal() }] })

export const importString: ImportKind<Args> = {
  name: 'import.string',
  args: argsSchema,
  readNow: a => source('import.string', a),
  async start (g, initial) {
    let last = source(g.id, initial)
    g.onContent(last)
    return {
      async run (signal) { await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true })) },
      async update (a) {
        const next = source(g.id, a)
        if (sameSource(last, next)) return
        last = next
        g.onContent(next)
      },
    }
  },
}
