#!/bin/sh
# Benchmark (issues 11 and 15): CPU time (perf's task-clock: user + system, the kernel's work on
# the requests included) of `xg-scale apply` from nothing of one STP bridge, two uplinks and 64
# veth ports, against `ip -batch` of the same profile's `ip` render (the anchor). CPU time, unlike
# wall time, holds still on a machine other jobs share. Runs are interleaved, each in a fresh
# namespace. With XG_SCALE_BASE set, that binary is measured too (e.g. the build before a change),
# so the cost of a change is read on the same machine at the same moment.
#
#   sh Benchmarks/apply-cpu.sh                 (root, perf; RUNS=N, default 15)
#   XG_SCALE=new/xg-scale XG_SCALE_BASE=old/xg-scale sh Benchmarks/apply-cpu.sh
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-15}
[ "$(id -u)" = 0 ] || { echo "apply-cpu.sh: needs root (network namespaces)" >&2; exit 1; }
command -v perf >/dev/null || { echo "apply-cpu.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
if [ -z "${XG_SCALE:-}" ]; then
  XG_SCALE=.build-static/release/xg-scale
  swift build -c release --static-swift-stdlib --scratch-path .build-static --product xg-scale >/dev/null
fi
TMP=$(mktemp -d)
NS=xgcpu-$$
trap 'ip netns delete "$NS" 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM
{
  sed -n '1,/^  ports:/p' profiles/stp-two-switches.yaml | sed '$d'
  echo "  veths:"
  i=1; while [ $i -le 63 ]; do echo "    - {name: vm$i, peer: vm$i-br}"; i=$((i + 1)); done
  sed -n '/^  ports:/,$p' profiles/stp-two-switches.yaml
} > "$TMP/bench.yaml"
P="$TMP/bench.yaml --inventory profiles/inventory.yaml --node dom0"
"$XG_SCALE" render $P --format ip | grep -v '^#' > "$TMP/batch"

fresh() {
  if ip netns delete "$NS" 2>/dev/null; then sleep "${SETTLE:-1}"; fi
  ip netns add "$NS"
  ip -n "$NS" link add peth0 type veth peer name peth0p
  ip -n "$NS" link add peth1 type veth peer name peth1p
  rm -rf "$TMP/state"; mkdir "$TMP/state"
}
# task-clock in ms of "$@" inside a fresh namespace, appended to $TMP/$1.times
measure() {
  name=$1; shift
  fresh
  ip netns exec "$NS" perf stat -x, -e task-clock -o "$TMP/perf" "$@" >/dev/null
  grep task-clock "$TMP/perf" | cut -d, -f1 >> "$TMP/$name.times"
}
i=0
while [ $i -lt "$RUNS" ]; do
  measure apply "$XG_SCALE" apply $P --state-dir "$TMP/state"
  [ -n "${XG_SCALE_BASE:-}" ] && measure base "$XG_SCALE_BASE" apply $P --state-dir "$TMP/state"
  measure batch ip -batch "$TMP/batch"
  i=$((i + 1))
done
median() { sort -n "$TMP/$1.times" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
batch=$(median batch)
echo "CPU time (task-clock), median of $RUNS interleaved runs, 64 veth ports, fresh namespace each"
printf 'ip -batch (anchor):       %7.1f ms\n' "$batch"
printf 'xg-scale apply:           %7.1f ms   apply / ip -batch = %.2f\n' "$(median apply)" "$(echo "$(median apply) $batch" | awk '{ print $1 / $2 }')"
if [ -n "${XG_SCALE_BASE:-}" ]; then
  printf 'base apply:               %7.1f ms   base / ip -batch  = %.2f\n' "$(median base)" "$(echo "$(median base) $batch" | awk '{ print $1 / $2 }')"
fi
