#!/bin/sh
# Benchmark: `xg-scale drbd check` vs `drbdadm dump` on a generated configuration with 1000
# resources over 8 hosts (8.4 syntax, which drbdadm 9 reads too) holding 15 planted conflicts,
# all of which the check must report. Prints the findings by check, both times (best of RUNS)
# and the ratio; target <= 1x drbdadm. drbdadm's anchor is the same configuration without the
# conflicts: on the conflicting one it stops at the first (exit 10), after reading ~6% of it.
# Builds the release binary unless XG_SCALE is set.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
if [ -z "${XG_SCALE:-}" ]; then
    swift build -c release --product xg-scale >/dev/null
    XG_SCALE=$(swift build -c release --show-bin-path)/xg-scale
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

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
clean=$dir/clean.conf
conf=$dir/conflicts.conf
generate "$clean" 0
generate "$conf" 1

best() { # best wall time in microseconds of RUNS runs of "$@"
    b=""
    n=0
    while [ $n -lt "$RUNS" ]; do
        s=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        e=$(date +%s%N)
        t=$(((e - s) / 1000))
        if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
        n=$((n + 1))
    done
    echo "$b"
}

# Every finding of the conflicting configuration, by check (the count must be 15: 10 + 5).
json=$("$XG_SCALE" drbd check --config "$conf" --host host0 --no-local --json || true)
findings=$(printf '%s\n' "$json" | grep -o '"check" *: *"[a-z-]*"' | wc -l)
bycheck=$(printf '%s\n' "$json" | grep -o '"check" *: *"[a-z-]*"' | sed 's/.*"\([a-z-]*\)"$/\1/' | sort | uniq -c |
    awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
ours=$(best "$XG_SCALE" drbd check --config "$conf" --host host0 --no-local)
oursLocal=$(best "$XG_SCALE" drbd check --config "$conf" --host host0)
oursClean=$(best "$XG_SCALE" drbd check --config "$clean" --host host0 --no-local)
theirs=$(best drbdadm -c "$clean" dump)
theirsConf=$(best drbdadm -c "$conf" dump)
ms() { awk -v t="$1" 'BEGIN { printf "%.1f ms", t / 1000 }'; }
echo "config: 1000 resources, 8 hosts, $(wc -l <"$conf") lines"
echo "findings (conflicting config): $findings ($bycheck)"
echo "xg-scale drbd check --no-local:            $(ms "$ours") (clean config: $(ms "$oursClean"))"
echo "xg-scale drbd check (with local checks):   $(ms "$oursLocal")"
echo "drbdadm dump (clean config):               $(ms "$theirs")"
echo "drbdadm dump (conflicting config):         $(ms "$theirsConf") (stops at the first conflict, exit 10)"
awk -v a="$ours" -v b="$oursLocal" -v c="$theirs" 'BEGIN {
    if (c == 0) c = 1
    printf "ratio check/drbdadm dump: %.2fx (with local checks %.2fx), target <= 1x\n", a / c, b / c }'
