# Bonding VM scenario: every bond option the profile takes, read back from sysfs as an admin
# would (Tests/BondVMTests/BondOptionsVMTests.swift judges the sections "=== NAME"):
#   1. `xg-scale apply` of each profile named in the file `order` in turn (mode changes
#      included): apply status, /sys/class/net/bond0/bonding/*, /proc/net/bonding/bond0, and
#      `plan --json` after it (verify: nothing left to do);
#   2. the networkd render in `networkd/` (files *.netdev, *.network) consumed by Debian's
#      systemd-networkd 252 (host root at /host): its log and the sysfs options;
#   3. the file `interfaces` brought up by Debian's ifupdown2 3.0.0: sysfs options.
set -u
. /scenario/lib.sh   # wait_for, load_modules, make_uplinks, delete_links, print_bond_sysfs
ST=/tmp/xg-state
load_modules

make_uplinks
for p in $(cat order); do
    xg-scale apply "$p" --inventory inventory.yaml --node dom0 --state-dir $ST >/tmp/out 2>/tmp/err
    echo "=== apply $p status"; echo $?
    echo "=== apply $p stderr"; cat /tmp/err
    echo "=== sysfs $p"; print_bond_sysfs
    echo "=== proc $p"; cat /proc/net/bonding/bond0
    echo "=== plan $p"; xg-scale plan "$p" --inventory inventory.yaml --node dom0 --state-dir $ST --json
done
delete_links

R=/host
if [ -d "$R/usr" ] && ls ./*.netdev >/dev/null 2>&1; then
    make_uplinks
    mount -o remount,ro "$R/sys"
    mkdir -p "$R/run/systemd/network" "$R/run/systemd/netif"
    cp ./*.netdev ./*.network "$R/run/systemd/network/"
    chroot "$R" chown systemd-network:systemd-network /run/systemd/netif
    chroot "$R" /usr/bin/env SYSTEMD_LOG_LEVEL=warning SYSTEMD_LOG_TARGET=console \
        /lib/systemd/systemd-networkd >/tmp/networkd.log 2>&1 &
    NWD=$!
    both_enslaved() { grep -q peth0 /sys/class/net/bond0/bonding/slaves 2>/dev/null && grep -q peth1 /sys/class/net/bond0/bonding/slaves; }
    wait_for 60 both_enslaved || true
    sleep 1
    echo "=== networkd sysfs"; print_bond_sysfs
    kill "$NWD" 2>/dev/null; wait "$NWD" 2>/dev/null
    echo "=== networkd log"; cat /tmp/networkd.log
    rm -f "$R"/run/systemd/network/*
    mount -o remount,rw "$R/sys" 2>/dev/null || true
    delete_links
fi

if [ -f interfaces ]; then
    ifupdown2=/opt/ifupdown2
    [ -f ifupdown2.path ] && ifupdown2=$(cat ifupdown2.path)
    make_uplinks
    cp interfaces /host/tmp/interfaces
    mkdir -p /host/run/network /host/var/tmp/network
    chroot /host /usr/bin/python3 "$ifupdown2/bin/ifup" -i /tmp/interfaces -a >/tmp/ifup.out 2>&1
    echo "=== ifup status"; echo $?
    echo "=== ifup log"; cat /tmp/ifup.out
    echo "=== ifup sysfs"; print_bond_sysfs
fi
exit 0
