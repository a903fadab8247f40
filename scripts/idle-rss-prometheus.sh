#!/usr/bin/env bash
# The reference for scripts/idle-rss.sh: Prometheus in agent mode (`--enable-feature=agent`), idle,
# scraping one target (its own /metrics) every 15 s and remote-writing to a loopback sink that
# answers 204. Same window and the same figures as idle-rss.sh (RSS, CPU %, smaps split, the
# executable's own pages).
#
#   scripts/idle-rss-prometheus.sh [SECONDS=120]
#
# Needs `prometheus` on PATH (Debian's 2.42 here). Binds to 127.0.0.1; stops both by PID.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE=$ROOT/node_modules/.bin/node
SECS=${1:-120}
WORK=$(mktemp -d /tmp/prom-idle.XXXXXX)
port () { "$NODE" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
SINK_PORT=$(port); HTTP_PORT=$(port)
"$NODE" -e "require('http').createServer((q,r)=>{q.resume();q.on('end',()=>{r.statusCode=204;r.end()})}).listen($SINK_PORT,'127.0.0.1')" &
SINK=$!
cat > "$WORK/prometheus.yml" <<CFG
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:$HTTP_PORT']
remote_write:
  - url: http://127.0.0.1:$SINK_PORT/api/v1/write
CFG
prometheus --enable-feature=agent --config.file="$WORK/prometheus.yml" --web.listen-address=127.0.0.1:$HTTP_PORT \
  --storage.agent.path="$WORK/data" >"$WORK/prometheus.log" 2>&1 &
AGENT=$!
cleanup () { kill -TERM $AGENT 2>/dev/null; wait $AGENT 2>/dev/null; kill $SINK 2>/dev/null; wait $SINK 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 60); do curl -sf -m 1 "http://127.0.0.1:$HTTP_PORT/-/ready" >/dev/null && break; sleep 0.5; done
sleep 20 # first scrapes
ticks () { local s; s=$(cat /proc/$AGENT/stat); s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }
t0=$(ticks); s0=$(date +%s.%N)
sleep "$SECS"
t1=$(ticks); s1=$(date +%s.%N)
kb () { awk -v k="$1:" '$1==k{print $2}' "$2"; }
printf 'prometheus agent: rss %d MiB  hwm %d MiB  cpu %.2f %%  threads %s\n' \
  $(( $(kb VmRSS /proc/$AGENT/status) / 1024 )) $(( $(kb VmHWM /proc/$AGENT/status) / 1024 )) \
  "$(echo "($t1 - $t0) / ($s1 - $s0)" | bc -l)" "$(kb Threads /proc/$AGENT/status)"
awk '/^(Rss|Anonymous|Shared_Clean|Private_Clean|Private_Dirty):/{printf "  %s %d MiB", $1, $2/1024} END{print ""}' /proc/$AGENT/smaps_rollup
EXE=$(readlink /proc/$AGENT/exe)
awk -v exe="$EXE" '/^[0-9a-f]+-/{m=($6==exe)} m&&/^Rss:/{r+=$2} END{printf "  executable %s: Rss %d MiB\n", exe, r/1024}' /proc/$AGENT/smaps
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -E '^prometheus_agent_' | grep -E 'samples|series' | head -3 | sed 's/^/  /'
