// Leveled structured logger writing logfmt or JSON lines to stderr, as Alloy's `logging` block
// configures. Fields are key/value pairs; Secrets print as "(secret)" because their toString does.

export type Level = 'debug' | 'info' | 'warn' | 'error'
export type Format = 'logfmt' | 'json'
export type Fields = Record<string, unknown>

const LEVELS: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 }

export interface Logger {
  debug (msg: string, fields?: Fields): void
  info (msg: string, fields?: Fields): void
  warn (msg: string, fields?: Fields): void
  error (msg: string, fields?: Fields): void
  /** A logger that adds the given fields to every line (e.g. component=prometheus.scrape.x). */
  with (fields: Fields): Logger
}

export interface Sink {
  level: Level
  format: Format
  write (line: string): void
}

export function createSink (level: Level = 'info', format: Format = 'logfmt', write: (line: string) => void = l => process.stderr.write(l)): Sink {
  return { level, format, write }
}

export function createLogger (sink: Sink, base: Fields = {}): Logger {
  const log = (level: Level, msg: string, fields?: Fields): void => {
    if (LEVELS[level] < LEVELS[sink.level]) return
    const all: Fields = { ts: new Date().toISOString(), level, msg, ...base, ...fields }
    sink.write(sink.format === 'json' ? jsonLine(all) : logfmtLine(all))
  }
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    with: (fields) => createLogger(sink, { ...base, ...fields }),
  }
}

function fieldString (v: unknown): string {
  if (v instanceof Error) return v.message
  if (typeof v === 'string') return v
  if (v === undefined) return ''
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON !== 'function' && !(v instanceof Date)) {
    try { return JSON.stringify(v) } catch { return `[unprintable ${v.constructor?.name ?? 'object'}]` }
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- what is left (numbers, Dates, multiaddrs and peer ids with toJSON) prints by its own toString
  return String(v)
}

export function logfmtLine (fields: Fields): string {
  let out = ''
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue
    const s = fieldString(v)
    const needsQuote = s === '' || /[\s"=\\]/.test(s) || /[^\x20-\x7e]/.test(s)
    out += (out === '' ? '' : ' ') + k + '=' + (needsQuote ? JSON.stringify(s) : s)
  }
  return out + '\n'
}

function jsonLine (fields: Fields): string {
  const o: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue
    o[k] = v instanceof Error ? v.message : v
  }
  return JSON.stringify(o) + '\n'
}

/** A logger that discards everything (tests, library use). */
/**
 * A logger that hands each line to `write`, with the fields of `with` merged in: for tests,
 * benchmarks and in-memory rings that need the one Logger shape without a sink.
 */
export function callbackLogger (write: (level: Level, msg: string, fields: Fields) => void, base: Fields = {}): Logger {
  return {
    debug: (m, f) => write('debug', m, { ...base, ...f }),
    info: (m, f) => write('info', m, { ...base, ...f }),
    warn: (m, f) => write('warn', m, { ...base, ...f }),
    error: (m, f) => write('error', m, { ...base, ...f }),
    with: (fields) => callbackLogger(write, { ...base, ...fields }),
  }
}

export const nopLogger: Logger = {
  debug () {}, info () {}, warn () {}, error () {}, with () { return nopLogger },
}
