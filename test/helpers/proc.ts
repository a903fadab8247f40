// Starts processes for end-to-end tests and stops them by the PID we started.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Proc {
  child: ChildProcess
  output: () => string
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

const made: string[] = []
process.once('exit', () => {
  if (process.env.SHOAL_KEEP_TEST_DIRS) return
  for (const d of made) { try { rmSync(d, { recursive: true, force: true }) } catch {} }
})

/** A fresh directory under the system temp dir, removed when the test process exits. */
export function tempDir (prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `shoal-${prefix}-`))
  made.push(d)
  return d
}

export function start (cmd: string, args: string[], opts: { cwd?: string, env?: NodeJS.ProcessEnv } = {}): Proc {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const add = (b: Buffer) => { out += b.toString(); if (out.length > 2_000_000) out = out.slice(-1_000_000) }
  child.stdout.on('data', add)
  child.stderr.on('data', add)
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  return {
    child,
    output: () => out,
    async stop (signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill(signal)
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const code = await exited
      clearTimeout(t)
      return code
    },
  }
}

/** `node dist/cli.js ...` with the project's Node 22. */
export function startShoal (args: string[], opts: { cwd?: string, env?: NodeJS.ProcessEnv } = {}): Proc {
  return start(process.execPath, [join(import.meta.dirname, '../../dist/cli.js'), ...args], opts)
}
