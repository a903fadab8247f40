// Packet capture on loopback with tshark, for tests that check what travels on the wire.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { start, tempDir, type Proc } from '../helpers/proc.js'
import { waitFor } from '../helpers/net.js'

export const TSHARK = process.env.TSHARK_BIN ?? '/usr/bin/tshark'

/** Why capturing cannot work here, or undefined when it can. */
export function captureUnavailable (): string | undefined {
  if (!existsSync(TSHARK)) return `${TSHARK} not installed (apt-get install tshark)`
  const r = spawnSync(TSHARK, ['-D'], { encoding: 'utf8', timeout: 10_000 })
  if (r.status !== 0 || !/\blo\b/.test(r.stdout)) return `tshark cannot list the loopback interface (need root or the wireshark group): ${r.stderr.trim().split('\n').pop()}`
  return undefined
}

export interface Capture {
  file: string
  /** Stops capturing (flushes the file). */
  stop (): Promise<void>
  /** Payload bytes of each TCP stream, in capture order. */
  streams (): Buffer[]
  proc: Proc
}

/** Captures TCP on `lo` for the given ports; resolves once tshark is capturing. */
export async function captureLoopback (ports: number[]): Promise<Capture> {
  const file = join(tempDir('pcap'), 'capture.pcapng')
  const filter = ports.map(p => `tcp port ${p}`).join(' or ')
  const proc = start(TSHARK, ['-i', 'lo', '-f', filter, '-w', file])
  await waitFor('tshark capturing', () => /Capturing on/.test(proc.output()) || (proc.child.exitCode !== null ? Promise.reject(new Error(proc.output())) : undefined), 15_000, 50)
  return {
    file,
    proc,
    async stop () {
      // tshark writes its last packets when interrupted.
      await new Promise(resolve => setTimeout(resolve, 500))
      await proc.stop('SIGINT')
    },
    streams () {
      const r = spawnSync(TSHARK, ['-r', file, '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.payload'], { encoding: 'utf8', maxBuffer: 512 << 20 })
      if (r.status !== 0) throw new Error(`tshark -r ${file}: ${r.stderr}`)
      const by = new Map<string, Buffer[]>()
      for (const line of r.stdout.split('\n')) {
        const [stream, hex] = line.split('\t')
        if (stream === undefined || stream === '' || hex === undefined || hex === '') continue
        // tshark prints a payload as plain hex (newer) or colon-separated (older)
        const buf = Buffer.from(hex.replace(/:/g, ''), 'hex')
        const list = by.get(stream) ?? by.set(stream, []).get(stream)!
        list.push(buf)
      }
      return [...by.values()].map(bs => Buffer.concat(bs))
    },
  }
}
