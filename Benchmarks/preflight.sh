#!/bin/sh
# Benchmark: `xg-scale preflight` over 8 namespace nodes on one bridge, 200 resources (each on
# two nodes, 400 directed pairs), one dropping port per node (nft drop in its input chain),
# --timeout 1000, through --exec 'ip netns exec {node}'. Prints the wall time against the
# <= 3 s target, and its ratio to the anchor: a sequential `nc -z -w1` loop over the same
# pairs (source bound, under ip netns exec, with listeners on every port). Root. Builds the
# release binary unless XG_SCALE is set. Namespaces are deleted on exit, even on failure.
set -eu
. "$(dirname "$0")/lib.sh"
bench_release_build
for p in nc nft python3 ip; do bench_need $p scripts/install-deps.sh; done
NODES=8 RESOURCES=200
tag=xgb-$$
bench_tmp
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for k in $(seq 1 $NODES); do ip netns del "$tag-n$k" 2>/dev/null || true; done
    ip netns del "$tag-sw" 2>/dev/null || true
}
bench_on_exit cleanup

ip netns add "$tag-sw"
ip -n "$tag-sw" link add br0 type bridge
ip -n "$tag-sw" link set br0 up
for k in $(seq 1 $NODES); do
    ns=$tag-n$k
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$tag-sw" link add "p$k" type veth peer name eth0 netns "$ns"
    ip -n "$tag-sw" link set "p$k" master br0 up
    ip -n "$ns" addr add "10.78.0.$k/24" dev eth0
    ip -n "$ns" link set eth0 up
    if [ -n "$(ip -n "$ns" route show default)" ]; then echo "namespace $ns has a route out" >&2; exit 1; fi
done

# Resource i on nodes a and b (1-based), port 7000+i. Node k drops the port of the first
# resource whose second node it is.
conf=$TMP/drbd.conf
pairs=$TMP/pairs
: >"$pairs"
i=0
while [ $i -lt $RESOURCES ]; do
    a=$((i % NODES + 1)); b=$(((i + 1 + (i / NODES) % (NODES - 1)) % NODES + 1)); port=$((7000 + i))
    printf 'resource r%d {\n  device minor %d; disk /dev/vg/r%d; meta-disk internal;\n  on %s { address 10.78.0.%d:%d; }\n  on %s { address 10.78.0.%d:%d; }\n}\n' \
        $i $i $i "$tag-n$a" $a $port "$tag-n$b" $b $port >>"$conf"
    echo "$a $b $port" >>"$pairs"; echo "$b $a $port" >>"$pairs"
    i=$((i + 1))
done
for k in $(seq 1 $NODES); do
    port=$(awk -v k=$k '$1 != k && $2 == k { print $3; exit }' "$pairs")
    printf 'table inet xgbench {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport %s drop comment "bench-drop"\n }\n}\n' "$port" |
        ip netns exec "$tag-n$k" nft -f -
done

s=$(date +%s%N)
status=0
"$XG_SCALE" preflight --config "$conf" --exec "ip netns exec {node}" --timeout 1000 --json >"$TMP/report.json" || status=$?
e=$(date +%s%N)
ours=$(((e - s) / 1000000))
[ $status -eq 2 ] || { echo "preflight exited $status (expected 2: the dropped ports)" >&2; exit 1; }
summary=$(python3 -c 'import json,sys,collections; r=json.load(open(sys.argv[1])); c=collections.Counter(p["result"] for p in r["pairs"]); print(len(r["pairs"]), "pairs:", ", ".join("%d %s" % (n, k) for k, n in sorted(c.items())))' "$TMP/report.json")

# The anchor: listeners on every port of every node, then one nc after the other.
for k in $(seq 1 $NODES); do
    ports=$(awk -v k=$k '$2 == k { print $3 }' "$pairs" | sort -u | tr '\n' ' ')
    ip netns exec "$tag-n$k" python3 -c '
import socket, select, sys
ls = []
for p in sys.argv[2:]:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], int(p))); s.listen(64); ls.append(s)
print("ready", flush=True)
while True:
    for s in select.select(ls, [], [])[0]:
        c, _ = s.accept(); c.close()
' "10.78.0.$k" $ports >"$TMP/ready$k" &
    pids="$pids $!"
done
for k in $(seq 1 $NODES); do
    n=0; until grep -q ready "$TMP/ready$k" 2>/dev/null; do n=$((n + 1)); [ $n -lt 200 ] || exit 1; sleep 0.05; done
done
s=$(date +%s%N)
while read -r a b port; do
    ip netns exec "$tag-n$a" nc -z -w1 -s "10.78.0.$a" "10.78.0.$b" "$port" >/dev/null 2>&1 || true
done <"$pairs"
e=$(date +%s%N)
anchor=$(((e - s) / 1000000))

echo "preflight: $summary"
echo "preflight: wall $ours ms (target <= 3000 ms) on $NODES nodes, $RESOURCES resources, --timeout 1000"
echo "anchor: sequential nc -z -w1 over the same $(wc -l <"$pairs") pairs: $anchor ms"
echo "ratio: $(python3 -c "print('%.3f' % ($ours / $anchor))")x the nc loop"
[ "$ours" -le 3000 ] || { echo "preflight.sh: over the 3 s target" >&2; exit 1; }
