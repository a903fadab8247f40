// A small flag parser with Go/pflag conventions, so Alloy users' command lines work as they are:
// `--name=value`, `--name value`, boolean `--name` / `--name=false`, and `--` ending flags.

export interface FlagSpec {
  readonly type: 'string' | 'bool'
  readonly default?: string | boolean
  readonly help: string
  /** Shown in help as the value's name, e.g. ADDR. */
  readonly value?: string
  /** Short alias, e.g. 'w'. */
  readonly short?: string
}

export type FlagSpecs = Record<string, FlagSpec>

export class FlagError extends Error {
  override readonly name = 'FlagError'
}

export interface Parsed {
  flags: Record<string, string | boolean>
  positionals: string[]
}

export function parseFlags (argv: readonly string[], specs: FlagSpecs): Parsed {
  const flags: Record<string, string | boolean> = {}
  for (const [name, s] of Object.entries(specs)) if (s.default !== undefined) flags[name] = s.default
  const positionals: string[] = []
  const byShort = new Map(Object.entries(specs).filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]))
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break }
    if (!arg.startsWith('-') || arg === '-') { positionals.push(arg); continue }
    const body = arg.replace(/^--?/, '')
    const eq = body.indexOf('=')
    let name = eq >= 0 ? body.slice(0, eq) : body
    if (!arg.startsWith('--') && byShort.has(name)) name = byShort.get(name)!
    const spec = specs[name]
    if (!spec) throw new FlagError(`unknown flag: ${arg.startsWith('--') ? '--' : '-'}${name}`)
    if (spec.type === 'bool') {
      if (eq < 0) { flags[name] = true; continue }
      const v = body.slice(eq + 1).toLowerCase()
      if (['true', '1', 't'].includes(v)) flags[name] = true
      else if (['false', '0', 'f'].includes(v)) flags[name] = false
      else throw new FlagError(`invalid boolean value "${body.slice(eq + 1)}" for flag --${name}`)
      continue
    }
    if (eq >= 0) { flags[name] = body.slice(eq + 1); continue }
    if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: --${name}`)
    flags[name] = argv[++i]
  }
  return { flags, positionals }
}

export function flagsHelp (specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `  ${s.short ? `-${s.short}, ` : ''}--${name}${s.type === 'string' ? ` ${s.value ?? 'string'}` : ''}`
    const def = s.default !== undefined && s.default !== '' && s.default !== false ? ` (default ${JSON.stringify(s.default)})` : ''
    return [left, s.help + def]
  })
  const width = Math.max(...rows.map(r => r[0].length)) + 3
  return rows.map(([l, r]) => l.padEnd(width) + r).join('\n')
}
