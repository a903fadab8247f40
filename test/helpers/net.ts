// Free loopback ports and polling helpers for tests that start real processes.
import { createServer } from 'node:net'

/** Ports this process has handed out: the OS may offer a just-released port again. */
const handedOut = new Set<number>()

function pickPort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/**
 * A port free on 127.0.0.1 now and not handed out before by this process (two ports picked in
 * a row for one agent, HTTP and peer-to-peer, must differ even though neither is bound yet).
 */
export async function freePort (): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await pickPort()
    if (!handedOut.has(port)) { handedOut.add(port); return port }
  }
  throw new Error('no fresh free port after 50 tries')
}

export async function waitFor<T> (what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastErr: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v
    } catch (err) { lastErr = err }
    await new Promise(r => setTimeout(r, everyMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`)
}
