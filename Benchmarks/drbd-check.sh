#!/bin/sh
# Benchmark: `xg-scale drbd check` vs `drbdadm dump` on a generated configuration with 1000
# resources over 8 hosts (8.4 syntax, which drbdadm 9 reads too) holding 15 planted conflicts.
# Every planted conflict must be reported (named by check and resource) and nothing else, and
# every run's exit status must be the expected one (xg-scale: 2 on the conflicting config, 0 on
# the clean one; drbdadm: 0 on the clean one, non-zero on the conflicting one), else the
# benchmark fails (exit 1). The tools run interleaved, RUNS rounds, and the median of each is
# printed with the ratio; target <= 1x drbdadm. drbdadm's anchor is the same configuration
# without the conflicts: on the conflicting one it stops at the first (exit 10), after reading
# ~6% of it. Builds the release binary unless XG_SCALE is set.
set -eu
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-10}
bench_release_build
bench_tmp

# generate FILE CONFLICTS: 1000 resources over 8 hosts; with CONFLICTS=1, 15 planted conflicts
# (resource i+8 runs on host i%8 too: 10 of them reuse resource i's port there, 5 its minor).
generate() {
    {
        echo 'global { usage-count no; }'
        echo 'common { net { protocol C; } disk { resync-rate 60M; } }'
        i=0
        while [ $i -lt 1000 ]; do
            a=$((i % 8)); b=$(((i + 1 + (i / 8) % 7) % 8))
            port=$((7000 + i)); minor=$i
            if [ "$2" = 1 ] && [ $((i % 100)) -eq 8 ]; then port=$((7000 + i - 8)); fi
            if [ "$2" = 1 ] && [ $((i % 200)) -eq 58 ]; then minor=$((i - 8)); fi
            cat <<RES
resource r$i {
    device /dev/drbd$minor minor $minor;
    disk /dev/vg0/r$i;
    meta-disk internal;
    on host$a { address 10.0.0.$((a + 1)):$port; }
    on host$b { address 10.0.0.$((b + 1)):$port; }
}
RES
            i=$((i + 1))
        done
    } >"$1"
}
clean=$TMP/clean.conf
conf=$TMP/conflicts.conf
generate "$clean" 0
generate "$conf" 1

fail() { echo "drbd-check benchmark: FAIL: $*" >&2; exit 1; }

# timed NAME WANT CMD...: run once, append the wall time (us) to $TMP/NAME; WANT is the exit
# status required ("0", "2", or "nonzero").
timed() {
    name=$1 want=$2; shift 2
    s=$(date +%s%N)
    rc=0; "$@" >/dev/null 2>&1 || rc=$?
    e=$(date +%s%N)
    case $want in
        nonzero) [ "$rc" -ne 0 ] || fail "$name: exit 0, expected non-zero ($*)" ;;
        *) [ "$rc" -eq "$want" ] || fail "$name: exit $rc, expected $want ($*)" ;;
    esac
    echo $(((e - s) / 1000)) >>"$TMP/$name"
}

# The planted conflicts, as "CHECK RESOURCE" (the generator's rule): 10 port, 5 minor.
planted=$TMP/planted
i=0
while [ $i -lt 1000 ]; do
    if [ $((i % 100)) -eq 8 ]; then echo "port-conflict r$i"; fi
    if [ $((i % 200)) -eq 58 ]; then echo "minor-conflict r$i"; fi
    i=$((i + 1))
done | sort >"$planted"

# Every finding of the conflicting configuration, as "CHECK RESOURCE" (keys are printed sorted,
# one a line: check comes before resource in each finding).
rc=0; json=$("$XG_SCALE" drbd check --config "$conf" --host host0 --no-local --json) || rc=$?
[ "$rc" -eq 2 ] || fail "xg-scale drbd check on the conflicting config: exit $rc, expected 2"
printf '%s\n' "$json" | awk -F'"' '$2 == "check" { c = $4 } $2 == "resource" { print c, $4 }' | sort >"$TMP/found"
if ! cmp -s "$planted" "$TMP/found"; then
    diff "$planted" "$TMP/found" >&2 || true
    fail "the findings differ from the $(wc -l <"$planted") planted conflicts (< planted, > found)"
fi
findings=$(wc -l <"$TMP/found")
bycheck=$(awk '{ print $1 }' "$TMP/found" | sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')

n=0
while [ $n -lt "$RUNS" ]; do
    timed ours 2 "$XG_SCALE" drbd check --config "$conf" --host host0 --no-local
    timed theirs 0 drbdadm -c "$clean" dump
    timed oursLocal 2 "$XG_SCALE" drbd check --config "$conf" --host host0
    timed oursClean 0 "$XG_SCALE" drbd check --config "$clean" --host host0 --no-local
    timed theirsConf nonzero drbdadm -c "$conf" dump
    n=$((n + 1))
done
ours=$(median_int "$TMP/ours"); oursLocal=$(median_int "$TMP/oursLocal"); oursClean=$(median_int "$TMP/oursClean")
theirs=$(median_int "$TMP/theirs"); theirsConf=$(median_int "$TMP/theirsConf")
ms() { awk -v t="$1" 'BEGIN { printf "%.1f ms", t / 1000 }'; }
echo "config: 1000 resources, 8 hosts, $(wc -l <"$conf") lines; median of $RUNS interleaved runs"
echo "findings (conflicting config): $findings, all planted ones and no other ($bycheck)"
echo "xg-scale drbd check --no-local:            $(ms "$ours") (clean config: $(ms "$oursClean"))"
echo "xg-scale drbd check (with local checks):   $(ms "$oursLocal")"
echo "drbdadm dump (clean config):               $(ms "$theirs")"
echo "drbdadm dump (conflicting config):         $(ms "$theirsConf") (stops at the first conflict, exit 10)"
awk -v a="$ours" -v b="$oursLocal" -v c="$theirs" 'BEGIN {
    if (c == 0) c = 1
    printf "ratio check/drbdadm dump: %.2fx (with local checks %.2fx), target <= 1x\n", a / c, b / c }'
