#!/usr/bin/env bash
# Side-by-side benchmark: builds shoal and runs ../shared/bench/run.sh with shoal, Prometheus
# (agent mode) and vmagent against the same target farm and a real receiver.
#
#   scripts/bench.sh [-n TARGETS] [-s SAMPLES] [-a "prometheus vmagent shoal"] [other run.sh options]
#
# The harness runs unmodified. Its generated agent.river lacks the trailing comma Alloy requires
# after the last target (Alloy itself rejects the file); shoal accepts that one case with a warning.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${BENCH_DIR:-$ROOT/../shared/bench}
[[ -d $SRC ]] || { echo "no benchmark harness at $SRC" >&2; exit 1; }
command -v vmagent >/dev/null && command -v prometheus >/dev/null || bash "$SRC/setup.sh"
(cd "$ROOT" && npm run build --silent)
WORK=$(mktemp -d /tmp/shoal-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp -r "$SRC" "$WORK/bench"
mkdir -p "$ROOT/.tmp/bench"
args=("$@")
[[ " ${args[*]} " == *" -a "* ]] || args+=(-a "prometheus vmagent shoal")
SHOAL_DIR=$ROOT RESULTS_DIR=$ROOT/.tmp/bench bash "$WORK/bench/run.sh" "${args[@]}"
