#!/bin/sh
# Benchmark: `xg-scale drbd check` vs `drbdadm dump` on a generated configuration with 1000
# resources over 8 hosts (8.4 syntax, which drbdadm 9 reads too). Prints both times (best of
# RUNS) and the ratio; target <= 1x drbdadm. Builds the release binary unless XG_SCALE is set.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
if [ -z "${XG_SCALE:-}" ]; then
    swift build -c release --product xg-scale >/dev/null
    XG_SCALE=$(swift build -c release --show-bin-path)/xg-scale
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
conf=$dir/drbd.conf
{
    echo 'global { usage-count no; }'
    echo 'common { net { protocol C; } disk { resync-rate 60M; } }'
    i=0
    while [ $i -lt 1000 ]; do
        a=$((i % 8)); b=$(((i + 1 + (i / 8) % 7) % 8))
        cat <<RES
resource r$i {
    device /dev/drbd$i minor $i;
    disk /dev/vg0/r$i;
    meta-disk internal;
    on host$a { address 10.0.0.$((a + 1)):$((7000 + i)); }
    on host$b { address 10.0.0.$((b + 1)):$((7000 + i)); }
}
RES
        i=$((i + 1))
    done
} >"$conf"

best() { # best wall time in ms of RUNS runs of "$@"
    b=""
    n=0
    while [ $n -lt "$RUNS" ]; do
        s=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        e=$(date +%s%N)
        t=$(((e - s) / 1000000))
        if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
        n=$((n + 1))
    done
    echo "$b"
}

findings=$("$XG_SCALE" drbd check --config "$conf" --host host0 --no-local --json | grep -c '"check"' || true)
ours=$(best "$XG_SCALE" drbd check --config "$conf" --host host0 --no-local)
oursLocal=$(best "$XG_SCALE" drbd check --config "$conf" --host host0)
theirs=$(best drbdadm -c "$conf" dump)
echo "config: 1000 resources, 8 hosts, $(wc -l <"$conf") lines; findings: $findings"
echo "xg-scale drbd check --no-local: ${ours} ms"
echo "xg-scale drbd check (with local checks): ${oursLocal} ms"
echo "drbdadm dump:                   ${theirs} ms"
awk -v a="$ours" -v b="$oursLocal" -v c="$theirs" 'BEGIN {
    if (c == 0) c = 1
    printf "ratio check/drbdadm: %.2fx (with local checks %.2fx), target <= 1x\n", a / c, b / c }'
