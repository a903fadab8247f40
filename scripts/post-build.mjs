// After tsc: make the CLI executable and copy static assets (UI) into dist/.
import { chmodSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
chmodSync('dist/cli.js', 0o755)
if (existsSync('src/http/ui/static')) cpSync('src/http/ui/static', 'dist/http/ui/static', { recursive: true })
// Version and commit for `shoal --version` (src/version.ts).
let commit = 'unknown'
try { commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() } catch {}
writeFileSync('dist/build-info.json', JSON.stringify({ version: JSON.parse(readFileSync('package.json', 'utf8')).version, commit }) + '\n')
