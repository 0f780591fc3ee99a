#!/bin/sh
# Test fixture for `lab drill` (until `lab up` is on this branch): the seed's two-switch topology in
# namespaces xgl-NAME-*, the shipped STP profile's bridge on two nodes built with ip/bridge, a
# monitor per node, and ROOT/NAME/state.json in LabState's format.
#   drill-lab.sh up NAME ROOT XG_SCALE [FORWARD_DELAY_S]     drill-lab.sh down NAME ROOT
set -eu
cmd=$1 name=$2 root=$3
dir="$root/$name"
p="xgl-$name"
if [ "$cmd" = down ]; then
    for pid in $(cat "$dir/pids" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    for ns in "$p-sw1" "$p-sw2" "$p-node1" "$p-node2" "$p-node1-vm" "$p-node2-vm"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$dir"
    exit 0
fi
xg=$4 fd=${5:-4}
profiles=$(cd "$(dirname "$0")/../../../profiles" && pwd)
mkdir -p "$dir"; chmod 700 "$dir"
timers="forward_delay $((fd * 100)) hello_time 100 max_age 600"
for s in 1 2; do
    ip netns add "$p-sw$s"
    ip -n "$p-sw$s" link add br0 type bridge stp_state 1 priority $((s * 4096)) $timers
done
ip -n "$p-sw1" link add isl type veth peer name isl netns "$p-sw2"
for s in 1 2; do ip -n "$p-sw$s" link set isl master br0; done
for k in 1 2; do
    n="$p-node$k" vm="$p-node$k-vm"
    ip netns add "$n"; ip netns add "$vm"
    # The dom0 layout puts the host address on veth0 beside the address-less xenbr0: without
    # arp_ignore the bridge answers ARP for veth0's address too (ARP flux), and a peer's FDB
    # entry for the bridge's MAC can point at a port STP has blocked until it ages out.
    ip netns exec "$n" sysctl -qw net.ipv4.conf.all.arp_ignore=1
    ip -n "$n" link add xenbr0 type bridge stp_state 1 priority 32768 $timers
    for s in 1 2; do
        ip -n "$p-sw$s" link add "n${k}s$s" type veth peer name "peth$((s - 1))" netns "$n"
        ip -n "$p-sw$s" link set "n${k}s$s" master br0
        ip -n "$n" link set "peth$((s - 1))" master xenbr0
    done
    bridge -n "$n" link set dev peth0 cost 100 priority 32
    bridge -n "$n" link set dev peth1 cost 200 priority 32
    ip -n "$n" link add veth0 type veth peer name vif0.0
    ip -n "$n" link set vif0.0 master xenbr0
    ip -n "$n" addr add "192.0.2.1$k/24" dev veth0
    ip -n "$n" link add vif1.0 type veth peer name eth0 netns "$vm"
    ip -n "$n" link set vif1.0 master xenbr0
    ip -n "$vm" addr add "198.51.100.$k/24" dev eth0
    for i in lo xenbr0 peth0 peth1 veth0 vif0.0 vif1.0; do ip -n "$n" link set "$i" up; done
    for i in lo eth0; do ip -n "$vm" link set "$i" up; done
done
for s in 1 2; do for i in lo br0 isl n1s$s n2s$s; do ip -n "$p-sw$s" link set "$i" up; done; done
: > "$dir/pids"
for k in 1 2; do
    ip netns exec "$p-node$k" setsid "$xg" monitor --json --no-local-syslog --topology-poll 0.5 \
        --profile "$profiles/stp-two-switches.yaml" --inventory "$profiles/inventory.yaml" --node "$(test $k = 1 && echo dom0 || echo dom0m)" \
        > "$dir/node$k.monitor.jsonl" 2> "$dir/node$k.monitor.err" < /dev/null &
    echo $! >> "$dir/pids"
done
node() { # k
    cat <<J
{"name":"node$1","namespace":"$p-node$1","vmNamespace":"$p-node$1-vm","vmInterface":"eth0","vmPort":"vif1.0",
 "vmAddress":"198.51.100.$1/24","hostAddress":"192.0.2.1$1/24","heartbeat":null,"heartbeatAddress":null,
 "uplinks":[{"name":"peth0","switchIndex":0,"switchPort":"n$1s1"},{"name":"peth1","switchIndex":1,"switchPort":"n$1s2"}],
 "monitorLog":"$dir/node$1.monitor.jsonl"}
J
}
cat > "$dir/state.json" <<J
{"version":1,"name":"$name","profile":"profiles/stp-two-switches.yaml","redundancy":"stp","phase":"up","processes":[],
 "namespaces":["$p-sw1","$p-sw2","$p-node1","$p-node2","$p-node1-vm","$p-node2-vm"],
 "switches":[{"name":"switch1","namespace":"$p-sw1","bridge":"br0","interSwitchPort":"isl","ports":["isl","n1s1","n2s1"]},
             {"name":"switch2","namespace":"$p-sw2","bridge":"br0","interSwitchPort":"isl","ports":["isl","n1s2","n2s2"]}],
 "nodes":[$(node 1),$(node 2)]}
J
chmod 600 "$dir/state.json"
