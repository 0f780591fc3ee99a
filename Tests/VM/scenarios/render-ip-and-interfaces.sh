# Bonding VM scenario (run.sh --host-root): the same desired state applied twice on a clean slate,
# first as an `ip -batch` of the ip render (file ip.batch), then by Debian's ifupdown2 from the
# interfaces render (file interfaces), run from the host's read-only root (/host; the unpacked
# ifupdown2 folder is named by file ifupdown2.path, default /opt/ifupdown2). After each, once
# every bond slave's MII is up: /proc/net/bonding/bond0 and `xg-scale show --json`, in sections
# "ip proc", "ip show", "ifup proc", "ifup show", then "ifquery" (`ifquery --check`). With files
# profile.yaml and inventory.yaml, `xg-scale apply` of the profile comes first (sections "apply
# status", "apply proc", "apply show"), on a clean slate too.
set -eu
. /scenario/lib.sh   # wait_for, all_slaves_up, load_modules, ... (Tests/VM/lib.sh)

[ -d /host/usr ] || { echo "no host root at /host (fix: run.sh --host-root)" >&2; exit 2; }
ifupdown2=/opt/ifupdown2
[ -f ifupdown2.path ] && ifupdown2=$(cat ifupdown2.path)
[ -e "/host$ifupdown2/bin/ifup" ] || { echo "no ifupdown2 in $ifupdown2 on the host" >&2; exit 2; }

load_modules

# With files profile.yaml and inventory.yaml: first `xg-scale apply` of the same profile (node
# dom0), sections "apply status", "apply proc", "apply show", then a clean slate.
if [ -f profile.yaml ]; then
    make_uplinks
    xg-scale apply profile.yaml --inventory inventory.yaml --node dom0 --state-dir /tmp/xg-state >/tmp/apply.out 2>&1
    rc=$?
    echo "=== apply status"
    echo "$rc"
    cat /tmp/apply.out >&2
    wait_for 20 all_slaves_up
    echo "=== apply proc"
    cat /proc/net/bonding/bond0
    echo "=== apply show"
    xg-scale show --json
    delete_links
fi

make_uplinks
ip -batch ip.batch
wait_for 20 all_slaves_up
echo "=== ip proc"
cat /proc/net/bonding/bond0
echo "=== ip show"
xg-scale show --json

delete_links
make_uplinks
cp interfaces /host/tmp/interfaces
mkdir -p /host/run/network /host/var/tmp/network
chroot /host /usr/bin/python3 "$ifupdown2/bin/ifup" -i /tmp/interfaces -a
wait_for 20 all_slaves_up
echo "=== ifup proc"
cat /proc/net/bonding/bond0
echo "=== ifup show"
xg-scale show --json
echo "=== ifquery"
chroot /host /usr/bin/python3 "$ifupdown2/bin/ifquery" -i /tmp/interfaces -a --check
