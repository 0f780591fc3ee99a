#!/bin/sh
# Failover time per scenario for each shipped STP profile (issue 10): `xg-scale lab up` with the
# profile (two switches, two nodes, in throwaway namespaces), `xg-scale lab drill --json` (all
# three scenarios, probes every 10 ms), `lab down`. Prints per scenario the measured outage (VM to
# VM, first lost probe to first received again), the bound (the anchor: STP 2 x forward-delay +
# detection, see `xg-scale lab drill --help`), their ratio, and the outage the restore caused.
# The bond profiles need the bonding driver, which this kernel lacks: they run in the qemu VM
# (Tests/VM), not here.
#   Benchmarks/failover.sh [PROFILE…]   (default: every profiles/stp-*.yaml; root, iproute2, jq)
set -eu
CONFIG=${CONFIG:-release}
. "$(dirname "$0")/lib.sh"
if [ -z "${XG_SCALE:-}" ]; then
  swift build -c "$CONFIG" --product xg-scale >/dev/null
  XG_SCALE=$(swift build -c "$CONFIG" --show-bin-path)/xg-scale
fi
ROOT=$(mktemp -d /tmp/xgb-failover.XXXXXX)
export XG_SCALE_LAB_ROOT="$ROOT"
LAB=""
cleanup() {
  [ -n "$LAB" ] && "$XG_SCALE" lab down --name "$LAB" >/dev/null 2>&1 || true
  rm -rf "$ROOT"
}
bench_on_exit cleanup
[ $# -gt 0 ] || set -- profiles/stp-*.yaml
i=0
printf '%-24s %-22s %9s %8s %6s %8s %10s\n' PROFILE SCENARIO OUTAGE_MS BOUND_MS RATIO RESTORED RESTORE_MS
for profile in "$@"; do
  i=$((i + 1)); LAB="xgb$$x$i"
  "$XG_SCALE" lab up --name "$LAB" --profile "$profile" >/dev/null
  rc=0; "$XG_SCALE" lab drill --name "$LAB" --json > "$ROOT/drill.json" || rc=$?
  jq -r --arg p "$(basename "$profile" .yaml)" '.scenarios[] |
    [$p, .scenario, .outage_ms, .bound_ms, ((.outage_ms / .bound_ms * 100 | round) / 100), .restored, .restore_outage_ms] | @tsv' \
    "$ROOT/drill.json" | while IFS="$(printf '\t')" read -r p s o b r ok ro; do
      printf '%-24s %-22s %9s %8s %6s %8s %10s\n' "$p" "$s" "$o" "$b" "$r" "$ok" "$ro"; done
  jq -r '.notes[] | "  note: " + .' "$ROOT/drill.json"
  [ "$rc" -eq 0 ] || echo "  drill exit $rc (2: an outage over its bound or redundancy not back)"
  "$XG_SCALE" lab down --name "$LAB" >/dev/null; LAB=""
done
echo "ratio = outage / bound (<= 1: within the bound); bound basis: xg-scale lab drill --help"
