#!/usr/bin/env bash
# Per-thread CPU of one process over a window: which threads (main, V8 GC helpers, libuv pool)
# burn the time, user vs kernel.
#   scripts/thread-cpu.sh PID [SECONDS]
# Prints one line per thread name (threads of the same name summed): user s, system s, share.
set -euo pipefail
pid=$1 secs=${2:-40}
tck=$(getconf CLK_TCK)
snap() {
  local t s
  for t in /proc/"$pid"/task/*; do
    s=$(cat "$t/stat" 2>/dev/null) || continue
    # comm may contain spaces: split after the closing parenthesis.
    local comm=${s#*(}; comm=${comm%)*}; s=${s##*) }
    set -- $s
    comm=${comm// /_}; [[ ${t##*/} == "$pid" ]] && comm="main($comm)"
    printf '%s\t%s\t%s\t%s\n' "${t##*/}" "$comm" "${12}" "${13}"
  done
}
a=$(snap); sleep "$secs"; b=$(snap)
join -t $'\t' <(sort <<<"$a") <(sort <<<"$b") | awk -F'\t' -v tck="$tck" -v secs="$secs" '
  { n=$2; du=($6-$3)/tck; ds=($7-$4)/tck; if (n !~ /^main/ && du+ds > 0.05) printf "  tid %s %s user %.2f sys %.2f\n", $1, n, du, ds > "/dev/stderr"
    u[n]+=du; s[n]+=ds; c[n]++; U+=du; S+=ds }
  END {
    printf "%-18s %4s %8s %8s %6s\n", "thread", "n", "user_s", "sys_s", "share"
    for (k in u) printf "%-18s %4d %8.2f %8.2f %5.1f%%\n", k, c[k], u[k], s[k], 100*(u[k]+s[k])/(U+S)
    printf "%-18s %4s %8.2f %8.2f  (%.2f cores over %ss)\n", "total", "", U, S, (U+S)/secs, secs
  }' 
