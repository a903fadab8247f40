#!/usr/bin/env bash
# Side-by-side benchmark: builds shoal and runs ../shared/bench/run.sh with shoal, Prometheus
# (agent mode) and vmagent against the same target farm and a real receiver.
#
#   scripts/bench.sh [-n TARGETS] [-s SAMPLES] [-a "prometheus vmagent shoal"] [other run.sh options]
#
# The harness is copied to a temp dir and its generated agent.river gets a trailing comma after
# the last target: without it the file is not valid Alloy syntax (Alloy's own parser testdata,
# syntax/parser/testdata/commas.alloy, rejects exactly that), and shoal parses as Alloy does.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${BENCH_DIR:-$ROOT/../shared/bench}
[[ -d $SRC ]] || { echo "no benchmark harness at $SRC" >&2; exit 1; }
command -v vmagent >/dev/null && command -v prometheus >/dev/null || bash "$SRC/setup.sh"
(cd "$ROOT" && npm run build --silent)
WORK=$(mktemp -d /tmp/shoal-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp -r "$SRC" "$WORK/bench"
sed -i "s/\${i < targets.length - 1 ? ',' : ''}/,/" "$WORK/bench/lib/gen-config.mjs"
grep -qF 'targets.map((t, i) => `    {"__address__" = "${t}"},`)' "$WORK/bench/lib/gen-config.mjs" || echo "warning: gen-config.mjs changed upstream; check the trailing-comma patch" >&2
mkdir -p "$ROOT/.tmp/bench"
args=("$@")
[[ " ${args[*]} " == *" -a "* ]] || args+=(-a "prometheus vmagent shoal")
SHOAL_DIR=$ROOT RESULTS_DIR=$ROOT/.tmp/bench bash "$WORK/bench/run.sh" "${args[@]}"
