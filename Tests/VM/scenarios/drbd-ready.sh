# `xg-scale drbd ready` against a real DRBD 8.4: the Debian 6.1 kernel's drbd.ko, a loop device
# as the backing disk with internal meta-data, drbd-utils' 8.4 tools from the host root (run.sh
# --host-root), and a peer that never connects. Prints one "=== STEP" section per check with the
# command's exit status and JSON verdict, and /proc/drbd as the kernel says it.
. /scenario/lib.sh
set -u
H="chroot /host"
S=/usr/lib/drbd/drbdsetup-84
modprobe loop && modprobe crc32c_generic && modprobe drbd || { echo "cannot load drbd/loop" >&2; dmesg | tail -20 >&2; exit 1; }
ip link set lo up
ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true
# drbdmeta locks under /var/lock (-> /run/lock, an empty tmpfs in the chroot).
mkdir -p /host/run/lock
dd if=/dev/zero of=/tmp/backing bs=1M count=64 2>/dev/null
losetup /dev/loop0 /tmp/backing || { echo "losetup failed" >&2; exit 1; }
$H /usr/sbin/drbdmeta --force 0 v08 /dev/loop0 internal create-md >/tmp/md.log 2>&1 ||
    { cat /tmp/md.log >&2; exit 1; }
cat > /tmp/drbd.conf <<'CONF'
resource r0 {
  net { protocol C; }
  on xg-vm { device /dev/drbd0 minor 0; disk /dev/loop0; meta-disk internal; address 127.0.0.1:7789; }
  on peer  { device /dev/drbd0 minor 0; disk /dev/loop0; meta-disk internal; address 127.0.0.2:7789; }
}
CONF

check() {
    echo "=== $1"
    xg-scale drbd ready r0 --config /tmp/drbd.conf --json
    echo "exit=$?"
    grep '^ *0:' /proc/drbd || echo "minor 0 not configured"
}

check before-up
$H $S new-resource r0 || exit 1
$H $S new-minor r0 0 0 || exit 1
$H $S attach 0 /dev/loop0 /dev/loop0 internal || exit 1
$H $S connect r0 ipv4:127.0.0.1:7789 ipv4:127.0.0.2:7789 --protocol=C || exit 1
check up-secondary
$H $S primary 0 --force || exit 1
check primary
$H $S secondary 0 || exit 1
check secondary
$H $S down r0 || exit 1
check down
losetup -d /dev/loop0
