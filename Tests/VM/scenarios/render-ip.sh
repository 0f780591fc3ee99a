# Bonding VM scenario: feed an `xg-scale render --format ip` batch (file ip.batch) to `ip -batch`
# on uplinks peth0/peth1 made as veths (their peers sw0/sw1 stand in for the switch ports), wait
# for every bond slave's MII to come up, then print what an admin would read: /proc/net/bonding/*,
# `xg-scale show --json` and `ip -d link show type bond` (sections "=== NAME").
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
# Every bond and every slave of it reports "MII Status: up".
all_slaves_up() {
    for b in /proc/net/bonding/*; do
        [ -e "$b" ] || return 1
        slaves=$(grep -c '^Slave Interface:' "$b" || true)
        [ "$slaves" -ge 1 ] || return 1
        [ "$(grep -c '^MII Status: up' "$b")" -eq $((slaves + 1)) ] || return 1
    done
}

modprobe bonding max_bonds=0
modprobe veth
modprobe bridge
ip link add peth0 type veth peer name sw0
ip link add peth1 type veth peer name sw1
ip link set sw0 up
ip link set sw1 up

echo "=== batch"
ip -batch ip.batch
echo "ip -batch: ok"
wait_for 20 all_slaves_up

for b in /proc/net/bonding/*; do
    echo "=== proc ${b##*/}"
    cat "$b"
done
echo "=== show"
xg-scale show --json
echo "=== ip-details"
ip -d link show type bond
