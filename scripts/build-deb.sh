#!/bin/sh
# Build dist/xg-scale_VERSION_ARCH.deb from the shipped binary (`make release`): the stripped binary
# in /usr/sbin, both manuals, bash/zsh/fish completions, the monitor's systemd unit, the example
# profiles, and Depends computed by dpkg-shlibdeps. The version is the binary's own `--version`.
# Needs dpkg-dev, binutils (strip), gzip; lintian when present (no E: tag may remain).
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-.build-static/release/xg-scale}
OUT=${OUT:-dist}
[ -x "$BIN" ] || { echo "build-deb: $BIN is missing (run: make release)" >&2; exit 1; }
VERSION=$("$BIN" --version)
ARCH=$(dpkg --print-architecture)
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT INT TERM
R=$STAGE/root
umask 022
install -d "$R/DEBIAN" "$R/usr/sbin" "$R/usr/share/man/man8" "$R/usr/share/man/man5" \
    "$R/usr/share/bash-completion/completions" "$R/usr/share/zsh/vendor-completions" \
    "$R/usr/share/fish/vendor_completions.d" "$R/lib/systemd/system" \
    "$R/usr/share/doc/xg-scale/examples"

install -m 755 "$BIN" "$R/usr/sbin/xg-scale"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$R/usr/sbin/xg-scale"

gzip -9n < man/xg-scale.8 > "$R/usr/share/man/man8/xg-scale.8.gz"
gzip -9n < man/xg-scale-profile.5 > "$R/usr/share/man/man5/xg-scale-profile.5.gz"

# bash-completion sources the file: no #! line (lintian: bash-completion-with-hashbang).
"$BIN" --generate-completion-script bash | sed '1{/^#!/d}' > "$R/usr/share/bash-completion/completions/xg-scale"
"$BIN" --generate-completion-script zsh > "$R/usr/share/zsh/vendor-completions/_xg-scale"
"$BIN" --generate-completion-script fish > "$R/usr/share/fish/vendor_completions.d/xg-scale.fish"

sed 's#/usr/local/sbin/xg-scale#/usr/sbin/xg-scale#g' contrib/xg-scale-monitor.service \
    > "$R/lib/systemd/system/xg-scale-monitor.service"

for p in profiles/*.yaml; do install -m 644 "$p" "$R/usr/share/doc/xg-scale/examples/"; done
install -d "$R/usr/share/doc/xg-scale/examples/drbd"
install -m 644 examples/drbd/lab.res "$R/usr/share/doc/xg-scale/examples/drbd/"
install -m 644 packaging/debian/copyright "$R/usr/share/doc/xg-scale/copyright"
install -d "$R/usr/share/lintian/overrides"
install -m 644 packaging/debian/lintian-overrides "$R/usr/share/lintian/overrides/xg-scale"
{
    echo "xg-scale ($VERSION) unstable; urgency=medium"
    echo
    echo "  * Built from the xg-scale source tree (see its git history)."
    echo
    echo " -- xg-scale authors <xg-scale@localhost.invalid>  $(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n > "$R/usr/share/doc/xg-scale/changelog.gz"
find "$R" -type d -exec chmod 755 {} +
find "$R/usr/share" "$R/lib" -type f -exec chmod 644 {} +

# Depends: what the binary links against, as Debian's shlibs files say (libnl, libc, ...;
# libstdc++ is linked in, scripts/release-build.sh).
mkdir -p "$STAGE/debian"
printf 'Source: xg-scale\n\nPackage: xg-scale\nArchitecture: any\n' > "$STAGE/debian/control"
DEPENDS=$(cd "$STAGE" && dpkg-shlibdeps -O root/usr/sbin/xg-scale 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPENDS" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
SIZE=$(du -sk --exclude=DEBIAN "$R" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE/" -e "s/@DEPENDS@/$DEPENDS/" \
    packaging/debian/control.in > "$R/DEBIAN/control"
(cd "$R" && find usr lib -type f -exec md5sum {} + | sort -k2) > "$R/DEBIAN/md5sums"
chmod 644 "$R/DEBIAN/control" "$R/DEBIAN/md5sums"

mkdir -p "$OUT"
DEB="$OUT/xg-scale_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$R" "$DEB" >/dev/null
echo "build-deb: $DEB ($(du -k "$DEB" | cut -f1) KiB), Depends: $DEPENDS"
if command -v lintian >/dev/null 2>&1; then
    lintian --fail-on error "$DEB" || { echo "build-deb: lintian reported errors" >&2; exit 1; }
fi
