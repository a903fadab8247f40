// `$1`, `${1}`, `$name`, `${name}` expansion with the rules of Go's Regexp.Expand, pre-parsed
// once per rule against that rule's regex:
// - `$name` takes the longest run of letters, digits and '_': `$1x` means group "1x" (empty);
// - `$$` is a literal `$`; a malformed reference (`$`, `${`, `${}`, `${x`) keeps the `$` as text;
// - a number with a leading zero (`$01`) is a name, not a number;
// - an unknown or non-participating group expands to "".

/** A literal, or the candidate group indexes of one reference (first participating wins). */
type Part = string | readonly number[]

export interface Template {
  readonly parts: readonly Part[]
  /** True when no part refers to a group: expansion is always `text`. */
  readonly constant: boolean
  readonly text: string
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u

export function parseTemplate (tpl: string, names: readonly string[]): Template {
  const parts: Part[] = []
  let lit = ''
  const cs = [...tpl]
  let i = 0
  while (i < cs.length) {
    const c = cs[i]
    if (c !== '$') {
      lit += c
      i++
      continue
    }
    i++
    if (cs[i] === '$') {
      lit += '$'
      i++
      continue
    }
    const ref = extract(cs, i)
    if (ref === undefined) {
      lit += '$'
      continue
    }
    i = ref.end
    if (lit !== '') parts.push(lit)
    lit = ''
    parts.push(resolve(ref.name, names))
  }
  if (lit !== '') parts.push(lit)
  const constant = parts.every(p => typeof p === 'string')
  return { parts, constant, text: constant ? parts.join('') : '' }
}

function extract (cs: string[], at: number): { name: string, end: number } | undefined {
  let i = at
  const brace = cs[i] === '{'
  if (brace) i++
  const from = i
  while (i < cs.length && NAME_CHAR.test(cs[i])) i++
  if (i === from) return undefined
  const name = cs.slice(from, i).join('')
  if (brace) {
    if (cs[i] !== '}') return undefined
    i++
  }
  return { name, end: i }
}

function resolve (name: string, names: readonly string[]): readonly number[] {
  if (/^[0-9]+$/.test(name) && (name.length === 1 || name[0] !== '0') && name.length <= 8) {
    const n = Number(name)
    return n < names.length ? [n] : []
  }
  const idx: number[] = []
  for (let g = 1; g < names.length; g++) if (names[g] === name) idx.push(g)
  return idx
}

/** Expands the template against an exec() result of the same regex. */
export function expand (t: Template, m: RegExpExecArray): string {
  if (t.constant) return t.text
  let out = ''
  for (const p of t.parts) {
    if (typeof p === 'string') {
      out += p
      continue
    }
    for (const g of p) {
      const v = m[g]
      if (v !== undefined) {
        out += v
        break
      }
    }
  }
  return out
}
