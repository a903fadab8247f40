import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { body } from './helpers.js'
import { references } from '../../src/vm/refs.js'

const paths = (src: string): string[] => references(body(src)).map(r => r.path.join('.'))

describe('references', () => {
  it('returns each maximal identifier chain', () => {
    assert.deepEqual(paths('forward_to = [prometheus.remote_write.x.receiver]'), ['prometheus.remote_write.x.receiver'])
  })

  it('stops a chain at an index and visits the index expression', () => {
    assert.deepEqual(paths('t = discovery.relabel.y.output[0]'), ['discovery.relabel.y.output'])
    assert.deepEqual(paths('t = a.b[c.d].e'), ['a.b', 'c.d'])
  })

  it('visits calls, operators, arrays, objects and parens, including stdlib names', () => {
    assert.deepEqual(
      paths('t = array.concat(discovery.a.targets, [{x = local.file.f.content + "s"}], (b.c), !flag, -n.v)'),
      ['array.concat', 'discovery.a.targets', 'local.file.f.content', 'b.c', 'flag', 'n.v'],
    )
  })

  it('recurses into nested blocks and ignores literals', () => {
    assert.deepEqual(paths('a = 1\nrule {\n  source = x.y\n  inner { z = w }\n}\nb = "s"'), ['x.y', 'w'])
  })

  it('spans cover the whole chain', () => {
    const [r] = references(body('x = foo.bar.baz'))
    assert.deepEqual([r.span.start.line, r.span.start.column, r.span.end.column], [1, 5, 16])
  })
})
