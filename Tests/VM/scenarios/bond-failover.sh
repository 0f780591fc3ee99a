# Bonding VM scenario: an active-backup bond over two veths whose peers stay in the VM; cut the
# active slave's peer and let miimon fail over. Prints /proc/net/bonding/bond0 before and after
# (sections "=== NAME"); the test (Tests/BondVMTests) judges them.
set -eu

# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds; fail loudly otherwise.
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
slaves_up() { [ "$(grep -c '^MII Status: up' /proc/net/bonding/bond0)" -eq 3 ]; }   # bond + 2 slaves
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
modprobe bonding max_bonds=0 && echo "bonding loaded"
modprobe veth && echo "veth loaded"

ip link add veth0 type veth peer name peer0
ip link add veth1 type veth peer name peer1
ip link add bond0 type bond mode active-backup miimon 100
ip link set veth0 master bond0
ip link set veth1 master bond0
ip link set peer0 up
ip link set peer1 up
ip link set bond0 up
wait_for 20 slaves_up

echo "=== before"
cat /proc/net/bonding/bond0
show_json before

active=$(active_slave)
case $active in
    veth0) peer=peer0 ;;
    veth1) peer=peer1 ;;
    *) echo "unexpected active slave '$active'" >&2; exit 1 ;;
esac
echo "=== cut"
echo "$peer"
ip link set "$peer" down
wait_for 20 active_is_not "$active"

echo "=== after"
cat /proc/net/bonding/bond0
show_json after
echo "=== ip-link"
ip -d link show bond0
