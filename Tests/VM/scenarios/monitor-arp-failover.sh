# Bonding VM scenario: an active-backup bond with ARP monitoring (arp_interval 100, two targets,
# arp_validate all) across two linked "switch" namespaces, a target host behind each. The far
# side of the active switch dies (its ports to the other switch and to its target go down) while
# the bond's own cable stays up: the ARP monitor takes the slave down and the bond fails over;
# `xg-scale monitor --json` logs it. A second node (namespace node2) cabled the same way with
# miimon only stays on the dead path. Sections "=== NAME"; Tests/BondVMTests/MonitorVMTests
# judges them.
set -eu
. /scenario/lib.sh   # wait_for, load_modules, ... (Tests/VM/lib.sh)

logged() { grep -q -- "$1" /tmp/monitor.json; }
active_of() { sed -n 's/^Currently Active Slave: //p' "$1"; }
arp_down() { grep -A1 '^Slave Interface: peth0' /proc/net/bonding/bond0 | grep -q 'MII Status: down'; }
failed_over() { [ "$(cat /sys/class/net/bond0/bonding/active_slave)" = peth1 ]; }

load_modules
for n in sw1 sw2 tgt1 tgt2 node2; do ip netns add "$n"; done
for n in 1 2; do
    ip -n "sw$n" link add swbr type bridge
    ip -n "sw$n" link set swbr up
    ip -n "sw$n" link add "h$n" type veth peer name eth0 netns "tgt$n"
    ip -n "tgt$n" addr add "10.0.0.$n/24" dev eth0
    ip -n "tgt$n" link set eth0 up
done
ip -n sw1 link add x1 type veth peer name x2 netns sw2   # the link between the switches
# Our node: peth0 cabled to sw1 (port n0), peth1 to sw2 (port n1); node2: q0 to sw1, q1 to sw2.
ip link add peth0 type veth peer name n0 netns sw1
ip link add peth1 type veth peer name n1 netns sw2
ip -n node2 link add q0 type veth peer name m0 netns sw1
ip -n node2 link add q1 type veth peer name m1 netns sw2
for p in x1 h1 n0 m0; do ip -n sw1 link set "$p" master swbr; ip -n sw1 link set "$p" up; done
for p in x2 h2 n1 m1; do ip -n sw2 link set "$p" master swbr; ip -n sw2 link set "$p" up; done

ip link add bond0 type bond mode active-backup arp_interval 100 \
    arp_ip_target 10.0.0.1,10.0.0.2 arp_validate all
ip link set peth0 master bond0
ip link set peth1 master bond0
ip link set bond0 type bond primary peth0
ip link set bond0 up
ip addr add 10.0.0.100/24 dev bond0
ip -n node2 link add bond1 type bond mode active-backup miimon 100
ip -n node2 link set q0 master bond1
ip -n node2 link set q1 master bond1
ip -n node2 link set bond1 type bond primary q0
ip -n node2 link set bond1 up
ip -n node2 addr add 10.0.0.101/24 dev bond1
wait_for 30 all_slaves_up
ip netns exec node2 cat /proc/net/bonding/bond1 > /tmp/bond1.before

echo "=== before"
echo "active $(active_of /proc/net/bonding/bond0) node2 $(active_of /tmp/bond1.before)"
echo "=== show-before"
xg-scale show --json

xg-scale monitor --json --topology-poll 1 >/tmp/monitor.json 2>/tmp/monitor.err &
monitor=$!
wait_for 30 logged '"event":"redundancy"'

# The far side of sw1 dies; the cables peth0-n0 and q0-m0 stay up.
ip -n sw1 link set x1 down
ip -n sw1 link set h1 down
wait_for 20 arp_down
wait_for 20 failed_over
wait_for 20 logged '"event":"arp-link"'
wait_for 20 logged '"event":"bond-failover".*"to":"peth1"'
sleep 2   # two more miimon rounds of node2 would have seen it by now, were it to see it
echo "=== after"
ip netns exec node2 cat /proc/net/bonding/bond1 > /tmp/bond1.after
echo "active $(cat /sys/class/net/bond0/bonding/active_slave) node2 $(active_of /tmp/bond1.after)"
echo "=== carrier"
echo "peth0 $(cat /sys/class/net/peth0/carrier) q0 $(ip netns exec node2 cat /sys/class/net/q0/carrier)"
echo "=== proc"
cat /proc/net/bonding/bond0
echo "=== proc-node2"
cat /tmp/bond1.after
echo "=== show-after"
xg-scale show --json
echo "=== show-text"
xg-scale show

stop_monitor_and_report "$monitor"
