#!/bin/sh
# The Debian package as an admin meets it: build it, check it with lintian (no E:), install it with
# dpkg, run `xg-scale --version` and `man xg-scale` from the installed files, remove it, and check
# that nothing it installed is left. Needs root (dpkg -i); under CI a missing prerequisite fails.
set -u
cd "$(dirname "$0")/../.."
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "ok   - $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL - $1"; }
check() { name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi; }

if [ "$(id -u)" -ne 0 ]; then
    if [ "${CI:-}" = true ]; then echo "test-deb: needs root (missing prerequisite under CI)" >&2; exit 1; fi
    echo "test-deb: skipped (needs root for dpkg -i)"; exit 0
fi
for p in dpkg-deb dpkg-shlibdeps lintian man strip; do
    command -v "$p" >/dev/null 2>&1 || { echo "test-deb: missing prerequisite $p (make deps)" >&2; exit 1; }
done
if dpkg-query -W -f='${Status}' xg-scale 2>/dev/null | grep -q 'install ok installed'; then
    echo "test-deb: xg-scale is installed on this machine already; refusing to remove it" >&2; exit 1
fi

BIN=.build-static/release/xg-scale
VERSION=$("$BIN" --version)
DEB=dist/xg-scale_${VERSION}_$(dpkg --print-architecture).deb
check "the package exists: $DEB" test -f "$DEB"
size=$(stat -c %s "$DEB")
check "the package is at most 25 MiB ($size bytes)" test "$size" -le $((25 * 1024 * 1024))
if lintian --fail-on error "$DEB" > /tmp/xg-lintian.$$ 2>&1; then ok "lintian: no E: tag"; else bad "lintian: $(grep '^E:' /tmp/xg-lintian.$$ | head -3)"; fi
rm -f /tmp/xg-lintian.$$
depends=$(dpkg-deb -f "$DEB" Depends)
case "$depends" in *libnl-3-200*libnl-route-3-200*|*libnl-route-3-200*libnl-3-200*) ok "Depends names libnl ($depends)";; *) bad "Depends lacks libnl: $depends";; esac
# libstdc++ is linked in (scripts/release-build.sh), libnl is not (LGPL-2.1: a shared library).
needed=$(readelf -d "$BIN" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
case "$needed" in *libstdc++*) bad "the binary loads libstdc++, meant to be linked in: $needed";; *libnl-route-3*) ok "libstdc++ linked in, libnl shared (loads: $needed)";; *) bad "the binary does not load libnl: $needed";; esac
case "$depends" in *libc6*) ok "Depends names libc6";; *) bad "Depends lacks libc6: $depends";; esac

files=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's#^\./#/#' | grep -v '/$')
for f in /usr/sbin/xg-scale /usr/share/man/man8/xg-scale.8.gz /usr/share/man/man5/xg-scale-profile.5.gz \
         /usr/share/bash-completion/completions/xg-scale /usr/share/zsh/vendor-completions/_xg-scale \
         /usr/share/fish/vendor_completions.d/xg-scale.fish /lib/systemd/system/xg-scale-monitor.service \
         /usr/share/doc/xg-scale/examples/stp-two-switches.yaml /usr/share/doc/xg-scale/copyright; do
    if echo "$files" | grep -qx "$f"; then ok "ships $f"; else bad "does not ship $f"; fi
done

cleanup() { dpkg --purge xg-scale >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM
if dpkg -i "$DEB" > /tmp/xg-dpkg.$$ 2>&1; then ok "dpkg -i installs it"; else bad "dpkg -i: $(tail -3 /tmp/xg-dpkg.$$)"; fi
rm -f /tmp/xg-dpkg.$$
check "the installed binary finds every library (ldd)" sh -c '! ldd /usr/sbin/xg-scale | grep -q "not found"'
got=$(/usr/sbin/xg-scale --version 2>&1)
if [ "$got" = "$VERSION" ]; then ok "xg-scale --version prints $VERSION"; else bad "xg-scale --version printed '$got', want '$VERSION'"; fi
check "man -w xg-scale finds the installed page" sh -c 'man -w xg-scale | grep -qx /usr/share/man/man8/xg-scale.8.gz'
check "man xg-scale renders the manual" sh -c 'MANPAGER=cat man xg-scale 2>/dev/null | grep -q "xg-scale"'
check "man 5 xg-scale-profile renders" sh -c 'MANPAGER=cat man 5 xg-scale-profile 2>/dev/null | grep -qi "profile"'
check "the bash completion loads and completes subcommands" bash -c '. /usr/share/bash-completion/completions/xg-scale && COMP_WORDS=(xg-scale ap) COMP_CWORD=1 && _xg-scale && printf "%s\n" "${COMPREPLY[@]}" | grep -qx apply'
check "the unit runs the packaged binary" grep -q '^ExecStart=/usr/sbin/xg-scale monitor' /lib/systemd/system/xg-scale-monitor.service
installed=$(dpkg -L xg-scale | while read -r f; do [ -f "$f" ] && echo "$f"; done)

if dpkg --purge xg-scale >/dev/null 2>&1; then ok "dpkg --purge removes it"; else bad "dpkg --purge failed"; fi
left=""
for f in $installed; do [ -e "$f" ] && left="$left $f"; done
if [ -z "$left" ]; then ok "nothing it installed is left"; else bad "left behind:$left"; fi
check "dpkg no longer lists it" sh -c '! dpkg-query -W -f="\${Status}" xg-scale 2>/dev/null | grep -q "install ok installed"'

echo "test-deb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
