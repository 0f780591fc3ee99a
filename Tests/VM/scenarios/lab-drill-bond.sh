# Bonding VM scenario: the bond profile's drill (issue 10). `xg-scale lab up` builds the two-switch
# lab with profiles/bond-active-backup.yaml (miimon 100, updelay 200) on both inventory nodes,
# `xg-scale lab drill --json` cuts node 1's active uplink (and powers switch1 off), `lab down`
# removes it all. Files: bond-active-backup.yaml inventory.yaml (run.sh puts them in the working
# folder). Prints sections "=== NAME"; Tests/BondVMTests/LabDrillVMTests judges them.
# Independently of xg-scale, node 1's /proc/net/bonding/bond0 is read while the cut holds.
# Probes every 20 ms, not the default 10: half the datagrams for the one TCG vCPU, fine enough
# that a failover within a miimon tick still loses a probe (outage > 0).
set -eu
. /scenario/lib.sh   # wait_for, load_modules (bonding with max_bonds=0, veth, bridge)

lab=vmlab
node1=xgl-$lab-dom0
interval=20

load_modules
echo "=== netns-before"
ip netns list

status=0
xg-scale lab up --name "$lab" --profile bond-active-backup.yaml --inventory inventory.yaml \
    >/tmp/up.out 2>/tmp/up.err || status=$?
echo "=== up-exit"
echo "$status"
echo "=== up-stderr"
cat /tmp/up.err

bonding() { ip netns exec "$node1" cat /proc/net/bonding/bond0; }
active_in_node1() { bonding | sed -n 's/^Currently Active Slave: //p'; }
# The other uplink than $1 is the active slave and $1's MII is down (read from the kernel's proc file).
other_active() {
    bonding > /tmp/bonding.now 2>/dev/null || return 1
    a=$(sed -n 's/^Currently Active Slave: //p' /tmp/bonding.now)
    [ -n "$a" ] && [ "$a" != "$1" ] &&
        awk -v s="$1" '/^Slave Interface:/ { cur = $3 } cur == s && /^MII Status:/ { print $3; exit }' /tmp/bonding.now |
        grep -qx down
}

if [ "$status" = 0 ]; then
    echo "=== bonding-before"
    bonding
    before=$(active_in_node1)
    # The drill in the background; watch node 1's bond while the cable is cut.
    xg-scale lab drill --name "$lab" --json --interval-ms "$interval" \
        --scenario active-uplink-cut --scenario switch-power-off >/tmp/drill.json 2>/tmp/drill.err &
    drill=$!
    seen=no
    while kill -0 "$drill" 2>/dev/null; do
        if other_active "$before"; then cp /tmp/bonding.now /tmp/bonding.cut; seen=yes; break; fi
        sleep 0.05
    done
    drill_status=0
    wait "$drill" || drill_status=$?
    echo "=== bonding-during-cut"
    [ "$seen" = yes ] && cat /tmp/bonding.cut
    echo "=== bonding-after"
    bonding
    echo "=== drill-exit"
    echo "$drill_status"
    echo "=== drill"
    cat /tmp/drill.json
    echo "=== drill-stderr"
    cat /tmp/drill.err
fi

down=0
xg-scale lab down --name "$lab" >/tmp/down.out 2>/tmp/down.err || down=$?
echo "=== down-exit"
echo "$down"
echo "=== down-stderr"
cat /tmp/down.err
echo "=== netns-after"
ip netns list
echo "=== links-after"
ip -o link show | awk -F': ' '{ print $2 }'
