#!/bin/sh
# `make demo`: the shipped defaults on a lab — build, `xg-scale lab up` with the shipped STP
# profile (two switches, two nodes, their VMs, a monitor per node), its status, a drill that
# powers switch1 off (the failover measured beside its bound), then a DRBD
# preflight across the lab's nodes with ONE port blocked by an nftables rule in one node, and
# `lab down` in a trap so it always runs. Needs root; leaves nothing behind.
# Usage: scripts/demo.sh BIN [INVENTORY] [NODE]   (NODE: the node whose port is blocked)
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-.build/debug/xg-scale}; INVENTORY=${2:-profiles/inventory.yaml}; NODE=${3:-dom0}
LAB=${XG_DEMO_LAB:-demo}
CONFIG=examples/drbd/lab.res
BLOCKED=7791                     # vm-db's port in $CONFIG
say() { printf '\n=================== %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (the lab lives in network namespaces): sudo make demo" >&2; exit 1; }
say "${SWIFT:-swift} build"
${SWIFT:-swift} build
BIN=$(readlink -f "$BIN")

cleanup() {
  trap - EXIT INT TERM
  [ -z "${TAIL:-}" ] || kill "$TAIL" 2>/dev/null || true
  say "xg-scale lab down --name $LAB"
  "$BIN" lab down --name "$LAB"
  left=$(ip netns list | grep -c "^xgl-$LAB-" || true)
  echo "namespaces of the lab left: $left"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

say "xg-scale lab up --name $LAB --inventory $INVENTORY   (shipped profile: stp-two-switches.yaml)"
"$BIN" lab up --name "$LAB" --inventory "$INVENTORY"
say "xg-scale lab status --name $LAB"
"$BIN" lab status --name "$LAB"

LABDIR=${XG_SCALE_LAB_ROOT:-/run/xg-scale/lab}/$LAB
say "xg-scale lab drill --name $LAB --scenario switch-power-off   (switch1 loses power; the monitors' alerts scroll)"
tail -n0 -q -F "$LABDIR"/*.monitor.jsonl 2>/dev/null & TAIL=$!
rc=0
"$BIN" lab drill --name "$LAB" --scenario switch-power-off || rc=$?
kill "$TAIL" 2>/dev/null || true; TAIL=""
[ "$rc" -eq 0 ] || echo "demo: lab drill exited $rc (2: an outage over its bound or redundancy not back)" >&2

say "nftables in $NODE: drop DRBD port $BLOCKED (resource vm-db of $CONFIG)"
"$BIN" lab exec "$LAB" "$NODE" -- nft -f - <<NFT
table inet xgdemo {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport $BLOCKED drop comment "demo: vm-db blocked on $NODE"
    }
}
NFT
"$BIN" lab exec "$LAB" "$NODE" -- nft -a list table inet xgdemo

say "xg-scale preflight --config $CONFIG --exec '$BIN lab exec $LAB {node} --'"
rc=0
"$BIN" preflight --config "$CONFIG" --exec "$BIN lab exec $LAB {node} --" --timeout 1000 || rc=$?
if [ "$rc" -ne 2 ]; then
  echo "demo: preflight exited $rc; expected 2 (the blocked port named)" >&2
  exit 1
fi
echo "preflight exit status 2: port $BLOCKED into $NODE is not reachable, and the rule above is named"
