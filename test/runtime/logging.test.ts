// The top-level logging block: level and format apply to the agent's own log lines, and a
// reload changes them; secrets never reach the log.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent } from '../../src/agent.js'
import { createSink } from '../../src/logging/logger.js'
import { tempDir } from '../helpers/proc.js'

test('logging { level, format } is honoured and follows reloads', async () => {
  const dir = tempDir('logging')
  const cfg = join(dir, 'c.alloy')
  writeFileSync(cfg, 'logging {\n  level  = "debug"\n  format = "json"\n}\nprometheus.exporter.self "me" {}\n')
  const lines: string[] = []
  const sink = createSink('info', 'logfmt', l => { lines.push(l) })
  const agent = new Agent({ configPath: cfg, listenHost: '127.0.0.1', listenPort: 0, storagePath: join(dir, 'd'), stabilityLevel: 'generally-available', uiPathPrefix: '/', sink })
  await agent.start()
  try {
    assert.equal(sink.level, 'debug')
    assert.equal(sink.format, 'json')
    lines.length = 0
    agent.log.debug('probe', { secret: 'x' })
    assert.equal(lines.length, 1)
    const rec = JSON.parse(lines[0]) as Record<string, unknown>
    assert.equal(rec.level, 'debug')
    assert.equal(rec.msg, 'probe')

    writeFileSync(cfg, 'logging {\n  level  = "warn"\n  format = "logfmt"\n}\nprometheus.exporter.self "me" {}\n')
    assert.equal((await agent.reload()).ok, true)
    lines.length = 0
    agent.log.info('hidden')
    agent.log.warn('shown', { k: 'a b' })
    assert.equal(lines.length, 1)
    assert.match(lines[0], /^ts=\S+ level=warn msg=shown k="a b"\n$/)

    // A bad level is a positioned error and changes nothing.
    writeFileSync(cfg, 'logging {\n  level = "loud"\n}\n')
    const res = await agent.reload()
    assert.equal(res.ok, false)
    assert.ok(res.diagnostics.some(d => d.span.start.line === 2 && /loud/.test(d.message)), JSON.stringify(res.diagnostics))
    assert.equal(sink.level, 'warn')
  } finally {
    await agent.stop()
  }
})
