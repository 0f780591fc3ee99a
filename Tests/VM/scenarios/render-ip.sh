# Bonding VM scenario: feed an `xg-scale render --format ip` batch (file ip.batch) to `ip -batch`
# on uplinks peth0/peth1 made as veths (their peers sw0/sw1 stand in for the switch ports), wait
# for every bond slave's MII to come up, then print what an admin would read: /proc/net/bonding/*,
# `xg-scale show --json` and `ip -d link show type bond` (sections "=== NAME").
set -eu
. /scenario/lib.sh   # wait_for, all_slaves_up, load_modules, ... (Tests/VM/lib.sh)

load_modules
make_uplinks

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
