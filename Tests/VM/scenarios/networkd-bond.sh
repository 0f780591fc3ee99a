# Bonding VM scenario: Debian's own systemd-networkd (the host's binary, run in a chroot of the
# host root shared read-only at /host, with /sys read-only so it does not wait for udev) consumes
# an `xg-scale render --format networkd` (the *.netdev and *.network files given to the scenario)
# on uplinks peth0/peth1 made as veths. Waits until networkd has configured every link named in
# the file `names`, then prints networkd's warnings, each link's state, /proc/net/bonding/bond0 and
# the iproute2 JSON dumps TestSupport's KernelView reads (sections "=== NAME").
set -eu
. /scenario/lib.sh   # wait_for, load_modules, make_uplinks (Tests/VM/lib.sh)

load_modules
make_uplinks
R=/host
[ -x "$R/lib/systemd/systemd-networkd" ] || { echo "no /lib/systemd/systemd-networkd on the host" >&2; exit 3; }
mount -o remount,ro "$R/sys"
mkdir -p "$R/run/systemd/network" "$R/run/systemd/netif"
cp ./*.netdev ./*.network "$R/run/systemd/network/"
chroot "$R" chown systemd-network:systemd-network /run/systemd/netif
chroot "$R" /usr/bin/env SYSTEMD_LOG_LEVEL=warning SYSTEMD_LOG_TARGET=console \
    /lib/systemd/systemd-networkd >/tmp/networkd.log 2>&1 &
NWD=$!

state_of() {
    i=$(cat "/sys/class/net/$1/ifindex" 2>/dev/null) || { echo absent; return; }
    sed -n 's/^ADMIN_STATE=//p' "$R/run/systemd/netif/links/$i" 2>/dev/null | grep . || echo none
}
configured() {
    kill -0 "$NWD" 2>/dev/null || return 0   # ended: report what there is
    for n in $(cat names); do [ "$(state_of "$n")" = configured ] || return 1; done
}
wait_for 120 configured || true
echo "=== states"
for n in $(cat names); do echo "$n $(state_of "$n")"; done
echo "=== networkd-running"
kill -0 "$NWD" 2>/dev/null && echo yes || echo no
echo "=== networkd-log"
cat /tmp/networkd.log
echo "=== proc bond0"
cat /proc/net/bonding/bond0 || true
echo "=== ip -j -d link show"
ip -j -d link show
echo "=== bridge -j link show"
bridge -j link show
echo "=== ip -j address show"
ip -j address show
echo "=== ip -4 -j route show"
ip -4 -j route show
echo "=== ip -6 -j route show"
ip -6 -j route show
kill "$NWD" 2>/dev/null || true
