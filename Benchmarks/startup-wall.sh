#!/bin/sh
# Benchmark (issue 11, session 4): WALL time of `xg-scale apply` up to its first kernel read (the
# bench profile in an empty throwaway namespace: it parses the command line, reads the profile
# and inventory, dumps the links once and exits 1 on the missing uplink), where startup.sh gives
# CPU time. Written for the read-ahead of session 4 (a profile read overlapping ArgumentParser's
# parse on a second core; removed by fast-args, see apply-notes.md). perf's duration_time;
# runs interleaved; medians and minimums of RUNS (default 30). Anchor: `ip -V`. Root only.
#
#   XG_SCALE=new/xg-scale XG_SCALE_BASE=old/xg-scale RUNS=40 sh Benchmarks/startup-wall.sh
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-30}
[ "$(id -u)" = 0 ] || { echo "startup-wall.sh: needs root (a throwaway network namespace)" >&2; exit 1; }
command -v perf >/dev/null || { echo "startup-wall.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
XG_SCALE=${XG_SCALE:-.build-static/release/xg-scale}
TMP=$(mktemp -d)
NS=xgwall-$$
trap 'ip netns delete "$NS" 2>/dev/null || true; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP PIPE
ip netns add "$NS"
mkdir "$TMP/state"
P="profiles/stp-two-switches.yaml --inventory profiles/inventory.yaml --node dom0 --state-dir $TMP/state"
# wall ms of "$@" inside the namespace, appended to $TMP/$1.times
measure() {
  name=$1; shift
  ip netns exec "$NS" perf stat -x, -e duration_time -o "$TMP/perf" "$@" >/dev/null 2>&1 || true
  grep duration_time "$TMP/perf" | cut -d, -f1 | awk '{ print $1 / 1e6 }' >> "$TMP/$name.times"
}
i=0
while [ $i -lt "$RUNS" ]; do
  measure ip ip -V
  measure new "$XG_SCALE" apply $P
  [ -z "${XG_SCALE_BASE:-}" ] || measure base "$XG_SCALE_BASE" apply $P
  i=$((i + 1))
done
stat() { sort -n "$TMP/$1.times" | awk '{ a[NR] = $1 } END { printf "%.2f %.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, a[1] }'; }
ipv=$(stat ip | cut -d' ' -f1)
line() {
  set -- "$1" $(stat "$2")
  printf '%-40s median %6.2f ms (/ ip -V = %5.2f), min %6.2f ms\n' "$1" "$2" "$(echo "$2 $ipv" | awk '{ print $1 / $2 }')" "$3"
}
echo "Wall time (perf duration_time), $RUNS interleaved runs"
printf '%-40s median %6.2f ms\n' "ip -V (anchor)" "$ipv"
line "apply to its first kernel read" new
[ -z "${XG_SCALE_BASE:-}" ] || line "base: apply to its first kernel read" base
