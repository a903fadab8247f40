// discovery.file: file_sd. Reads target groups from JSON or YAML files (globs allowed), and
// re-reads them when they change and every refresh_interval.
import { globSync, readFileSync, watch, type FSWatcher } from 'node:fs'
import { dirname, extname } from 'node:path'
import { parse as parseYAML } from 'yaml'
import { counter, perRegistry } from '../../metrics/registry.js'
import type { ComponentKind, Health } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { attr, t, type Decoded } from '../../vm/schema.js'
import { newObject } from '../../vm/value.js'

type Target = Record<string, string>

/** Parses one file_sd file into targets (with __meta_filepath), or throws a message naming the problem. */
export function parseTargetFile (path: string, text: string): Target[] {
  const ext = extname(path).toLowerCase()
  let data: unknown
  try {
    data = ext === '.json' ? JSON.parse(text) : parseYAML(text)
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`)
  }
  if (data === null || data === undefined) return []
  if (!Array.isArray(data)) throw new Error(`${path}: expected a list of target groups`)
  const out: Target[] = []
  data.forEach((group, i) => {
    if (typeof group !== 'object' || group === null) throw new Error(`${path}: target group ${i} is not an object`)
    const g = group as { targets?: unknown, labels?: unknown }
    const labels = g.labels ?? {}
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw new Error(`${path}: target group ${i}: labels must be a map`)
    if (!Array.isArray(g.targets)) throw new Error(`${path}: target group ${i}: targets must be a list`)
    for (const addr of g.targets) {
      if (typeof addr !== 'string') throw new Error(`${path}: target group ${i}: target ${JSON.stringify(addr)} is not a string`)
      const tg = newObject() as Target
      for (const [k, v] of Object.entries(labels)) tg[k] = String(v)
      tg.__address__ = addr
      tg.__meta_filepath = path
      out.push(tg)
    }
  })
  return out
}

const fileMetrics = perRegistry(registry => counter(registry, 'prometheus_sd_file_read_errors_total', 'The number of File-SD read errors.'))

const argsSchema = {
  files: attr(t.array(t.string), { required: true }),
  refresh_interval: attr(t.duration, { default: 5 * 60_000 }),
}

type Args = Decoded<typeof argsSchema>

const kind: ComponentKind<Args> = {
  name: 'discovery.file',
  stability: 'generally-available',
  args: argsSchema,
  exports: { targets: { type: 'array' } },
  validate (args) {
    const problems: string[] = []
    args.files.forEach((f, i) => { if (f === '') problems.push(`files[${i}] is empty`) })
    if (args.refresh_interval <= 0) problems.push('refresh_interval must be greater than 0')
    return problems
  },
  build (globals, initial) {
    const readErrors = fileMetrics(globals.registry)
    let args = initial
    let health: Health = { state: 'healthy', message: 'started', updatedTime: new Date() }
    let watchers: FSWatcher[] = []
    let debounce: NodeJS.Timeout | undefined
    let last = ''

    const refresh = (): void => {
      const targets: Target[] = []
      const errors: string[] = []
      const dirs = new Set<string>()
      for (const pattern of args.files) {
        dirs.add(dirname(pattern))
        const paths = /[*?[]/.test(pattern) ? globSync(pattern).sort() : [pattern]
        for (const p of paths) {
          let text: string
          try { text = readFileSync(p, 'utf8') } catch (err) { errors.push(`${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`); continue }
          try {
            for (const tg of parseTargetFile(p, text)) targets.push(tg)
          } catch (err) { errors.push((err as Error).message) }
        }
      }
      if (errors.length > 0) {
        readErrors.inc(errors.length)
        globals.logger.warn('failed to read file_sd files', { err: errors.join('; ') })
        health = { state: 'unhealthy', message: errors.join('; '), updatedTime: new Date() }
      } else {
        health = { state: 'healthy', message: `${targets.length} targets`, updatedTime: new Date() }
      }
      const key = JSON.stringify(targets)
      if (key !== last) {
        last = key
        globals.onStateChange({ targets: targets })
      }
      rewatch(dirs)
    }
    let watched = ''
    const rewatch = (dirs: Set<string>): void => {
      const key = [...dirs].sort().join('\n')
      if (key === watched) return
      watched = key
      for (const w of watchers) w.close()
      watchers = []
      for (const d of dirs) {
        try {
          const w = watch(d, () => { clearTimeout(debounce); debounce = setTimeout(refresh, 100) })
          w.on('error', () => {})
          watchers.push(w)
        } catch { /* directory missing: the periodic refresh still runs */ }
      }
    }
    refresh()
    let timer: NodeJS.Timeout | undefined
    const schedule = (): void => { clearInterval(timer); timer = setInterval(refresh, args.refresh_interval) }
    schedule()
    return {
      async run (signal) {
        await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true }))
        clearInterval(timer); clearTimeout(debounce)
        for (const w of watchers) w.close()
      },
      update (a) { args = a; watched = ''; refresh(); schedule() },
      currentHealth: () => health,
      debugInfo: () => ({ files: args.files, targets: (JSON.parse(last || '[]') as unknown[]).length }),
    }
  },
}

register(kind)
