// The JSONPath subset behind Alloy's json_path(): `$.a.b`, `.a` (root implied), `$[0]`,
// `$[-1]`, `$.a[*]`, `$.*`, `$..x`, `['k']`, unions `[0,2]`, slices `[1:3]` and filters
// `[?(@.k == 'v')]` with comparisons joined by && and ||.

type J = unknown
type Step = (nodes: J[]) => J[]

const isObj = (v: J): v is Record<string, J> => typeof v === 'object' && v !== null && !Array.isArray(v)

function children (v: J): J[] {
  if (Array.isArray(v)) return v
  if (isObj(v)) return Object.values(v)
  return []
}

function child (name: string): Step {
  return nodes => nodes.flatMap((n): J[] => isObj(n) && Object.hasOwn(n, name) ? [n[name]] : [])
}

function index (i: number): Step {
  return nodes => nodes.flatMap((n): J[] => {
    if (!Array.isArray(n)) return []
    const k = i < 0 ? n.length + i : i
    return k >= 0 && k < n.length ? [n[k]] : []
  })
}

const wildcard: Step = nodes => nodes.flatMap(children)

/** The node and all its descendants, parents before children. */
function descend (nodes: J[]): J[] {
  const out: J[] = []
  const walk = (v: J): void => {
    out.push(v)
    for (const c of children(v)) walk(c)
  }
  nodes.forEach(walk)
  return out
}

class Parser {
  i = 0
  constructor (readonly src: string) {}

  err (msg: string): never {
    throw new Error(`${msg} at ${this.i + 1} in ${this.src}`)
  }

  peek (s: string): boolean { return this.src.startsWith(s, this.i) }
  ws (): void { while (this.src[this.i] === ' ') this.i++ }

  name (): string {
    const m = /^[^.[\]()\s=!<>&|,]+/.exec(this.src.slice(this.i))
    if (m === null) this.err('expected a name')
    this.i += m[0].length
    return m[0]
  }

  quoted (): string {
    const q = this.src[this.i]
    let j = this.i + 1
    let s = ''
    while (j < this.src.length && this.src[j] !== q) {
      if (this.src[j] === '\\' && j + 1 < this.src.length) j++
      s += this.src[j++]
    }
    if (j >= this.src.length) this.err('unterminated string')
    this.i = j + 1
    return s
  }

  /** Steps until the end of input, or until `stop` (inside filters). */
  steps (stop?: (p: Parser) => boolean): Step[] {
    const out: Step[] = []
    while (this.i < this.src.length && !(stop?.(this) ?? false)) {
      if (this.peek('..')) {
        this.i += 2
        const next = this.src[this.i] === '[' ? this.bracket() : this.src[this.i] === '*' ? (this.i++, wildcard) : child(this.name())
        out.push(nodes => next(descend(nodes)))
      } else if (this.peek('.')) {
        this.i++
        if (this.src[this.i] === '*') {
          this.i++
          out.push(wildcard)
        } else if (this.src[this.i] === '[') {
          out.push(this.bracket())
        } else {
          out.push(child(this.name()))
        }
      } else if (this.peek('[')) {
        out.push(this.bracket())
      } else if (out.length === 0 && /^[A-Za-z_]/.test(this.src.slice(this.i))) {
        out.push(child(this.name()))
      } else {
        this.err('unexpected character')
      }
    }
    return out
  }

