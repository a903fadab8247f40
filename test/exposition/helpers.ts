// Shared by the exposition tests: run a parser to the end and collect what it reports.

import type { Exemplar, Label } from '../../src/storage/series.js'
import { Entry } from '../../src/exposition/parser.js'
import type { ExpositionParser } from '../../src/exposition/parser.js'

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname

export interface Sample {
  series: string
  labels: Label[]
  value: number
  timestamp: number | undefined
  exemplar: Exemplar | undefined
  created: boolean
}

export interface Meta { kind: 'type' | 'help' | 'unit', family: string, text: string } // a MetricType when kind is 'type'

export function collect (p: ExpositionParser): { samples: Sample[], meta: Meta[], comments: number } {
  const samples: Sample[] = []
  const meta: Meta[] = []
  let comments = 0
  for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
    switch (k) {
      case Entry.Series: {
        const labels: Label[] = []
        p.labels(labels)
        samples.push({ series: p.series(), labels, value: p.value(), timestamp: p.timestamp(), exemplar: p.exemplar(), created: p.isCreated() })
        break
      }
      case Entry.Type: meta.push({ kind: 'type', family: p.metricFamily(), text: p.type() }); break
      case Entry.Help: meta.push({ kind: 'help', family: p.metricFamily(), text: p.help() }); break
      case Entry.Unit: meta.push({ kind: 'unit', family: p.metricFamily(), text: p.unit() }); break
      case Entry.Comment: comments++; break
    }
  }
  return { samples, meta, comments }
}

/** Labels as a plain object, for compact assertions. */
export function obj (labels: readonly Label[]): Record<string, string> {
  return Object.fromEntries(labels.map(l => [l.name, l.value]))
}
