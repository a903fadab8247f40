// Certificates and credentials named by path are read when used, so rotated files take effect
// (as Prometheus does); a file that cannot be read is a configuration error of that request.
import { readFile } from 'node:fs/promises'
import { HttpClientConfigError } from './errors.js'

export async function readConfigFile (path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    throw new HttpClientConfigError(`unable to read ${what} ${path}: ${(err as Error).message}`)
  }
}

/** The inline PEM when given, else the file's content, else undefined. */
export async function pemOrFile (pem: string | undefined, file: string, what: string): Promise<string | undefined> {
  if (pem !== undefined && pem !== '') return pem
  if (file === '') return undefined
  return await readConfigFile(file, what)
}
