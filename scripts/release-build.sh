#!/bin/sh
# The shipped build: release, the Swift runtime linked in (scratch .build-static), every module,
# the Yams and ArgumentParser packages included, reaching generic type metadata through accessor
# functions instead of demangling type names at first use (Package.swift sets it for our own
# targets; -Xswiftc carries it to the dependencies too). No $ORIGIN run path (the Swift runtime is
# linked in: ld.so need not search the binary's directory, ~40 failed opens and stats per start,
# and a library dropped beside the binary is never loaded). The executable is linked
# position-dependent and exports no symbols (Package.swift, the xg-scale target).
#
# libnl and libstdc++ (which the Swift runtime calls) are linked in from Debian's static archives
# (libnl-3-dev, libnl-route-3-dev, libstdc++-12-dev). The directory made here holds only those
# archives and a libnl-route-3.0.pc that names them; SwiftPM reads it through --pkg-config-path
# and puts its -L before the compiler's own directories, so the driver's -lstdc++ finds the
# archive too. At start ld.so then maps three libraries instead of six and resolves ~110 symbols
# instead of ~1 800. Development builds link the shared libraries (the system's .pc).
# Benchmarks/apply-notes.md, "shipped-build" and "static-libs".
#
#   sh scripts/release-build.sh [swift build options...]     -> .build-static/release/xg-scale
set -eu
cd "$(dirname "$0")/.."
libs="$PWD/.build-static/static-libs"
mkdir -p "$libs"
link_static() {   # link_static ARCHIVE-PATH: found, linked into $libs
  [ -f "$1" ] || { echo "release-build.sh: no $1 (install the -dev package: scripts/install-deps.sh)" >&2; exit 1; }
  ln -sf "$1" "$libs/$(basename "$1")"
}
nl=$(pkg-config --variable=libdir libnl-route-3.0)
link_static "$nl/libnl-route-3.a"
link_static "$(pkg-config --variable=libdir libnl-3.0)/libnl-3.a"
link_static "$(clang -print-file-name=libstdc++.a)"
cat > "$libs/libnl-route-3.0.pc.new" <<PC
Name: libnl-route
Description: libnl-route and libnl, static, for the shipped xg-scale (scripts/release-build.sh)
Version: $(pkg-config --modversion libnl-route-3.0)
Libs: -L$libs -l:libnl-route-3.a -l:libnl-3.a
Cflags: $(pkg-config --cflags libnl-route-3.0)
PC
# Rewritten only when it changes, so an unchanged build stays a no-op.
cmp -s "$libs/libnl-route-3.0.pc.new" "$libs/libnl-route-3.0.pc" 2>/dev/null \
  && rm "$libs/libnl-route-3.0.pc.new" || mv "$libs/libnl-route-3.0.pc.new" "$libs/libnl-route-3.0.pc"
exec swift build -c release --static-swift-stdlib --scratch-path .build-static --product xg-scale --disable-local-rpath \
  --pkg-config-path "$libs" \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors "$@"
