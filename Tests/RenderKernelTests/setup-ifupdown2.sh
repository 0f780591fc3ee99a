#!/bin/sh
# Unpack Debian's ifupdown2 into DIR (default /opt/ifupdown2) WITHOUT installing it: installing
# the package would take over the machine's own network configuration. RenderKernelTests run
# it from there, inside throwaway network namespaces only.
set -eu
dir=${1:-/opt/ifupdown2}
if [ -f "$dir/usr/share/ifupdown2/__main__.py" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download ifupdown2 >/dev/null)
mkdir -p "$dir"
dpkg -x "$tmp"/ifupdown2_*.deb "$dir"
# ifupdown2 finds its configuration next to its package when /etc/network/ifupdown2 is absent.
mkdir -p "$dir/usr/share/ifupdown2/etc"
cp -r "$dir/etc/network" "$dir/usr/share/ifupdown2/etc/"
mkdir -p "$dir/bin"
ln -sf ../usr/share/ifupdown2/__main__.py "$dir/bin/ifup"
ln -sf ../usr/share/ifupdown2/__main__.py "$dir/bin/ifquery"
echo "ifupdown2 unpacked into $dir"
