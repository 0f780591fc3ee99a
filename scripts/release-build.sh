#!/bin/sh
# The shipped build: release, the Swift runtime linked in (scratch .build-static), every module,
# the Yams and ArgumentParser packages included, reaching generic type metadata through accessor
# functions instead of demangling type names at first use (Package.swift sets it for our own
# targets; -Xswiftc carries it to the dependencies too). No $ORIGIN run path (the Swift runtime is
# linked in: ld.so need not search the binary's directory, ~40 failed opens and stats per start,
# and a library dropped beside the binary is never loaded). The executable is linked
# position-dependent and exports no symbols (Package.swift, the xg-scale target).
# Benchmarks/apply-notes.md, "shipped-build".
#
#   sh scripts/release-build.sh [swift build options...]     -> .build-static/release/xg-scale
set -eu
cd "$(dirname "$0")/.."
exec swift build -c release --static-swift-stdlib --scratch-path .build-static --product xg-scale --disable-local-rpath \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors "$@"
