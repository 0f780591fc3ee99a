#!/bin/sh
# Boot the bonding VM once with a scenario, print its output, exit with its status.
#
#   Tests/VM/run.sh [--timeout SECONDS] [--console FILE] [--host-root] SCENARIO [FILE...]
#
# SCENARIO is a shell script (busybox sh) run as root inside the VM from /scenario/files, where
# every FILE (or directory) given after it is copied by its base name; Tests/VM/lib.sh (the
# scenarios' shared functions) is at /scenario/lib.sh. The scenario's stdout and
# stderr are printed on this script's stdout and stderr; the exit status is the scenario's.
# Exit 124: the scenario did not finish in time (the guest's watchdog killed it, its output so far
# is printed; or, when the guest itself hung, the host killed qemu); 125: the VM died without
# reporting a status (kernel panic, bad initramfs); 2: usage or missing cache (run prepare.sh).
# --host-root: the host's / is shared READ-ONLY (qemu virtfs readonly=on) at /host in the VM, for
# tools the initramfs lacks (`chroot /host python3 ...`); it costs about a second of boot.
# Needs Tests/VM/prepare.sh to have run. No network: the VM has no NIC at all.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${XG_VM_CACHE:-$ROOT/.vm-cache}
timeout=${XG_VM_TIMEOUT:-180}
console_copy=""
host_root=0

usage() { echo "usage: $0 [--timeout SECONDS] [--console FILE] [--host-root] SCENARIO [FILE...]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
        --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
        --console) [ $# -ge 2 ] || usage; console_copy=$2; shift 2 ;;
        --host-root) host_root=1; shift ;;
        --) shift; break ;;
        -*) usage ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || usage
scenario=$1; shift
[ -f "$scenario" ] || { echo "run: error: scenario $scenario not found" >&2; exit 2; }
for f in "$@"; do [ -e "$f" ] || { echo "run: error: file $f not found" >&2; exit 2; }; done
for f in vmlinuz initramfs.cpio; do
    [ -f "$CACHE/$f" ] || { echo "run: error: $CACHE/$f missing (fix: run Tests/VM/prepare.sh)" >&2; exit 2; }
done
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
    { echo "run: error: qemu-system-x86_64 not found (fix: apt-get install --no-install-recommends qemu-system-x86)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/xg-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# A second cpio archive appended to the cached one: the kernel unpacks both, in order.
mkdir -p "$work/overlay/scenario/files"
cp "$scenario" "$work/overlay/scenario/run.sh"
cp "$ROOT/Tests/VM/lib.sh" "$work/overlay/scenario/lib.sh"   # the scenarios' shared functions
for f in "$@"; do cp -R "$f" "$work/overlay/scenario/files/"; done
(cd "$work/overlay" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$work/overlay.cpio"
cat "$CACHE/initramfs.cpio" "$work/overlay.cpio" > "$work/initrd"
: > "$work/console" ; : > "$work/stdout" ; : > "$work/stderr"

# The guest kills the scenario (TERM, then KILL 2 s later) a margin before the host kills qemu,
# so the scenario's output still comes out. The guest's clock starts after the boot (5-10 s under
# TCG), hence a wide margin: min(20 s, timeout / 2).
margin=$((timeout / 2 < 20 ? timeout / 2 : 20))
guest_timeout=$((timeout - margin))
extra=""
append=""
if [ "$host_root" = 1 ]; then
    extra="-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
    append=" xgvm.hostroot=1"
fi
set +e
# shellcheck disable=SC2086
timeout -k 5 "$timeout" qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nodefaults -no-reboot \
    -display none -nic none \
    -kernel "$CACHE/vmlinuz" -initrd "$work/initrd" \
    -append "console=ttyS0 panic=-1 quiet xgvm.timeout=$guest_timeout$append" $extra \
    -serial "file:$work/console" -serial "file:$work/stdout" -serial "file:$work/stderr" \
    </dev/null >"$work/qemu.log" 2>&1
qemu_status=$?
set -e

[ -n "$console_copy" ] && tr -d '\r' < "$work/console" > "$console_copy"
cat "$work/stdout"
cat "$work/stderr" >&2
status=$(tr -d '\r' < "$work/console" | sed -n 's/.*XG-VM: end status=\([0-9]*\).*/\1/p' | tail -n 1)
if [ -n "$status" ]; then
    exit "$status"
fi
if [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
    echo "run: error: the VM did not finish within $timeout s; qemu killed (fix: raise --timeout; console follows)" >&2
    code=124
else
    echo "run: error: the VM stopped without a scenario status (qemu exit $qemu_status); console follows" >&2
    code=125
fi
cat "$work/qemu.log" >&2
tr -d '\r' < "$work/console" | tail -n 40 >&2
exit $code
