#!/bin/sh
# Mutation check (`make mutants`, not in CI): plant small bugs one at a time in the pure cores and
# the engines, rebuild, run the narrow set of non-VM tests that should notice, restore the file,
# and list which mutants were killed and which survived. A survivor is a test to write, or a
# reason to write down next to the mutant below.
#
#   sh scripts/mutants.sh            every mutant
#   sh scripts/mutants.sh 3 11 12    only these
#   sh scripts/mutants.sh --list     the list, without running anything
#
# Each mutant is one sed expression on one file: when it no longer changes the file (the code
# moved), it is reported STALE and must be updated. Mutants marked root run kernel tests in
# throwaway namespaces (ShowTests, ApplyKernelTests): they are skipped when not root.
set -u
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
LOGS=.build/mutants
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
mkdir -p "$LOGS"
BACKUP=$(mktemp -d /tmp/xg-mutants.XXXXXX)
CURRENT=""

restore() {
    if [ -n "$CURRENT" ] && [ -f "$BACKUP/file" ]; then
        cp -p "$BACKUP/file" "$CURRENT"
        CURRENT=""
    fi
}
cleanup() { restore; rm -rf "$BACKUP"; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

LIST=0
[ "${1:-}" = "--list" ] && { LIST=1; shift; }
ONLY=" $* "
N=0
KILLED=""; SURVIVED=""; STALE=""; INVALID=""; SKIPPED=""; NOTESTS=""

# mutant ROOT FILE SED-EXPRESSION TEST-FILTER DESCRIPTION
mutant() {
    N=$((N + 1))
    needs=$1 file=$2 expr=$3 filter=$4 what=$5
    case "$ONLY" in "  ") ;; *" $N "*) ;; *) return ;; esac
    if [ "$LIST" = 1 ]; then printf '%2d %-5s %-40s %s\n   %s\n' "$N" "$needs" "$filter" "$what" "$file: $expr"; return; fi
    if [ "$needs" = root ] && [ "$(id -u)" != 0 ]; then SKIPPED="$SKIPPED $N"; echo "#$N skipped (needs root): $what"; return; fi
    cp -p "$file" "$BACKUP/file"
    CURRENT=$file
    sed -i -e "$expr" "$file"
    if cmp -s "$file" "$BACKUP/file"; then
        restore; STALE="$STALE $N"; echo "#$N STALE (the expression no longer matches $file): $what"; return
    fi
    log="$LOGS/$N.log"
    if ! $SWIFT build --build-tests >"$log" 2>&1; then
        restore; INVALID="$INVALID $N"; echo "#$N does not compile (see $log): $what"; return
    fi
    # A bounded run: a planted bug may make a test loop forever (that kills the mutant too).
    timeout -k 10 "$TEST_TIMEOUT" $SWIFT test --skip-build --filter "$filter" >>"$log" 2>&1
    status=$?
    restore
    if [ $status -eq 124 ] || [ $status -eq 137 ]; then
        KILLED="$KILLED $N"; echo "#$N killed by $filter (hung: stopped after $TEST_TIMEOUT s): $what"
    elif ! grep -Eq 'Test run with [1-9][0-9]* tests?|Executed [1-9][0-9]* tests?' "$log"; then
        NOTESTS="$NOTESTS $N"; echo "#$N ran no test for filter '$filter' (see $log)"
    elif [ $status -ne 0 ]; then
        KILLED="$KILLED $N"; echo "#$N killed by $filter: $what"
    else
        SURVIVED="$SURVIVED $N"; echo "#$N SURVIVED $filter: $what"
    fi
}

F=Sources/NodeNetwork/ProfileBridge.swift
mutant - $F 's/range: 2\.\.\.30, unit: " seconds"/range: 2...29, unit: " seconds"/' BoundsTests \
    "forward-delay range excludes its upper bound"
mutant - $F 's/range: 1\.\.\.10, unit: " seconds"/range: 2...10, unit: " seconds"/' BoundsTests \
    "hello-time range excludes its lower bound"
mutant - $F 's/path: "\\(path).priority", range: 0\.\.\.63/path: "\\(path).priority", range: 0...64/' BoundsTests \
    "port priority accepts 64"
mutant - Sources/NodeNetwork/ProfileHost.swift 's/range: 68\.\.\.65535, unit: " bytes"/range: 68...65534, unit: " bytes"/' BoundsTests \
    "host.mtu excludes 65535"
mutant - Sources/NodeNetwork/ProfileBond.swift 's/d.minLinks = reader.int(f.value, path: path, range: 0\.\.\.Int(Int32.max))/d.minLinks = reader.int(f.value, path: path, range: 1...Int(Int32.max))/' BoundsTests \
    "min-links refuses 0"

