# Bonding VM scenario: two 802.3ad bonds talking LACP to each other across veths: bond0 (our
# node) and swb in namespace sw (the "switch", system MAC 02:00:00:00:00:aa). Then the switch is
# reconfigured (swb down, another system MAC and port key, up again: a mis-patched or replaced
# switch whose cables stay up), then rebooted (swb deleted and created again with a third MAC).
# `xg-scale monitor --json` runs throughout; `show --json` and /proc/net/bonding/bond0 are read
# at each step. Sections "=== NAME"; Tests/BondVMTests/MonitorVMTests judges them.
set -eu
. /scenario/lib.sh   # wait_for, load_modules, ... (Tests/VM/lib.sh)

logged() { grep -q -- "$1" /tmp/monitor.json; }
partner() { grep -q "Partner Mac Address: $1" /proc/net/bonding/bond0; }
# Both of bond0's slaves in its active aggregator, in sync with the partner (port state 63).
in_sync() { [ "$(grep -c 'port state: 63' /proc/net/bonding/bond0)" -eq 4 ]; }
switch_bond() {   # MAC PORT-KEY: (re)make the switch's bond and enslave its two ports
    ip -n sw link add swb type bond mode 802.3ad miimon 100 lacp_rate fast \
        ad_actor_system "$1" ad_user_port_key "$2"
    for p in sw0 sw1; do ip -n sw link set "$p" down; ip -n sw link set "$p" master swb; done
    ip -n sw link set swb up
}
step() {   # NAME: /proc and show --json of this step
    echo "=== proc-$1"
    cat /proc/net/bonding/bond0
    echo "=== show-$1"
    xg-scale show --json
}

load_modules
ip netns add sw
ip link add peth0 type veth peer name sw0 netns sw
ip link add peth1 type veth peer name sw1 netns sw
switch_bond 02:00:00:00:00:aa 3
ip link add bond0 type bond mode 802.3ad miimon 100 lacp_rate fast
for p in peth0 peth1; do ip link set "$p" master bond0; done
ip link set bond0 up
wait_for 30 partner 02:00:00:00:00:aa
wait_for 30 in_sync
step first
echo "=== show-text"
xg-scale show

xg-scale monitor --json --topology-poll 1 >/tmp/monitor.json 2>/tmp/monitor.err &
monitor=$!
wait_for 30 logged '"event":"redundancy"'

# Reconfigured: the cables stay up, LACPDUs now come from another system with another key.
ip -n sw link set swb down
ip -n sw link set swb type bond ad_actor_system 02:00:00:00:00:bb ad_user_port_key 5
ip -n sw link set swb up
wait_for 30 partner 02:00:00:00:00:bb
wait_for 30 in_sync
wait_for 20 logged '"event":"lacp-partner".*02:00:00:00:00:bb'
step reconfigured

# Rebooted: the switch's bond is deleted (its ports go down) and made again.
ip -n sw link del swb
switch_bond 02:00:00:00:00:cc 7
wait_for 30 partner 02:00:00:00:00:cc
wait_for 30 in_sync
wait_for 20 logged '"event":"lacp-partner".*"to":"02:00:00:00:00:cc'
step rebooted

stop_monitor_and_report "$monitor"
