#!/bin/sh
# Benchmark (issue 11, "a lighter start-up path"): CPU time of start-up alone — perf's
# task-clock (user + system, from exec to exit, the dynamic loader included) of
# `xg-scale --version`, of `xg-scale apply --help`, and (as root) of `xg-scale apply` up to its
# first kernel read: the bench profile in an empty namespace, so it parses the command line,
# reads the profile and inventory, dumps the links once and exits 1 on the missing uplink.
# Anchor: `ip -V` (iproute2's start-up, what `ip -batch` pays once). Runs are interleaved;
# medians of RUNS (default 30). Nothing is changed outside a throwaway namespace.
# With XG_SCALE_BASE set, that binary is measured too (e.g. the build before a change), on the
# same machine at the same moment. With valgrind installed, the user-space instruction counts
# (callgrind, one run each: deterministic, unlike CPU time on a shared machine) are printed too.
#
#   sh Benchmarks/startup.sh                   (perf; builds the shipped static release binary)
#   XG_SCALE=new/xg-scale XG_SCALE_BASE=old/xg-scale RUNS=50 sh Benchmarks/startup.sh
set -eu
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-30}
bench_need perf "apt-get install linux-perf"
bench_need ip iproute2
bench_static_build
bench_tmp
bench_netns "xgstart-$$"
ROOT=no; [ "$(id -u)" = 0 ] && ROOT=yes
P="profiles/stp-two-switches.yaml --inventory profiles/inventory.yaml --node dom0 --state-dir $TMP/state"
if [ $ROOT = yes ]; then
  ip netns add "$NS"
  mkdir "$TMP/state"
fi

# task-clock in ms of "$@" (stdout and stderr dropped), appended to $TMP/$1.times
measure() {
  name=$1; shift
  perf stat -x, -e task-clock -o "$TMP/perf" "$@" >/dev/null 2>&1 || true
  grep task-clock "$TMP/perf" | cut -d, -f1 >> "$TMP/$name.times"
}
# The same inside the namespace (`ip netns exec` itself is not counted).
measure_ns() {
  name=$1; shift
  ip netns exec "$NS" perf stat -x, -e task-clock -o "$TMP/perf" "$@" >/dev/null 2>&1 || true
  grep task-clock "$TMP/perf" | cut -d, -f1 >> "$TMP/$name.times"
}
# One binary's three figures: tag, binary
round() {
  measure "$1.version" "$2" --version
  measure "$1.help" "$2" apply --help
  [ $ROOT = no ] || measure_ns "$1.apply" "$2" apply $P
}
"$XG_SCALE" --version >/dev/null && "$XG_SCALE" apply --help >/dev/null   # warm the page cache
[ -z "${XG_SCALE_BASE:-}" ] || { "$XG_SCALE_BASE" --version >/dev/null && "$XG_SCALE_BASE" apply --help >/dev/null; }
i=0
while [ $i -lt "$RUNS" ]; do
  measure ip ip -V
  round new "$XG_SCALE"
  [ -z "${XG_SCALE_BASE:-}" ] || round base "$XG_SCALE_BASE"
  i=$((i + 1))
done
ipv=$(median "$TMP/ip.times")
line() { printf '%-44s %6.2f ms   / ip -V = %5.2f\n' "$1" "$(median "$TMP/$2.times")" "$(ratio "$(median "$TMP/$2.times")" "$ipv")"; }
figures() {
  line "$1 --version" "$2.version"
  line "$1 apply --help" "$2.help"
  if [ $ROOT = yes ]; then line "$1 apply to its first kernel read" "$2.apply"; fi
}
echo "Start-up CPU time (task-clock), median of $RUNS interleaved runs"
printf '%-44s %6.2f ms\n' "ip -V (anchor)" "$ipv"
figures xg-scale new
[ -z "${XG_SCALE_BASE:-}" ] || figures base base
[ $ROOT = yes ] || echo "(apply to its first kernel read: needs root for its namespace)"

command -v valgrind >/dev/null || exit 0
# callgrind cannot read the toolchain's DWARF: count on copies without it.
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
counts() {
  strip --strip-debug -o "$TMP/bin" "$2"
  a=-; [ $ROOT = no ] || a=$(ip netns exec "$NS" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$TMP/bin" apply $P 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  printf '%-10s --version %10s   apply --help %10s   apply to first read %10s\n' "$1" "$(ir "$TMP/bin" --version)" "$(ir "$TMP/bin" apply --help)" "$a"
}
echo "User-space instructions (callgrind, one run each); ip -V: $(ir ip -V)"
counts xg-scale "$XG_SCALE"
[ -z "${XG_SCALE_BASE:-}" ] || counts base "$XG_SCALE_BASE"