  bracket (): Step {
    this.i++ // [
    this.ws()
    let step: Step
    if (this.peek('?')) {
      this.i++
      this.ws()
      const paren = this.peek('(')
      if (paren) this.i++
      const pred = this.orExpr()
      this.ws()
      if (paren) {
        if (!this.peek(')')) this.err('expected )')
        this.i++
      }
      step = nodes => nodes.flatMap(n => children(n).filter(pred))
    } else if (this.peek('*')) {
      this.i++
      step = wildcard
    } else {
      const parts: Step[] = []
      for (;;) {
        this.ws()
        const c = this.src[this.i]
        if (c === '\'' || c === '"') {
          parts.push(child(this.quoted()))
        } else {
          const m = /^(-?\d*)(?::(-?\d*))?(?::(-?\d*))?/.exec(this.src.slice(this.i))
          if (m === null || m[0] === '') this.err('expected an index')
          this.i += m[0].length
          if (m[2] === undefined) parts.push(index(Number(m[1])))
          else parts.push(slice(m[1], m[2], m[3]))
        }
        this.ws()
        if (!this.peek(',')) break
        this.i++
      }
      step = parts.length === 1 ? parts[0] : nodes => nodes.flatMap(n => parts.flatMap(p => p([n])))
    }
    this.ws()
    if (!this.peek(']')) this.err('expected ]')
    this.i++
    return step
  }

  orExpr (): (v: J) => boolean {
    let left = this.andExpr()
    for (this.ws(); this.peek('||'); this.ws()) {
      this.i += 2
      const l = left
      const r = this.andExpr()
      left = v => l(v) || r(v)
    }
    return left
  }

  andExpr (): (v: J) => boolean {
    let left = this.comparison()
    for (this.ws(); this.peek('&&'); this.ws()) {
      this.i += 2
      const l = left
      const r = this.comparison()
      left = v => l(v) && r(v)
    }
    return left
  }

  operand (): (v: J) => J[] {
    this.ws()
    const c = this.src[this.i]
    if (c === '@' || c === '$') {
      this.i++
      const steps = this.steps(p => /^[\s)=!<>&|\]]/.test(p.src.slice(p.i)))
      return v => steps.reduce<J[]>((ns, s) => s(ns), [v])
    }
    if (c === '\'' || c === '"') {
      const s = this.quoted()
      return () => [s]
    }
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(this.src.slice(this.i))
    if (m === null) this.err('expected a filter operand')
    this.i += m[0].length
    const lit: J = JSON.parse(m[0])
    return () => [lit]
  }

  comparison (): (v: J) => boolean {
    this.ws()
    if (this.peek('(')) {
      this.i++
      const inner = this.orExpr()
      this.ws()
      if (!this.peek(')')) this.err('expected )')
      this.i++
      return inner
    }
    const left = this.operand()
    this.ws()
    const m = /^(==|!=|<=|>=|<|>)/.exec(this.src.slice(this.i))
    if (m === null) return v => left(v).length > 0
    this.i += m[0].length
    const right = this.operand()
    const op = m[0]
    return v => {
      const a = left(v)
      const b = right(v)
      if (a.length === 0 || b.length === 0) return op === '!=' && a.length !== b.length
      return compare(a[0], op, b[0])
    }
  }
}

function compare (a: J, op: string, b: J): boolean {
  const eq = JSON.stringify(a) === JSON.stringify(b)
  switch (op) {
    case '==': return eq
    case '!=': return !eq
  }
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false
  const x = a
  const y = b as number | string
  switch (op) {
    case '<': return x < y
    case '<=': return x <= y
    case '>': return x > y
    default: return x >= y
  }
}

function slice (startS: string, endS: string, stepS: string | undefined): Step {
  return nodes => nodes.flatMap(n => {
    if (!Array.isArray(n)) return []
    const len = n.length
    const norm = (s: string, d: number): number => {
      if (s === '') return d
      const k = Number(s)
      return k < 0 ? Math.max(0, len + k) : Math.min(k, len)
    }
    const step = stepS === undefined || stepS === '' ? 1 : Number(stepS)
    if (step <= 0) return []
    const out: J[] = []
    for (let k = norm(startS, 0); k < norm(endS, len); k += step) out.push(n[k])
    return out
  })
}

/** Applies `path` to the parsed JSON document `doc`; returns every match (possibly none). */
export function jsonPath (doc: J, path: string): J[] {
  const p = new Parser(path.trim())
  if (p.peek('$')) p.i++
  const steps = p.steps()
  return steps.reduce<J[]>((nodes, s) => s(nodes), [doc])
}
