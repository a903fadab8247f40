#!/usr/bin/env bash
# Writes a new fleet key (libp2p pre-shared key) to FILE. Same as `shoal cluster keygen FILE`.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 FILE [--force]" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE=$ROOT/node_modules/.bin/node
[[ -x $NODE ]] || NODE=node
[[ -f $ROOT/dist/cli.js ]] || (cd "$ROOT" && npm run build --silent)
exec "$NODE" "$ROOT/dist/cli.js" cluster keygen "$@"