F=Sources/NodeNetwork/PlanSteps.swift
mutant - $F 's/if joinsDown(currentIndex\[m\].map { current.interfaces\[\$0\].kind }) { mayBeDown.insert(name) }/if joinsDown(currentIndex[m].map { current.interfaces[$0].kind }) { }/' PlanEdgeTests \
    "a slave released from a bond is left down"
mutant - $F 's/out.contains(.delete(name: peer)) { continue }/out.contains(.delete(name: peer)) { }/' PlanEdgeTests \
    "both ends of an owned veth pair deleted"
mutant - $F 's/let currentRoutes = current.routes.filter { !($0.device.map(gone.contains) ?? false) }/let currentRoutes = current.routes/' PlanEdgeTests \
    "a route through a deleted link is removed again"
mutant - $F 's/for name in owned where !isWanted(name) { unwanted.append(name) }/for name in owned { unwanted.append(name) }/' 'PlanTests|PlanEdgeTests' \
    "owned interfaces still wanted are deleted"
mutant - Sources/NodeNetwork/Plan.swift 's/public static let timerTolerance = 0.011/public static let timerTolerance = 0.0/' PlanTests \
    "bridge timers read back one tick off are not in sync"

F=Sources/NodeNetwork/Kinds/VethKind.swift
mutant - $F 's/return (second?.name ?? peerName) == v.name/return false/' GoldenTests \
    "networkd: the veth peer's MTU is lost"
mutant - $F 's/text += "\\n\[Peer\]\\nName=\\(second?.name ?? peerName)\\n"/text += "\\n[Peer]\\nName=\\(second?.name ?? peerName)\\n"; if let m = second?.mtu { text += "MTUBytes=\\(m)\\n" }/' GoldenTests \
    "networkd: MTUBytes back in [Peer] (systemd 252 ignores it)"

F=Sources/DRBD/PortConflicts.swift
mutant - $F 's/for v6 in \[false, true\] where v6 == b.v6 || wip == "::" {/for v6 in [false, true] where v6 == b.v6 {/' PortClashTests \
    ":: no longer clashes with an IPv4 address or wildcard"
mutant - $F 's/where v6 == b.v6 || wip == "::" || b.endpoint.ip == "::" {/where v6 == b.v6 || wip == "::" {/' PortClashTests \
    "the dual-stack clash is checked in one order only"
mutant - $F 's/if let i = specifics\[BucketKey(machine: b.machine, ip: "", v6: v6)\]?.earliest(notOf: b.resource, eps)/if let i = Optional<Int>.none/' PortClashTests \
    "a wildcard clash is checked with the wildcard first only"
F=Sources/DRBD/Checks.swift
mutant - $F 's/if s.ip == "::" { return true }/if s.ip == "::" { return e.family.isIPv6 }/' 'DRBDTests.CheckTests' \
    "a :: listener no longer holds the IPv4 port"

F=Sources/MonitorCore/Redundancy.swift
mutant - $F 's/if !master.up || usable.isEmpty {/if usable.isEmpty {/' SeverityMatrixTests \
    "an admin-down bridge or bond is not DOWN"
mutant - $F 's/i.master == group.name, i.up else {/i.master == group.name else {/' SeverityMatrixTests \
    "an admin-down port or slave counts as usable"
mutant - $F 's/usable.count == group.uplinks.count \&\& usable.count >= 2/usable.count == group.uplinks.count/' RedundancyTests \
    "one uplink is OK"

F=Sources/NodeNetwork/Kinds/DeviceKind.swift
mutant - $F 's/!(name.hasPrefix("vif") || name.hasPrefix("tap"))/!name.hasPrefix("vif")/' 'MonitorCoreTests.UplinkKindTests' \
    "a tap device counts as a redundancy uplink"

F=Sources/Netlink/Ifaces/Bond.swift
mutant - $F 's/i.bond ?? BondSettings(mode: "balance-rr")/i.bond ?? BondSettings(mode: "active-backup")/' 'NetlinkTests.LinkCreateTests' \
    "a bond created without settings is active-backup, not the kernel's balance-rr"

F=Sources/MonitorCore/Severity.swift
mutant - $F 's/case .ok: return initial ? .info : .notice/case .ok: return .notice/' SeverityMatrixTests \
    "the first OK is a notice"
mutant - $F 's/facility.rawValue \* 8 + severity.rawValue/facility.rawValue * 8/' MonitorCoreTests.FormatTests \
    "syslog PRI without the severity"

