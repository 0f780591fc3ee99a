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
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-15}
bench_need_root
bench_need perf "apt-get install linux-perf"
bench_static_build
bench_tmp
bench_netns "xgcpu-$$"
bench_profile "$TMP/bench.yaml"
P="$TMP/bench.yaml --inventory profiles/inventory.yaml --node dom0"
"$XG_SCALE" render $P --format ip | grep -v '^#' > "$TMP/batch"

# task-clock in ms of "$@" inside a fresh namespace, appended to $TMP/$1.times
measure() {
  name=$1; shift
  bench_fresh_ns
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
batch=$(median "$TMP/batch.times")
apply=$(median "$TMP/apply.times")
echo "CPU time (task-clock), median of $RUNS interleaved runs, 64 veth ports, fresh namespace each"
printf 'ip -batch (anchor):       %7.1f ms\n' "$batch"
printf 'xg-scale apply:           %7.1f ms   apply / ip -batch = %.2f\n' "$apply" "$(ratio "$apply" "$batch")"
if [ -n "${XG_SCALE_BASE:-}" ]; then
  base=$(median "$TMP/base.times")
  printf 'base apply:               %7.1f ms   base / ip -batch  = %.2f\n' "$base" "$(ratio "$base" "$batch")"
fi
