// Reads the config PATH the user gave: one file, or every *.alloy file of a directory
// (sorted, not recursive, as `alloy run` does).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface SourceFile {
  readonly name: string
  readonly source: string
}

export class SourceError extends Error {
  override readonly name = 'SourceError'
}

export function readSources (path: string): SourceFile[] {
  let st
  try {
    st = statSync(path)
  } catch (err) {
    throw new SourceError(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`)
  }
  if (!st.isDirectory()) return [{ name: path, source: readFileSync(path, 'utf8') }]
  const names = readdirSync(path).filter(n => n.endsWith('.alloy')).sort()
  if (names.length === 0) throw new SourceError(`no *.alloy files in directory ${path}`)
  return names.map(n => {
    const p = join(path, n)
    return { name: p, source: readFileSync(p, 'utf8') }
  })
}
