#!/usr/bin/env bash
# Idle footprint of one clustered agent scraping one target (its own /metrics) every 15 s and
# remote-writing to a loopback sink that answers 204. Prints RSS, peak RSS, CPU % over the
# measured window and the RSS split from /proc/PID/smaps_rollup and status.
#
#   scripts/idle-rss.sh [SECONDS=120] [extra node flags...]
#   SHOAL_ENV="MALLOC_ARENA_MAX=2" scripts/idle-rss.sh 60 --max-semi-space-size=1   (SHOAL_ENV: VAR=value
#     words without spaces; export SHOAL_V8_FLAGS="…" instead of putting it there)
#   DETAIL=1 scripts/idle-rss.sh 30     (also the largest mappings by resident size)
#   SHOAL_BIN=dist/pkg/shoal-0.1.0-linux-x64 scripts/idle-rss.sh 120   (the single-file binary;
#     extra flags then go to the binary as --node-options, SHOAL_V8_FLAGS works as for node)
#
# Uses dist/ (run `npm run build` first), or SHOAL_BIN (`npm run package`). Everything binds to 127.0.0.1; both processes are
# stopped by PID at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE=$ROOT/node_modules/.bin/node
SECS=${1:-120}; shift || true
WORK=$(mktemp -d /tmp/shoal-idle.XXXXXX)
port () { "$NODE" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
SINK_PORT=$(port); HTTP_PORT=$(port); P2P_PORT=$(port)
"$NODE" -e "require('http').createServer((q,r)=>{q.resume();q.on('end',()=>{r.statusCode=204;r.end()})}).listen($SINK_PORT,'127.0.0.1')" &
SINK=$!
cat > "$WORK/agent.alloy" <<CFG
prometheus.scrape "self" {
  targets         = [{"__address__" = "127.0.0.1:$HTTP_PORT"},]
  forward_to      = [prometheus.remote_write.sink.receiver]
  scrape_interval = "15s"
  clustering {
    enabled = true
  }
}

prometheus.remote_write "sink" {
  endpoint {
    url = "http://127.0.0.1:$SINK_PORT/api/v1/write"
  }
}
CFG
cd "$ROOT"
# The executable's resident pages depend on how its page cache was filled: a file just written
# (postject, dpkg) sits in large folios that map many pages per fault. Drop its unmapped cached
# pages first, so the figure is that of an agent started after boot.
EXE_FILE=${SHOAL_BIN:-$NODE}
dd if="$(realpath "$EXE_FILE")" iflag=nocache count=0 status=none 2>/dev/null || true
if [ -n "${SHOAL_BIN:-}" ]; then
  CMD=("$(realpath "$SHOAL_BIN")"); [ $# -gt 0 ] && CMD+=("--node-options=$*")
else
  CMD=("$NODE" "$@" dist/cli.js)
fi
env ${SHOAL_ENV:-} "${CMD[@]}" run "$WORK/agent.alloy" --server.http.listen-addr=127.0.0.1:$HTTP_PORT \
  --storage.path="$WORK/data" --cluster.enabled --cluster.listen-addr=/ip4/127.0.0.1/tcp/$P2P_PORT >"$WORK/agent.log" 2>&1 &
AGENT=$!
cleanup () { kill -TERM $AGENT 2>/dev/null; wait $AGENT 2>/dev/null; kill $SINK 2>/dev/null; wait $SINK 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 60); do curl -sf -m 1 "http://127.0.0.1:$HTTP_PORT/-/ready" >/dev/null && break; sleep 0.5; done
sleep 20 # first scrapes, JIT warm-up
ticks () { local s; s=$(cat /proc/$AGENT/stat); s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }
wb () { awk '$1=="write_bytes:"{print $2}' /proc/$AGENT/io; }
t0=$(ticks); s0=$(date +%s.%N); w0=$(wb)
sleep "$SECS"
t1=$(ticks); s1=$(date +%s.%N); w1=$(wb)
kb () { awk -v k="$1:" '$1==k{print $2}' "$2"; }
up=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -c '^' || true)
printf 'rss %d MiB  hwm %d MiB  cpu %.2f %%  threads %s  (self /metrics: %s lines)\n' \
  $(( $(kb VmRSS /proc/$AGENT/status) / 1024 )) $(( $(kb VmHWM /proc/$AGENT/status) / 1024 )) \
  "$(echo "($t1 - $t0) / ($s1 - $s0)" | bc -l)" "$(kb Threads /proc/$AGENT/status)" "$up"
[ -n "${DETAIL:-}" ] && "$NODE" "$ROOT/scripts/smaps-top.mjs" "$AGENT"
awk '/^(Rss|Anonymous|Shared_Clean|Private_Clean|Private_Dirty):/{printf "  %s %d MiB", $1, $2/1024} END{print ""}' /proc/$AGENT/smaps_rollup
# the executable's own file-backed pages (code, read-only data, for the binary also the SEA blob)
EXE=$(readlink /proc/$AGENT/exe)
awk -v exe="$EXE" '/^[0-9a-f]+-/{m=($6==exe)} m&&/^Rss:/{r+=$2} m&&/^Private_Dirty:/{d+=$2} END{printf "  executable %s: Rss %d MiB (of it Private_Dirty %d MiB)\n", exe, r/1024, d/1024}' /proc/$AGENT/smaps
# disk: what the agent wrote to storage in the window (a healthy agent: nothing) and the files it keeps
echo "  disk written in the window: $(( w1 - w0 )) bytes; files under --storage.path: $(cd "$WORK/data" && find . -type f -printf '%p (%s B) ' 2>/dev/null)"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -E '^nodejs_(heap_size_used|heap_size_total|external_memory)_bytes ' | awk '{printf "  %s %.1f MiB", $1, $2/1048576} END{print ""}'
