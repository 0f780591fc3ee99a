#!/bin/sh
# Benchmark (issue 11, "a lighter start-up path"): CPU time of start-up alone — perf's
# task-clock (user + system, from exec to exit, the dynamic loader included) of
# `xg-scale --version` and of `xg-scale apply --help`, against `ip -V` (the anchor: iproute2's
# start-up, the price `ip -batch` pays once). Runs are interleaved; medians of RUNS (default 30).
# No root needed, nothing is changed. With XG_SCALE_BASE set, that binary is measured too (e.g.
# the build before a change), on the same machine at the same moment.
#
#   sh Benchmarks/startup.sh                   (perf; builds the shipped static release binary)
#   XG_SCALE=new/xg-scale XG_SCALE_BASE=old/xg-scale RUNS=50 sh Benchmarks/startup.sh
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-30}
command -v perf >/dev/null || { echo "startup.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
command -v ip >/dev/null || { echo "startup.sh: needs ip (iproute2)" >&2; exit 1; }
if [ -z "${XG_SCALE:-}" ]; then
  XG_SCALE=.build-static/release/xg-scale
  swift build -c release --static-swift-stdlib --scratch-path .build-static --product xg-scale >/dev/null
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# task-clock in ms of "$@" (stdout and stderr dropped), appended to $TMP/$1.times
measure() {
  name=$1; shift
  perf stat -x, -e task-clock -o "$TMP/perf" "$@" >/dev/null 2>&1
  grep task-clock "$TMP/perf" | cut -d, -f1 >> "$TMP/$name.times"
}
"$XG_SCALE" --version >/dev/null && "$XG_SCALE" apply --help >/dev/null   # warm the page cache
[ -z "${XG_SCALE_BASE:-}" ] || { "$XG_SCALE_BASE" --version >/dev/null && "$XG_SCALE_BASE" apply --help >/dev/null; }
i=0
while [ $i -lt "$RUNS" ]; do
  measure ip ip -V
  measure version "$XG_SCALE" --version
  measure help "$XG_SCALE" apply --help
  if [ -n "${XG_SCALE_BASE:-}" ]; then
    measure base_version "$XG_SCALE_BASE" --version
    measure base_help "$XG_SCALE_BASE" apply --help
  fi
  i=$((i + 1))
done
median() { sort -n "$TMP/$1.times" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ipv=$(median ip)
line() { printf '%-32s %6.2f ms   / ip -V = %5.2f\n' "$1" "$(median "$2")" "$(echo "$(median "$2") $ipv" | awk '{ print $1 / $2 }')"; }
echo "Start-up CPU time (task-clock), median of $RUNS interleaved runs"
printf '%-32s %6.2f ms\n' "ip -V (anchor)" "$ipv"
line "xg-scale --version" version
line "xg-scale apply --help" help
if [ -n "${XG_SCALE_BASE:-}" ]; then
  line "base --version" base_version
  line "base apply --help" base_help
fi
