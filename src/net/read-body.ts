// Reads a request body up to a limit: the agent's own server, prometheus.receive_http and the
// demo sink all need it, and none of them should depend on another's module for it.
import type { IncomingMessage } from 'node:http'

/** Rejects (and destroys the request) once the body passes `limit` bytes. */
export function readBody (req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) { reject(new Error(`request body larger than ${limit} bytes`)); req.destroy(); return }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
