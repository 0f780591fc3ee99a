#!/bin/sh
# Prepare the bonding VM: a Debian 6.1 kernel, the network modules it needs, and an initramfs with
# busybox, iproute2 and a static-stdlib build of xg-scale. Idempotent; everything is cached under
# .vm-cache/ (override with XG_VM_CACHE). See Tests/VM/README.md.
#
# Environment:
#   XG_VM_CACHE           cache folder (default: <package>/.vm-cache)
#   XG_VM_KERNEL_PACKAGE  kernel package to use (default: what linux-image-amd64 depends on,
#                         e.g. linux-image-6.1.0-56-amd64)
#   XG_VM_BINARY          use this xg-scale binary instead of building one (must be built with
#                         --static-swift-stdlib)
#   XG_VM_SKIP_BUILD=1    do not run `swift build`; use the binary already in .build-static
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${XG_VM_CACHE:-$ROOT/.vm-cache}
MODULES="tls llc stp bridge bonding veth"
# A real DRBD 8.4 (drbd.ko of the same kernel) on loop devices, for `xg-scale drbd ready`.
# crc32c_generic: libcrc32c asks the crypto API for "crc32c", which busybox modprobe cannot
# resolve by alias.
MODULES="$MODULES drbd loop crc32c_generic"
# For run.sh --host-root: the host's / read-only over virtio-9p (python3, ifupdown2 in a chroot).
MODULES="$MODULES virtio_pci 9pnet_virtio 9p"
# Real iproute2 inside the VM (busybox's `ip` cannot create bonds or veths, nor read -batch).
HOST_TOOLS="ip bridge"

say() { printf 'prepare: %s\n' "$*" >&2; }
die() { printf 'prepare: error: %s\n' "$*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg-deb cpio busybox ldd swift; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "'$tool' not found (fix: apt-get install --no-install-recommends busybox-static cpio; swift must be on PATH)"
done
for tool in $HOST_TOOLS; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (fix: apt-get install iproute2)"
done

mkdir -p "$CACHE/debs" "$CACHE/kernel"
# One prepare at a time per cache (two test processes may start together).
if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE/.lock"
    flock 9
fi

# --- 1. The kernel package ------------------------------------------------------------------
pkg=${XG_VM_KERNEL_PACKAGE:-}
if [ -z "$pkg" ]; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)\(-unsigned\)\{0,1\}$/\1/p' | head -n 1)
fi
if [ -z "$pkg" ]; then
    # No apt lists (offline, or apt-get update never ran): reuse the kernel already cached.
    if [ -f "$CACHE/kernel/current" ]; then
        say "apt-cache cannot resolve linux-image-amd64; reusing cached kernel $(cat "$CACHE/kernel/current")"
    else
        die "cannot resolve the Debian 12 kernel package (fix: apt-get update, or set XG_VM_KERNEL_PACKAGE=linux-image-6.1.0-N-amd64)"
    fi
