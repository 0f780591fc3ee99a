# Bonding VM scenario: `xg-scale monitor --json` watches an active-backup bond over two veths
# (miimon 100) while the active slave's peer is cut and restored. Prints the monitor's JSON lines,
# its stderr and exit status (sections "=== NAME"); Tests/BondVMTests/MonitorVMTests judges them.
# No /dev/log in the VM: the monitor must say so once on stderr and go on.
set -eu

wait_for() {
    limit=$(( $1 * 10 )); shift
    i=0
    until "$@"; do
        i=$((i + 1))
        if [ "$i" -ge "$limit" ]; then echo "timed out waiting for: $*" >&2; return 1; fi
        sleep 0.1
    done
}
active_slave() { sed -n 's/^Currently Active Slave: //p' /proc/net/bonding/bond0; }
slaves_up() { [ "$(grep -c '^MII Status: up' /proc/net/bonding/bond0)" -eq 3 ]; }
logged() { grep -q -- "$1" /tmp/monitor.json; }
# A redundancy line of bond0 with from=$1 and to=$2 (keys are sorted: from comes before to).
redundancy() { grep '"event":"redundancy"' /tmp/monitor.json | grep -q "\"from\":\"$1\".*\"to\":\"$2\""; }

modprobe bonding max_bonds=0
modprobe veth
ip link add veth0 type veth peer name peer0
ip link add veth1 type veth peer name peer1
ip link add bond0 type bond mode active-backup miimon 100
ip link set veth0 master bond0
ip link set veth1 master bond0
ip link set peer0 up
ip link set peer1 up
ip link set bond0 up
wait_for 20 slaves_up

xg-scale monitor --json --topology-poll 1 >/tmp/monitor.json 2>/tmp/monitor.err &
monitor=$!
wait_for 30 logged '"event":"redundancy"'

active=$(active_slave)
case $active in
    veth0) peer=peer0 ;;
    veth1) peer=peer1 ;;
    *) echo "unexpected active slave '$active'" >&2; exit 1 ;;
esac
echo "=== active"
echo "$active"
ip link set "$peer" down
wait_for 20 logged '"event":"bond-failover"'
wait_for 20 redundancy ok degraded
echo "=== active-after-cut"
active_slave
ip link set "$peer" up
wait_for 20 redundancy degraded ok

kill -TERM "$monitor"
status=0
wait "$monitor" || status=$?
echo "=== exit"
echo "$status"
echo "=== events"
cat /tmp/monitor.json
echo "=== stderr"
cat /tmp/monitor.err
