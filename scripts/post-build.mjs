// After tsc: make the CLI executable and copy static assets (UI) into dist/.
import { chmodSync, cpSync, existsSync } from 'node:fs'
chmodSync('dist/cli.js', 0o755)
if (existsSync('src/http/ui/static')) cpSync('src/http/ui/static', 'dist/http/ui/static', { recursive: true })
