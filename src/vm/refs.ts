// Finds every identifier access chain in a body's attribute values, so the runtime can
// link a component to the components whose exports it reads (a.b.c.d → ['a','b','c','d']).
import type { Expr, Span, Stmt } from '../syntax/ast.js'

export interface Reference {
  /** e.g. ['prometheus', 'remote_write', 'x', 'receiver'] */
  path: string[]
  /** Span of the whole chain. */
  span: Span
}

/** Every maximal Identifier(.name)* chain in attribute values, recursing into nested blocks. */
export function references (stmts: Stmt[]): Reference[] {
  const out: Reference[] = []
  const visitStmts = (body: Stmt[]): void => {
    for (const s of body) {
      if (s.kind === 'Attribute') visitExpr(s.value, out)
      else visitStmts(s.body)
    }
  }
  visitStmts(stmts)
  return out
}

/** The identifiers of `e` when it is a pure chain `a.b.c`, else undefined. */
function chain (e: Expr): string[] | undefined {
  if (e.kind === 'Identifier') return [e.name]
  if (e.kind === 'Access') {
    const base = chain(e.value)
    return base === undefined ? undefined : [...base, e.name.name]
  }
  return undefined
}

function visitExpr (e: Expr, out: Reference[]): void {
  const c = chain(e)
  if (c !== undefined) {
    out.push({ path: c, span: e.span })
    return
  }
  switch (e.kind) {
    case 'Literal': case 'Identifier': return
    case 'Access': visitExpr(e.value, out); return
    case 'Index': visitExpr(e.value, out); visitExpr(e.index, out); return
    case 'Call': visitExpr(e.callee, out); e.args.forEach(a => visitExpr(a, out)); return
    case 'Paren': visitExpr(e.inner, out); return
    case 'Unary': visitExpr(e.value, out); return
    case 'Binary': visitExpr(e.left, out); visitExpr(e.right, out); return
    case 'Array': e.elements.forEach(x => visitExpr(x, out)); return
    case 'Object': e.fields.forEach(f => visitExpr(f.value, out))
  }
}
