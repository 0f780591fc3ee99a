#!/bin/sh
# The shipped build: release, the Swift runtime linked in (scratch .build-static), every module,
# the Yams and ArgumentParser packages included, reaching generic type metadata through accessor
# functions instead of demangling type names at first use (Package.swift sets it for our own
# targets; -Xswiftc carries it to the dependencies too). The executable is linked
# position-dependent (Package.swift, the xg-scale target). Benchmarks/apply-notes.md, "no-pie".
#
#   sh scripts/release-build.sh [swift build options...]     -> .build-static/release/xg-scale
set -eu
cd "$(dirname "$0")/.."
exec swift build -c release --static-swift-stdlib --scratch-path .build-static --product xg-scale \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors "$@"