else
    case $pkg in
        linux-image-6.1.0-*-amd64 | linux-image-6.1.0-*-amd64-unsigned) ;;
        *) die "kernel package '$pkg' is not a Debian 12 linux-image-6.1.0-*-amd64 (fix: set XG_VM_KERNEL_PACKAGE)" ;;
    esac
    deb=$(ls "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
    if [ -z "$deb" ]; then
        say "downloading $pkg"
        sandbox=""
        [ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
        # shellcheck disable=SC2086
        (cd "$CACHE/debs" && apt-get download $sandbox "$pkg" >&2) ||
            die "apt-get download $pkg failed (fix: apt-get update; check the Debian mirror)"
        deb=$(ls "$CACHE/debs/${pkg}_"*.deb | head -n 1)
    fi
    # Kernel release (uname -r) from the image path inside the package.
    if [ ! -s "$deb.kver" ]; then
        dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -n 's|^\./boot/vmlinuz-||p' | head -n 1 > "$deb.kver"
    fi
    kver=$(cat "$deb.kver")
    [ -n "$kver" ] || die "$deb holds no /boot/vmlinuz-*"
    kdir=$CACHE/kernel/$kver
    if [ ! -f "$kdir/.complete" ] || [ "$(cat "$kdir/requested" 2>/dev/null)" != "$MODULES" ]; then
        say "extracting vmlinuz-$kver and modules: $MODULES (with dependencies)"
        rm -rf "$kdir"
        mkdir -p "$kdir/x"
        dpkg-deb --fsys-tarfile "$deb" | tar -t | grep '\.ko$' > "$kdir/modules.list"
        # Resolve the dependency closure from each module's .modinfo `depends=` field, one tar pass
        # per level (the package is 70 MB of xz: each pass costs about 3 s).
        todo=$MODULES
        done_mods=" "
        first="./boot/vmlinuz-$kver"
        while [ -n "$todo" ]; do
            paths=""
            for m in $todo; do
                case $done_mods in *" $m "*) continue ;; esac
                done_mods="$done_mods$m "
                # Module names use '_' where file names may use '-'.
                pattern=$(printf '%s' "$m" | sed 's/[_-]/[_-]/g')
                path=$(grep -E "/${pattern}\.ko\$" "$kdir/modules.list" | head -n 1)
                [ -n "$path" ] || die "module $m not found in $deb"
                paths="$paths $path"
            done
            [ -n "$paths" ] || break
            # shellcheck disable=SC2086
            dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kdir/x" $first $paths
            first=""
            next=""
            for path in $paths; do
                next="$next $(tr '\0' '\n' < "$kdir/x/$path" | sed -n 's/^depends=//p' | tr ',' ' ')"
            done
            todo=$(echo $next)
        done
        mv "$kdir/x/boot/vmlinuz-$kver" "$kdir/vmlinuz"
        mkdir -p "$kdir/modules"
        mv "$kdir/x/lib/modules/$kver" "$kdir/modules/$kver"
        rm -rf "$kdir/x" "$kdir/modules.list"
        echo "$done_mods" > "$kdir/module-names"
        echo "$MODULES" > "$kdir/requested"
        touch "$kdir/.complete"
    fi
    echo "$kver" > "$CACHE/kernel/current.tmp" && mv "$CACHE/kernel/current.tmp" "$CACHE/kernel/current"
    # Drop older kernels (Debian moves to a new ABI now and then): the cache keeps one.
    for old in "$CACHE/debs/"*.deb; do
        [ "$old" = "$deb" ] || [ ! -e "$old" ] || { say "removing old $(basename "$old")"; rm -f "$old" "$old.kver"; }
    done
    for old in "$CACHE/kernel/"*/; do
        [ "${old%/}" = "$kdir" ] || [ ! -d "$old" ] || rm -rf "$old"
    done
fi
kver=$(cat "$CACHE/kernel/current")
kdir=$CACHE/kernel/$kver

# --- 2. xg-scale with the Swift runtime linked in -------------------------------------------
if [ -n "${XG_VM_BINARY:-}" ]; then
    binary=$XG_VM_BINARY
    [ -x "$binary" ] || die "XG_VM_BINARY=$binary is not an executable"
else
    binary=$ROOT/.build-static/debug/xg-scale
    if [ "${XG_VM_SKIP_BUILD:-0}" != 1 ]; then
        say "swift build --static-swift-stdlib --scratch-path .build-static --product xg-scale"
        (cd "$ROOT" && swift build --static-swift-stdlib --scratch-path "$ROOT/.build-static" \
            --product xg-scale >&2) || die "static build of xg-scale failed"
    fi
    [ -x "$binary" ] || die "$binary missing (fix: run without XG_VM_SKIP_BUILD)"
fi

# --- 3. The initramfs ------------------------------------------------------------------------
stage=$CACHE/root.tmp
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/usr/bin" "$stage/usr/sbin" "$stage/lib/modules" "$stage/proc" \
    "$stage/sys" "$stage/dev" "$stage/tmp" "$stage/run" "$stage/etc/xg-vm" "$stage/var/run" \
    "$stage/scenario/files"
ln -s bin "$stage/sbin"

# Copy a program and every shared library ldd lists (at the path ldd prints).
copy_with_libs() {
    src=$1 dest=$2
    cp -L "$src" "$stage/$dest"
    chmod 755 "$stage/$dest"
    ldd "$src" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
        while read -r lib; do
            [ -e "$stage$lib" ] && continue
            mkdir -p "$stage$(dirname "$lib")"
            cp -L "$lib" "$stage$lib"
        done
}

copy_with_libs "$(command -v busybox)" bin/busybox
# Debian's busybox-static runs its own applets before anything on PATH (FEATURE_SH_STANDALONE),
# so the real tools live in /usr/sbin and the scenario gets shell functions for them (prelude.sh).
for tool in $HOST_TOOLS; do copy_with_libs "$(command -v "$tool")" "usr/sbin/$tool"; done
# coreutils' env: `xg-scale lab drill` runs `/usr/bin/env ip ...`, and busybox's env would run
# its own `ip` applet (no -j, no netns) instead of iproute2 on PATH.
copy_with_libs /usr/bin/env usr/bin/env
for applet in $(busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"; done
for tool in $HOST_TOOLS; do
    printf '%s() { /usr/sbin/%s "$@"; }\n' "$tool" "$tool"
done > "$stage/etc/xg-vm/prelude.sh"

if command -v strip >/dev/null 2>&1; then
    strip -o "$stage/usr/bin/xg-scale.stripped" "$binary"
    copy_with_libs "$binary" usr/bin/xg-scale
    mv "$stage/usr/bin/xg-scale.stripped" "$stage/usr/bin/xg-scale"
else
    copy_with_libs "$binary" usr/bin/xg-scale
fi

cp -a "$kdir/modules/$kver" "$stage/lib/modules/$kver"
busybox depmod -b "$stage" "$kver"

cp "$ROOT/Tests/VM/init" "$stage/init"
chmod 755 "$stage/init"
echo "xg-vm" > "$stage/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$stage/etc/passwd"
printf 'root:x:0:\n' > "$stage/etc/group"
printf '%s\n' "$kver" > "$stage/etc/xg-vm-kernel"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$CACHE/initramfs.cpio.tmp"
mv "$CACHE/initramfs.cpio.tmp" "$CACHE/initramfs.cpio"
cp "$kdir/vmlinuz" "$CACHE/vmlinuz.tmp" && mv "$CACHE/vmlinuz.tmp" "$CACHE/vmlinuz"
rm -rf "$CACHE/root"
mv "$stage" "$CACHE/root"
say "ready: kernel $kver, initramfs $(du -m "$CACHE/initramfs.cpio" | cut -f1) MiB in $CACHE"
