# Bonding VM scenario: `xg-scale apply` of the bond example profiles (files bond-active-backup.yaml,
# bond-802.3ad.yaml, inventory.yaml; node dom0) on veth uplinks peth0/peth1 (peers sw0/sw1 stand
# in for the switch ports), in one boot:
#   - a fault at every step (XG_SCALE_FAULT_STEP) of active-backup from nothing (kind error) and
#     of the mode change active-backup -> 802.3ad (kinds error and signal);
#   - a real kernel refusal (IPv6 off, the profile asks for an IPv6 address) late in the same
#     applies: from nothing and during the mode change;
#   - each profile applied for real: /proc/net/bonding/bond0, show --json, plan, re-apply --json;
#   - lacp-rate changed on the up 802.3ad bond (the kernel takes it only while the bond is down);
#   - 802.3ad -> balance-xor (an edited copy), then back; again with a third slave the profile
#     does not name;
#   - the timed revert: apply --confirm-within, the apply killed, the watchdog restores.
# Sections "=== NAME"; the test (Tests/BondVMTests/ApplyVMTests.swift) judges them. The scenario
# itself only fails (non-zero) when it cannot run a step at all.
set -u
ST=/tmp/xg-state
X="--inventory inventory.yaml --node dom0 --state-dir $ST"
. /scenario/lib.sh   # wait_for, all_slaves_up, load_modules, ... (Tests/VM/lib.sh)
uptime_cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }
section() { echo "=== $*"; }
show() { xg-scale show --all --json; }
# A copy of profile $1 as $2 with sed expression $3; fails when the line to edit ($4) is missing.
edit() {
    grep -q -- "$4" "$1" || { echo "$1 has no '$4'" >&2; exit 3; }
    sed -e "$3" "$1" > "$2"
}
# Delete every link but lo, forget ownership, make fresh uplinks.
clean_slate() {
    delete_links
    rm -rf "$ST"
    make_uplinks
}
nsteps() { xg-scale plan "$1" $X --json | grep -c '"action"'; }
# faults NAME PROFILE KINDS: the state before, then for each kind and step K: apply with the
# fault, its status and stderr, and the state after.
faults() {
    n=$(nsteps "$2")
    section "before $1"
    show
    section "steps $1"
    echo "$n"
    t0=$(uptime_cs)
    for kind in $3; do
        k=1
        while [ "$k" -le "$n" ]; do
            XG_SCALE_FAULT_STEP=$k XG_SCALE_FAULT_KIND=$kind xg-scale apply "$2" $X >/tmp/out 2>/tmp/err
            rc=$?
            section "fault $1 $kind $k status"
            echo "$rc"
            section "fault $1 $kind $k stderr"
            cat /tmp/err
            section "fault $1 $kind $k show"
            show
            k=$((k + 1))
        done
    done
    section "time faults $1"
    echo $(( $(uptime_cs) - t0 ))
}
# refuse NAME PROFILE: IPv6 off in the VM, apply a profile with an IPv6 address: the state
# before and after, the status and stderr (--json on stdout).
refuse() {
    section "before refuse $1"
    show
    echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
    echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
    xg-scale apply "$2" $X --json >/tmp/out 2>/tmp/err
    rc=$?
    echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6
    echo 0 > /proc/sys/net/ipv6/conf/default/disable_ipv6
    section "refuse $1 status"
    echo "$rc"
    section "refuse $1 stderr"
    cat /tmp/err
    section "refuse $1 json"
    cat /tmp/out
    section "refuse $1 show"
    show
}
# apply_profile NAME PROFILE: apply (--json), the bond once its slaves are up, show, plan status,
# re-apply (--json).
apply_profile() {
    t0=$(uptime_cs)
    xg-scale apply "$2" $X --json >/tmp/out 2>/tmp/err
    rc=$?
    t1=$(uptime_cs)
    section "apply $1 status"
    echo "$rc"
    section "apply $1 stderr"
    cat /tmp/err
    section "apply $1 json"
    cat /tmp/out
    section "time apply $1"
    echo $((t1 - t0))
    wait_for 20 all_slaves_up
    section "proc $1"
    cat /proc/net/bonding/bond0
    section "show $1"
    show
    xg-scale plan "$2" $X >/dev/null 2>&1
    rc=$?
    section "plan $1 status"
    echo "$rc"
    t0=$(uptime_cs)
    xg-scale apply "$2" $X --json >/tmp/out 2>&1
    t1=$(uptime_cs)
    section "reapply $1 json"
    cat /tmp/out
    section "time reapply $1"
    echo $((t1 - t0))
}

load_modules || exit 2
AB=bond-active-backup.yaml
AD=bond-802.3ad.yaml
edit "$AB" ab6.yaml 's|addresses: \["${address}"\]|addresses: ["${address}", "${address6}"]|' 'addresses: \["${address}"\]'
edit "$AD" ad6.yaml 's|addresses: \["${address}"\]|addresses: ["${address}", "${address6}"]|' 'addresses: \["${address}"\]'
edit "$AD" slow.yaml 's|lacp-rate: fast|lacp-rate: slow|' 'lacp-rate: fast'
edit "$AD" xor.yaml 's|mode: 802.3ad|mode: balance-xor|; /lacp-rate:/d' 'mode: 802.3ad'

# 1. active-backup from nothing: faults, a refusal, then for real.
clean_slate
faults ab "$AB" error
refuse ab "ab6.yaml"
apply_profile ab "$AB"

# 2. Mode change active-backup -> 802.3ad (the bond exists with both slaves).
faults ab-ad "$AD" "error signal"
refuse ab-ad "ad6.yaml"
apply_profile ad-from-ab "$AD"

# 3. lacp-rate on the up 802.3ad bond, then back; 802.3ad -> balance-xor, then back.
apply_profile slow slow.yaml
apply_profile ad-from-slow "$AD"
apply_profile xor xor.yaml
apply_profile ad-from-xor "$AD"
# A slave the profile does not name (peth2) stays a slave through mode changes.
ip link add peth2 type veth peer name sw2
ip link set sw2 up
ip link set peth2 master bond0
apply_profile foreign-xor xor.yaml
apply_profile foreign-ad "$AD"

# 4. 802.3ad from nothing (its steps are those of active-backup, with other options).
clean_slate
refuse ad "ad6.yaml"
apply_profile ad "$AD"

# 5. Timed revert: apply active-backup (a mode change) with --confirm-within 3, kill the apply
#    once it reported, the watchdog restores the 802.3ad state.
section "before revert"
show
xg-scale apply "$AB" $X --confirm-within 3 --json >/tmp/revert.out 2>/tmp/revert.err &
apply_pid=$!
wait_for 60 grep -q '"applied" : true' /tmp/revert.out
kill -9 "$apply_pid"
section "revert applied show"
show
wait_for 30 sh -c "! [ -e $ST/pending.json ]"
section "revert restored show"
show
section "revert log"
cat "$ST/watchdog.log"
wait_for 20 all_slaves_up
section "revert proc"
cat /proc/net/bonding/bond0
xg-scale plan "$AD" $X >/dev/null 2>&1
section "revert plan status"
echo $?
section "end"
