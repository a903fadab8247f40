// import.file: a module from a file or a directory on disk, re-read when it changes
// (fs.watch for detector "fsnotify", plus a poll every poll_frequency either way).
import { watch, type FSWatcher } from 'node:fs'
import { attr, t, type Decoded } from '../../vm/schema.js'
import { readModulePath, sameSource, sleep, type ImportKind, type ModuleSource } from './source.js'

const argsSchema = {
  filename: attr(t.string, { required: true }),
  detector: attr(t.enum('fsnotify', 'poll'), { default: 'fsnotify' }),
  poll_frequency: attr(t.duration, { default: 60_000 }),
}

export type Args = Decoded<typeof argsSchema>

export const importFile: ImportKind<Args> = {
  name: 'import.file',
  args: argsSchema,
  validate: a => a.poll_frequency <= 0 ? ['poll_frequency must be greater than 0'] : [],
  readNow: a => readModulePath(a.filename),
  async start (g, initial) {
    let args = initial
    let last: ModuleSource | undefined
    let wake: (() => void) | undefined
    const read = (): void => {
      let src: ModuleSource
      try { src = readModulePath(args.filename) } catch (err) {
        if (last === undefined) throw err
        g.logger.error('failed to read module, keeping the last one', { err: (err as Error).message })
        return
      }
      if (sameSource(last, src)) return
      last = src
      g.onContent(src)
    }
    read()
    return {
      async run (signal) {
        let watcher: FSWatcher | undefined
        const rewatch = (): void => {
          watcher?.close()
          watcher = undefined
          if (args.detector !== 'fsnotify') return
          try { watcher = watch(args.filename, { persistent: false }, () => wake?.()) } catch { /* polled */ }
        }
        rewatch()
        let watched = args.filename + args.detector
        while (!signal.aborted) {
          await new Promise<void>(resolve => { wake = resolve; void sleep(args.poll_frequency, signal).then(resolve) })
          wake = undefined
          if (signal.aborted) break
          // Editors replace files: let a burst of events settle, then re-watch the new inode.
          await sleep(50, signal)
          if (watched !== args.filename + args.detector || args.detector === 'fsnotify') { rewatch(); watched = args.filename + args.detector }
          read()
        }
        watcher?.close()
      },
      async update (a) { args = a; read(); wake?.() },
      debugInfo: () => ({ filename: args.filename, files: last?.files.map(f => f.name) ?? [] }),
    }
  },
}