F=Sources/MonitorCore/Classifier.swift
mutant - $F 's/let sev: Severity = to == "down" ? .warning/let sev: Severity = to == "down" ? .notice/' SeverityMatrixTests \
    "a bond slave going down is a notice"
mutant - $F 's/severity: carrier == true ? .notice : .warning,/severity: .notice,/' SeverityMatrixTests \
    "a link that settles down after flapping is a notice"
mutant - $F 's/event: .bondFailover, severity: .warning,/event: .bondFailover, severity: .info,/' SeverityMatrixTests \
    "a bond failover is info"

F=Sources/MonitorCore/FlapDampener.swift
mutant - $F 's/if inWindow > settings.threshold {/if inWindow >= settings.threshold {/' DampeningTests \
    "flapping starts one change early"

F=Sources/Netlink/Ifaces/Bridge.swift
mutant root $F 's/cost: data.u32(Int(IFLA_BRPORT_COST)).map(Int.init),/cost: data.u16(Int(IFLA_BRPORT_PRIORITY)).map(Int.init),/' ShowTests \
    "show reads the port priority as its cost"
mutant root $F 's/data.u32(attribute).map { Double($0) \/ userHZ }/data.u32(attribute).map { Double($0 \/ 100) }/' ShowTests \
    "show truncates bridge timers to whole seconds"

F=Sources/NodeNetwork/NetworkState.swift
mutant root $F 's/case 1: self = .listening/case 1: self = .learning/' ShowTests \
    "show reports a listening port as learning (only the ip/bridge cross-check sees it)"

F=Sources/Apply/TimedRevert.swift
mutant - $F 's/clock.sleep(seconds: min(remaining, pollInterval))/clock.sleep(seconds: min(remaining, pollInterval) + 1)/' TimedRevertTests \
    "the watchdog restores a second late (a poll interval late is within its contract: restored within one poll interval of the deadline)"
mutant root Sources/Apply/SessionParts.swift 's/owned.interfaces = Array(Set(p.ownedBefore).union/owned.interfaces = Array(Set<String>().union/' 'TimedRevertTests|TimedRevertKernelTests|OwnershipKernelTests' \
    "the revert does not give ownership back"

# Wave 2, session 2: the drill's bound and gaps, the bond option mode rule, the 802.3ad/ARP events.
F=Sources/Lab/DrillBound.swift
mutant - $F 's/let detection = scenario.nodeSeesCarrierLoss ? t.helloMs : t.maxAgeMs + t.helloMs/let detection = t.helloMs/' DrillPureTests \
    "the inter-switch-link-cut bound forgets max-age"
F=Sources/Lab/ProbeStream.swift
mutant - $F 's/while j < received.count \&\& !received\[j\] { j += 1 }/while j < received.count \&\& !received[j] \&\& j < i + 1 { j += 1 }/' DrillPureTests \
    "a run of lost probes counts as one probe"
F=Sources/NodeNetwork/BondOptions.swift
mutant - $F 's/return modes.contains(mode)$/return true/' 'BondOptionTableTests|BondPlanDecisionTests' \
    "every bond option is taken in every mode"
F=Sources/MonitorCore/BondStateEvents.swift
mutant - $F 's/let severity: Severity = !was.hasPartner ? .notice : .warning/let severity: Severity = .notice/' BondStateEventTests \
    "a changed LACP partner is only a notice"
mutant - $F 's/let severity: Severity = ports < needed ? .crit/let severity: Severity = ports < 0 ? .crit/' BondStateEventTests \
    "an aggregator below min-links is not crit"
mutant - $F 's/let severity: Severity = to == "down" ? .warning/let severity: Severity = to == "down" ? .notice/' BondStateEventTests \
    "an ARP-monitor link down is only a notice"

[ "$LIST" = 1 ] && exit 0
echo "== rebuilding the unmutated tree"
$SWIFT build --build-tests >"$LOGS/restore.log" 2>&1 || echo "rebuild failed: see $LOGS/restore.log"
count() { set -- $1; echo $#; }
echo "== mutants: $(count "$KILLED") killed, $(count "$SURVIVED") survived, $(count "$STALE") stale, $(count "$INVALID") not compiling, $(count "$NOTESTS") without tests, $(count "$SKIPPED") skipped"
[ -n "$SURVIVED" ] && echo "survived:$SURVIVED"
[ -n "$STALE$INVALID$NOTESTS" ] && echo "to update:$STALE$INVALID$NOTESTS"
[ -z "$SURVIVED$STALE$INVALID$NOTESTS" ]
