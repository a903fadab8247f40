// Top-level blocks that configure the process rather than a component: the runtime hands them
// over undecoded and the agent applies them to its logger and HTTP server. `logging` and `http`
// are honoured; the others Alloy accepts are reported as having no effect in shoal.
import type { Diagnostic } from './syntax/diag.js'
import type { Format, Level } from './logging/logger.js'
import { decodeBody } from './vm/decode.js'
import type { Scope } from './vm/evaluate.js'
import { attr, t } from './vm/schema.js'
import type { ConfigBlock } from './runtime/graph.js'
import { httpBlockSchema, validateHttpBlock, type HttpBlock } from './http/security.js'

export interface ProcessConfig {
  logging: { level: Level, format: Format }
  http: HttpBlock
}

const loggingSchema = {
  level: attr(t.enum('debug', 'info', 'warn', 'error'), { default: 'info' }),
  format: attr(t.enum('logfmt', 'json'), { default: 'logfmt' }),
  write_to: attr(t.array(t.any), { default: [] }),
}

export function decodeConfigBlocks (blocks: ConfigBlock[], scope: Scope): { config: ProcessConfig, diagnostics: Diagnostic[] } {
  const config: ProcessConfig = { logging: { level: 'info', format: 'logfmt' }, http: {} }
  const diagnostics: Diagnostic[] = []
  for (const b of blocks) {
    if (b.name === 'logging') {
      const { value, diagnostics: d } = decodeBody(b.block.body, loggingSchema, scope, b.file, b.block.nameSpan)
      diagnostics.push(...d)
      config.logging = { level: value.level as Level, format: value.format as Format }
    } else if (b.name === 'http') {
      const { value, diagnostics: d } = decodeBody(b.block.body, httpBlockSchema, scope, b.file, b.block.nameSpan)
      diagnostics.push(...d)
      if (d.length === 0) {
        config.http = value
        for (const message of validateHttpBlock(config.http)) diagnostics.push({ severity: 'error', file: b.file, span: b.block.nameSpan, message })
      }
    } else {
      diagnostics.push({ severity: 'warning', file: b.file, span: b.block.nameSpan, message: `"${b.name}" block is accepted but has no effect in shoal` })
    }
  }
  return { config, diagnostics }
}
