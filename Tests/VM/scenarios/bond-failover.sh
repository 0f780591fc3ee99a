# Bonding VM scenario: an active-backup bond over two veths whose peers stay in the VM; cut the
# active slave's peer and let miimon fail over. Prints /proc/net/bonding/bond0 before and after
# (sections "=== NAME"); the test (Tests/BondVMTests) judges them.
set -eu
. /scenario/lib.sh   # wait_for, all_slaves_up, load_modules, ... (Tests/VM/lib.sh)

active_is_not() { a=$(active_slave); [ -n "$a" ] && [ "$a" != "$1" ] && [ "$a" != None ]; }
# `xg-scale show --json` once the build has it (sections show-before / show-after).
show_json() {
    if xg-scale show --help 2>/dev/null | grep -q -- '--json'; then
        echo "=== show-$1"
        xg-scale show --json
    fi
}

echo "=== modprobe"
# max_bonds=0: no automatic bond0; the bond is created through netlink by `ip`.
load_modules && echo "bonding loaded, veth loaded, bridge loaded"

make_active_backup_bond

echo "=== before"
cat /proc/net/bonding/bond0
show_json before

active=$(active_slave)
peer=$(peer_of "$active")
echo "=== cut"
echo "$peer"
ip link set "$peer" down
wait_for 20 active_is_not "$active"

echo "=== after"
cat /proc/net/bonding/bond0
show_json after
echo "=== ip-link"
ip -d link show bond0
