// discovery.relabel: rewrites a target list with relabel rules (targets dropped by a rule vanish).
import type { ComponentKind } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { attr, block, t, type Decoded } from '../../vm/schema.js'
import { Capsule, newObject } from '../../vm/value.js'
import { ruleSchema, rulesFromDecoded } from '../../relabel/schema.js'
import { relabel } from '../../relabel/process.js'
import type { Label } from '../../storage/series.js'
import { sortLabels } from '../../storage/series.js'

export function relabelTargets (targets: Array<Record<string, string>>, rules: ReturnType<typeof rulesFromDecoded>): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = []
  for (const tg of targets) {
    const labels: Label[] = sortLabels(Object.entries(tg).map(([name, value]) => ({ name, value: String(value) })))
    const res = relabel(labels, rules)
    if (!res) continue
    const obj = newObject() as Record<string, string>
    for (const l of res) obj[l.name] = l.value
    out.push(obj)
  }
  return out
}

const argsSchema = {
  targets: attr(t.array(t.map(t.string)), { required: true }),
  rule: block(ruleSchema, { multiple: true }),
}

type Args = Decoded<typeof argsSchema>

const kind: ComponentKind<Args> = {
  name: 'discovery.relabel',
  stability: 'generally-available',
  args: argsSchema,
  exports: { output: { type: 'array' }, rules: { type: 'capsule', capsule: 'Rules' } },
  validate (args) {
    try { rulesFromDecoded(args.rule, { nameValidation: 'utf8' }); return [] } catch (err) { return [(err as Error).message] }
  },
  build (globals, args) {
    const publish = (a: Args): void => {
      const rules = rulesFromDecoded(a.rule, { nameValidation: 'utf8' })
      globals.onStateChange({ output: relabelTargets(a.targets, rules), rules: new Capsule('Rules', rules) })
    }
    publish(args)
    return {
      async run (signal) { await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true })) },
      update (a) { publish(a) },
    }
  },
}

register(kind)
