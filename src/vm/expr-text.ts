// One-line source text of an expression, for error messages ("foo.bar should be string,
// got number"). Literals keep their raw text, so escapes print as the user wrote them.
import type { Expr } from '../syntax/ast.js'

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

export function exprText (e: Expr): string {
  switch (e.kind) {
    case 'Literal': return e.raw
    case 'Identifier': return e.name
    case 'Access': return `${exprText(e.value)}.${e.name.name}`
    case 'Index': return `${exprText(e.value)}[${exprText(e.index)}]`
    case 'Call': return `${exprText(e.callee)}(${e.args.map(exprText).join(', ')})`
    case 'Paren': return `(${exprText(e.inner)})`
    case 'Unary': return `${e.op}${exprText(e.value)}`
    case 'Binary': return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`
    case 'Array': return `[${e.elements.map(exprText).join(', ')}]`
    case 'Object':
      if (e.fields.length === 0) return '{}'
      return `{ ${e.fields.map(f => `${f.quoted || !IDENT.test(f.name) ? JSON.stringify(f.name) : f.name} = ${exprText(f.value)}`).join(', ')} }`
  }
}
