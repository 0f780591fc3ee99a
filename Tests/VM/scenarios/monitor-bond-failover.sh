# Bonding VM scenario: `xg-scale monitor --json` watches an active-backup bond over two veths
# (miimon 100) while the active slave's peer is cut and restored. Prints the monitor's JSON lines,
# its stderr and exit status (sections "=== NAME"); Tests/BondVMTests/MonitorVMTests judges them.
# No /dev/log in the VM: the monitor must say so once on stderr and go on.
set -eu
. /scenario/lib.sh   # wait_for, all_slaves_up, load_modules, ... (Tests/VM/lib.sh)

logged() { grep -q -- "$1" /tmp/monitor.json; }
# A redundancy line of bond0 with from=$1 and to=$2 (keys are sorted: from comes before to).
redundancy() { grep '"event":"redundancy"' /tmp/monitor.json | grep -q "\"from\":\"$1\".*\"to\":\"$2\""; }

load_modules
make_active_backup_bond

xg-scale monitor --json --topology-poll 1 >/tmp/monitor.json 2>/tmp/monitor.err &
monitor=$!
wait_for 30 logged '"event":"redundancy"'

active=$(active_slave)
peer=$(peer_of "$active")
echo "=== active"
echo "$active"
ip link set "$peer" down
wait_for 20 logged '"event":"bond-failover"'
wait_for 20 redundancy ok degraded
echo "=== active-after-cut"
active_slave
ip link set "$peer" up
wait_for 20 redundancy degraded ok

stop_monitor_and_report "$monitor"
