# xg-scale — see README.md.
SWIFT      ?= swift
BIN        := .build/debug/xg-scale
MAN_DATE   := 2026-11-26
PROFILES   := $(wildcard profiles/*.yaml)
INVENTORY  := profiles/inventory.yaml
NODE       := dom0

.PHONY: all deps setup build demo test test-pure test-vm man check-man release deb test-deb bench clean torture mutants

all: build

# System packages (apt-get) and the unpacked ifupdown2.
deps:
	sh scripts/install-deps.sh

# Everything the tests need: packages, plus the qemu bonding VM (kernel and initramfs, cached).
setup: deps
	sh Tests/VM/prepare.sh

# The qemu bonding VM alone (kernel download and initramfs are cached in .vm-cache/).
test-vm: build
	sh Tests/VM/prepare.sh
	$(SWIFT) test --filter BondVMTests

build:
	$(SWIFT) build

# Render every example profile in every format, then show this machine's links (read only).
demo: deps build
	sh scripts/demo.sh $(BIN) $(INVENTORY) $(NODE)

# Everything CI runs: packages, build, the man page check, every test, then the Debian package
# built, linted, installed, run and removed.
# Two runs: Swift Testing runs synchronous tests on the cooperative pool (two threads on a
# two-core machine), so while two long kernel tests block there, the monitor service's async tests
# (fake sources, millisecond timers) get no thread for minutes. They run on their own, second.
ASYNC_TESTS := ^LinkMonitorTests\.
test: setup build check-man
	$(SWIFT) test --skip '$(ASYNC_TESTS)'
	$(SWIFT) test --filter '$(ASYNC_TESTS)'
	$(MAKE) test-deb

# Tests that need neither root nor the kernel.
test-pure: build
	$(SWIFT) test --filter 'NodeNetworkTests|DRBDTests|MonitorCoreTests|TimedRevertTests|OwnershipRulesTests|BatchPlanTests|ProcessesTests|CommandTests|VocabularyTests|PreflightPure|XGScaleTests'

# Plant small bugs one at a time and list the ones the tests miss (slow; not part of `make test`).
mutants: build
	sh scripts/mutants.sh

# man/xg-scale.8 is generated from the argument parser, with a pinned date.
man:
	$(SWIFT) package generate-manual --configuration debug --date $(MAN_DATE) --section 8 >/dev/null
	cp .build/plugins/GenerateManual/outputs/xg-scale/xg-scale.8 man/xg-scale.8

check-man:
	$(SWIFT) package generate-manual --configuration debug --date $(MAN_DATE) --section 8 >/dev/null
	@if ! diff -u man/xg-scale.8 .build/plugins/GenerateManual/outputs/xg-scale/xg-scale.8; then \
	  echo "man/xg-scale.8 is out of date with the code: run 'make man' and commit it" >&2; exit 1; fi
	@echo "man/xg-scale.8 matches the code"
	@v=$$(sed -n 's/^let xgScaleVersion = "\(.*\)"/\1/p' Sources/xg-scale/Version.swift); \
	  if ! head -1 man/xg-scale-profile.5 | grep -q "\"xg-scale $$v\""; then \
	  echo "man/xg-scale-profile.5's header does not say xg-scale $$v (Sources/xg-scale/Version.swift)" >&2; exit 1; fi

# The binary to ship: release, Swift runtime linked in (starts ~4.5 ms faster, smaller RSS, and
# runs on a node without a Swift toolchain; it needs only libnl-3/libnl-route-3 from Debian); libstdc++
# linked in too (scripts/release-build.sh).
RELEASE_BIN := .build-static/release/xg-scale
release:
	sh scripts/release-build.sh

# The Debian package: dist/xg-scale_VERSION_ARCH.deb (see scripts/build-deb.sh).
deb: release
	sh scripts/build-deb.sh

# Build, lint, install, run and remove the package (root: dpkg -i; see Tests/Package/test-deb.sh).
test-deb: deb
	sh Tests/Package/test-deb.sh

# Every benchmark, on the shipped build (root: they use throwaway namespaces). Benchmarks/lib.sh
# is what they share, not a benchmark.
bench: release
	@for b in Benchmarks/*.sh; do [ "$$b" != Benchmarks/lib.sh ] || continue; echo "== $$b"; XG_SCALE=$(RELEASE_BIN) STATIC=1 CONFIG=release sh "$$b" || exit 1; done

# The slow adversarial variants (not in CI): huge and hostile inputs, with time and peak memory.
torture:
	$(SWIFT) build -c release --product xg-scale
	XG_SCALE=.build/release/xg-scale sh scripts/torture.sh

clean:
	rm -rf .build .build-* dist
