#!/bin/sh
# The shipped build: release, the Swift runtime linked in (scratch .build-static), every module,
# the Yams and ArgumentParser packages included, reaching generic type metadata through accessor
# functions instead of demangling type names at first use (Package.swift sets it for our own
# targets; -Xswiftc carries it to the dependencies too). No $ORIGIN run path (the Swift runtime is
# linked in: ld.so need not search the binary's directory, ~40 failed opens and stats per start,
# and a library dropped beside the binary is never loaded). The executable is linked
# position-dependent and exports no symbols (Package.swift, the xg-scale target).
#
# libstdc++ (which the Swift runtime calls) is linked in from its static archive (Debian's
# libstdc++-12-dev; the GCC Runtime Library Exception allows it): ld.so then resolves ~300 symbols
# at start instead of ~1 800, most of them libstdc++'s own. The directory made here holds only
# that archive and a libnl-route-3.0.pc; SwiftPM reads the .pc through --pkg-config-path and puts
# its -L before the compiler's own directories, so the Swift driver's -lstdc++ finds the archive.
# libnl stays a shared library (LGPL-2.1: Debian's libnl-3-200 and libnl-route-3-200, which the
# package depends on). Development builds use the system's .pc and the shared libstdc++.
# Benchmarks/apply-notes.md, "shipped-build" and "static-libs".
#
#   sh scripts/release-build.sh [swift build options...]     -> .build-static/release/xg-scale
set -eu
cd "$(dirname "$0")/.."
need() { echo "release-build.sh: $1 (scripts/install-deps.sh installs it)" >&2; exit 1; }
libs="$PWD/.build-static/static-libs"
mkdir -p "$libs"
rm -f "$libs/libnl-3.a" "$libs/libnl-route-3.a"   # (linked in by an earlier version of this script)
stdcxx=$(clang -print-file-name=libstdc++.a) || need "no clang on PATH"
[ -f "$stdcxx" ] || need "no static libstdc++.a (Debian: libstdc++-12-dev)"
ln -sf "$stdcxx" "$libs/libstdc++.a"
cflags=$(pkg-config --cflags libnl-route-3.0) || need "no pkg-config or libnl-route-3.0.pc (libnl-route-3-dev)"
version=$(pkg-config --modversion libnl-route-3.0)
cat > "$libs/libnl-route-3.0.pc.new" <<PC
Name: libnl-route
Description: libnl-route and libnl (shared), with -L to the static libstdc++ for the shipped xg-scale
Version: $version
Libs: -L$libs -lnl-route-3 -lnl-3
Cflags: $cflags
PC
# Rewritten only when it changes, so an unchanged build stays a no-op. SwiftPM keeps the link
# flags it read from a .pc in its build plan: a changed .pc drops that plan, so it is made again.
if cmp -s "$libs/libnl-route-3.0.pc.new" "$libs/libnl-route-3.0.pc" 2>/dev/null; then
  rm "$libs/libnl-route-3.0.pc.new"
else
  mv "$libs/libnl-route-3.0.pc.new" "$libs/libnl-route-3.0.pc"
  rm -f .build-static/release.yaml .build-static/*/release/description.json
fi
exec swift build -c release --static-swift-stdlib --scratch-path .build-static --product xg-scale --disable-local-rpath \
  --pkg-config-path "$libs" \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors "$@"
