# Shared by the bonding VM scenarios (scenarios/*.sh). run.sh puts this file at /scenario/lib.sh
# in every boot; a scenario reads it with `. /scenario/lib.sh`. `ip` here is iproute2 (the
# functions of /etc/xg-vm/prelude.sh, sourced before the scenario).

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

# Every bond has a slave, and the bond and every slave of it report "MII Status: up".
all_slaves_up() {
    for b in /proc/net/bonding/*; do
        [ -e "$b" ] || return 1
        slaves=$(grep -c '^Slave Interface:' "$b" || true)
        [ "$slaves" -ge 1 ] || return 1
        [ "$(grep -c '^MII Status: up' "$b")" -eq $((slaves + 1)) ] || return 1
    done
}

# The active slave of bond0 as /proc/net/bonding/bond0 says it.
active_slave() { sed -n 's/^Currently Active Slave: //p' /proc/net/bonding/bond0; }

# The modules the scenarios use. max_bonds=0: no automatic bond0 (the default max_bonds=1 makes
# one at load time); the scenario or the tool under test creates it through netlink.
load_modules() { modprobe bonding max_bonds=0 && modprobe veth && modprobe bridge; }

# Uplinks peth0/peth1: veths whose peers sw0/sw1 stand in for the switch ports.
make_uplinks() {
    ip link add peth0 type veth peer name sw0
    ip link add peth1 type veth peer name sw1
    ip link set sw0 up
    ip link set sw1 up
}

# Delete every link but lo (a veth takes its peer along).
delete_links() {
    for l in $(ip -o link show | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p'); do
        [ "$l" = lo ] || ip link del "$l" 2>/dev/null || true
    done
}

# An active-backup bond0 (miimon 100) of veth0 and veth1, whose peers peer0/peer1 stay in the
# VM; returns once the bond and both slaves are MII up.
make_active_backup_bond() {
    ip link add veth0 type veth peer name peer0
    ip link add veth1 type veth peer name peer1
    ip link add bond0 type bond mode active-backup miimon 100
    ip link set veth0 master bond0
    ip link set veth1 master bond0
    ip link set peer0 up
    ip link set peer1 up
    ip link set bond0 up
    wait_for 20 all_slaves_up
}

# peer_of SLAVE: the peer of veth0 or veth1 (cutting it takes the slave's carrier away).
peer_of() {
    case $1 in
        veth0) echo peer0 ;;
        veth1) echo peer1 ;;
        *) echo "unexpected active slave '$1'" >&2; return 1 ;;
    esac
}

# print_bond_sysfs [BOND]: every option file of /sys/class/net/BOND/bonding as "NAME VALUE"
# (a file the mode does not serve, such as ad_actor_system outside 802.3ad, prints nothing).
# Linux 6.1 has no sysfs file for ns_ip6_target: its line comes from `ip -d link show`.
print_bond_sysfs() {
    for f in /sys/class/net/${1:-bond0}/bonding/*; do
        v=$(cat "$f" 2>/dev/null | tr '\n' ' ') || continue
        echo "${f##*/} $v"
    done
    [ -e "/sys/class/net/${1:-bond0}/bonding/ns_ip6_target" ] ||
        echo "ns_ip6_target $(ip -d link show "${1:-bond0}" | sed -n 's/.* ns_ip6_target \([^ ]*\).*/\1/p' | tr ',' ' ')"
}

# The monitor scenarios: stop `xg-scale monitor` (pid $1, output in /tmp/monitor.json and
# /tmp/monitor.err) with TERM and print its exit status, events and stderr as sections.
stop_monitor_and_report() {
    kill -TERM "$1"
    status=0
    wait "$1" || status=$?
    echo "=== exit"
    echo "$status"
    echo "=== events"
    cat /tmp/monitor.json
    echo "=== stderr"
    cat /tmp/monitor.err
}
