// The peer-list file (--cluster.join-file): one address per line (a multiaddr or host:port),
// blank lines and `#` comments ignored. Re-read at every rejoin, so operators can edit it live.
import { readFileSync } from 'node:fs'
import { toMultiaddrString } from './options.js'

/** Reads and normalises a join file; throws with a message naming the file and line. */
export function readJoinFile (path: string): string[] {
  const text = readFileSync(path, 'utf8')
  return text.split('\n').flatMap((line, i) => {
    const a = line.replace(/#.*/, '').trim()
    if (a === '') return []
    try { return [toMultiaddrString(a)] } catch (err) { throw new Error(`${path}:${i + 1}: ${(err as Error).message}`) }
  })
}
