// local.file: exports the content of a file (a string, or a secret with is_secret) and re-reads
// it when it changes, so a rotated password or token reaches its dependants. As in Alloy, the
// file must be readable when the component is built or updated (a missing secret fails the
// load); later read failures make it unhealthy and keep the last good content.
import { readFileSync, watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import { getSystemErrorMessage } from 'node:util'
import { Gauge, type Registry } from 'prom-client'
import { getOrCreate, perRegistry } from '../../metrics/registry.js'
import type { ComponentKind, Health } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { attr, t, type Decoded } from '../../vm/schema.js'
import { Secret } from '../../vm/value.js'

/** Delay between a change event and the read, so a write in progress is not exported half done. */
const SETTLE_MS = 30

const lastAccessed = perRegistry((registry: Registry) => getOrCreate(registry, Gauge<'component_id'>, {
  name: 'agent_local_file_timestamp_last_accessed_unix_seconds', help: 'The last successful access in unix seconds', labelNames: ['component_id'],
}))

/** "failed to read file: open /etc/x: no such file or directory", naming the path and the OS error. */
export function readError (path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException
  let reason = e.message
  if (typeof e.errno === 'number') {
    try { reason = getSystemErrorMessage(e.errno) } catch { /* unknown errno: keep Node's message */ }
  }
  return `failed to read file: ${e.syscall ?? 'open'} ${path}: ${reason}`
}

const argsSchema = {
  filename: attr(t.string, { required: true }),
  detector: attr(t.enum('fsnotify', 'poll'), { default: 'fsnotify' }),
  poll_frequency: attr(t.duration, { default: 60_000 }),
  is_secret: attr(t.bool, { default: false }),
}

export type Args = Decoded<typeof argsSchema>

export const kind: ComponentKind<Args> = {
  name: 'local.file',
  stability: 'generally-available',
  args: argsSchema,
  // A Secret when is_secret is set; declared as a string so placeholders type-check both ways.
  exports: { content: { type: 'string' } },
  validate (args) {
    return args.poll_frequency > 0 ? [] : ['poll_frequency must be greater than 0']
  },
  build (globals, initial) {
    const gauge = lastAccessed(globals.registry)
    let args = initial
    let health: Health = { state: 'unknown', message: 'not read yet', updatedTime: new Date() }
    let published: { content: string, secret: boolean } | undefined
    let lastRead: Date | undefined
    let stopped = false
    let fileWatcher: FSWatcher | undefined
    let dirWatcher: FSWatcher | undefined
    let timer: NodeJS.Timeout | undefined
    let settle: NodeJS.Timeout | undefined

    /** Reads the file and publishes its content when it (or is_secret) changed; returns the error message, if any. */
    const read = (): string | undefined => {
      let content: string
      try {
        content = readFileSync(args.filename, 'utf8')
      } catch (err) {
        const message = readError(args.filename, err)
        if (health.message !== message) globals.logger.error('failed to read file', { path: args.filename, err: message })
        health = { state: 'unhealthy', message, updatedTime: new Date() }
        return message
      }
      lastRead = new Date()
      gauge.set({ component_id: globals.id }, lastRead.getTime() / 1000)
      health = { state: 'healthy', message: 'read file', updatedTime: lastRead }
      if (published?.content !== content || published.secret !== args.is_secret) {
        published = { content, secret: args.is_secret }
        globals.onStateChange({ content: args.is_secret ? new Secret(content) : content })
      }
      return undefined
    }

    const scheduleRead = (): void => {
      if (stopped) return
      clearTimeout(settle)
      settle = setTimeout(() => { if (!stopped) read() }, SETTLE_MS)
    }

    // A watch on the file sees writes in place (through a symlink too); a watch on its directory
    // sees it created, replaced by rename (editors, Kubernetes' ..data swap) or deleted.
    const watchFile = (): void => {
      fileWatcher?.close()
      fileWatcher = undefined
      try {
        const w = watch(args.filename, { persistent: false }, (event) => {
          // After a rename the watch follows the old inode: re-attach to whatever the path is now.
          if (event === 'rename') watchFile()
          scheduleRead()
        })
        w.on('error', () => { w.close(); if (fileWatcher === w) fileWatcher = undefined; scheduleRead() })
        fileWatcher = w
      } catch { /* missing file: the directory watch or the poll notices it coming back */ }
    }

    const stopDetectors = (): void => {
      clearInterval(timer); timer = undefined
      clearTimeout(settle)
      fileWatcher?.close(); fileWatcher = undefined
      dirWatcher?.close(); dirWatcher = undefined
    }

    const startDetectors = (): void => {
      stopDetectors()
      if (args.detector === 'fsnotify') {
        watchFile()
        const name = basename(args.filename)
        try {
          const w = watch(dirname(args.filename), { persistent: false }, (_event, changed) => {
            if (changed !== null && changed !== name && !changed.startsWith('..')) return
            if (fileWatcher === undefined) watchFile()
            scheduleRead()
          })
          w.on('error', () => { w.close(); if (dirWatcher === w) dirWatcher = undefined })
          dirWatcher = w
        } catch { /* directory missing: the poll below still runs */ }
      }
      // The poll detector's only trigger, and fsnotify's fallback (for filesystems without events).
      timer = setInterval(() => {
        if (args.detector === 'fsnotify' && fileWatcher === undefined) watchFile()
        read()
      }, args.poll_frequency)
    }

    // Watch first, so that after a failed update the file is picked up when it appears.
    const apply = (building: boolean): void => {
      startDetectors()
      const err = read()
      if (err !== undefined) {
        if (building) stopDetectors() // the build fails: no run() will stop them
        throw new Error(err)
      }
    }

    apply(true)

    return {
      async run (signal) {
        await new Promise<void>(resolve => {
          if (signal.aborted) resolve()
          else signal.addEventListener('abort', () => resolve(), { once: true })
        })
        stopped = true
        stopDetectors()
        gauge.remove({ component_id: globals.id })
      },
      update (a) {
        args = a
        apply(false)
      },
      currentHealth: () => health,
      debugInfo: () => ({
        filename: args.filename,
        detector: args.detector,
        is_secret: args.is_secret,
        last_read: lastRead?.toISOString() ?? null,
      }),
    }
  },
}

register(kind)
