// Node identity and fleet secret. The peer key is created once and kept under the data dir so a
// restarted agent keeps its peer ID (and with it the targets rendezvous hashing gave it).

import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export function peerKeyPath (storageDir: string): string {
  return join(storageDir, 'cluster', 'peer.key')
}

/** Loads `<storageDir>/cluster/peer.key` (protobuf private key), creating an Ed25519 key the
 *  first time. Without a storageDir the key is ephemeral. */
export async function loadOrCreatePeerKey (storageDir?: string): Promise<PrivateKey> {
  if (storageDir === undefined || storageDir === '') return generateKeyPair('Ed25519')
  const path = peerKeyPath(storageDir)
  try {
    return privateKeyFromProtobuf(await readFile(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`cluster: cannot read peer key ${path}: ${(err as Error).message}`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(tmp, path)
  return key
}

const PSK_HEADER = '/key/swarm/psk/1.0.0/\n/base16/\n'

/** A new fleet key in the pnet swarm key format (what `shoal cluster keygen` prints). */
export function generateFleetKey (): string {
  return PSK_HEADER + randomBytes(32).toString('hex') + '\n'
}

/** Reads and checks a swarm key file; returns the bytes @libp2p/pnet expects. */
export async function readFleetKey (path: string): Promise<Uint8Array> {
  const text = await readFile(path, 'utf8')
  const lines = text.split(/\r\n|\r|\n/)
  if (lines[0] !== '/key/swarm/psk/1.0.0/' || lines[1] !== '/base16/' || !/^[0-9a-fA-F]{64}$/.test(lines[2] ?? '')) {
    throw new Error(`cluster: ${path} is not a swarm key (expected /key/swarm/psk/1.0.0/, /base16/, 64 hex digits)`)
  }
  return new TextEncoder().encode(lines.slice(0, 3).join('\n'))
}
