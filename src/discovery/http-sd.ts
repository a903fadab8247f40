// Prometheus HTTP SD: the response contract (JSON content type, a list of target groups) and
// the targets it yields. Errors use Prometheus's wording where it has one.
import { STATUS_CODES } from 'node:http'
import { newObject } from '../vm/value.js'

export type Target = Record<string, string>

// application/json, optionally with charset utf-8 (quoted or not), case-insensitive.
const JSON_CONTENT_TYPE = /^application\/json(;\s*charset=("utf-8"|utf-8))?$/i

export function checkStatus (status: number): void {
  if (status !== 200) throw new Error(`server returned HTTP status ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd())
}

export function checkContentType (contentType: string): void {
  if (!JSON_CONTENT_TYPE.test(contentType.trim())) throw new Error(`unsupported content type ${JSON.stringify(contentType)}`)
}

/**
 * Parses an HTTP SD body into targets: each gets `__address__`, its group's labels and
 * `__meta_url` (which overrides a group label of that name, as in Prometheus).
 */
export function parseTargetGroups (url: string, body: string): Target[] {
  let data: unknown
  try {
    data = JSON.parse(body)
  } catch (err) {
    throw new Error(`invalid JSON: ${(err as Error).message}`)
  }
  if (!Array.isArray(data)) throw new Error('invalid JSON: expected a list of target groups')
  const out: Target[] = []
  data.forEach((group: unknown, i) => {
    if (group === null) throw new Error('nil target group item found')
    if (typeof group !== 'object' || Array.isArray(group)) throw new Error(`target group ${i}: expected an object`)
    for (const key of Object.keys(group)) {
      if (key !== 'targets' && key !== 'labels') throw new Error(`target group ${i}: unknown field ${JSON.stringify(key)}`)
    }
    const g = group as { targets?: unknown, labels?: unknown }
    const targets = g.targets ?? []
    const labels = g.labels ?? {}
    if (!Array.isArray(targets)) throw new Error(`target group ${i}: targets must be a list of strings`)
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw new Error(`target group ${i}: labels must be an object`)
    for (const [k, v] of Object.entries(labels)) {
      if (k === '') throw new Error(`target group ${i}: "" is not a valid label name`)
      if (typeof v !== 'string') throw new Error(`target group ${i}: label ${JSON.stringify(k)} must be a string`)
    }
    for (const addr of targets) {
      if (typeof addr !== 'string') throw new Error(`target group ${i}: target ${JSON.stringify(addr)} is not a string`)
      const tg = newObject() as Target
      tg.__address__ = addr
      for (const [k, v] of Object.entries(labels as Record<string, string>)) if (k !== '__address__') tg[k] = v
      tg.__meta_url = url
      out.push(tg)
    }
  })
  return out
}
