#!/bin/sh
# Benchmark: how conflict finding and validation grow with input size (issue 15, item 6).
# `drbd check --no-local` on N resources that all share one address and port (every one is a
# port, minor and disk conflict), and `validate` on a profile with N addresses of which half are
# the other half in a second spelling, for N and 10 x N. Prints CPU seconds (best of RUNS) and
# the ratio of 10 x N to N: about 10-13 for O(n log n), 100 for the old pairwise scan. The
# anchor of the issue, 10k conflicting resources in 16.8 s, is printed beside the 10k figure.
# Builds the release binary unless XG_SCALE is set.
set -eu
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
bench_release_build
bench_tmp

python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
for n in (1000, 10000):
    with open(f"{d}/conf{n}", "w") as f:
        for i in range(n):
            f.write(f"resource r{i} {{ device /dev/drbd{i % 100} minor {i % 100}; disk /dev/vg/r{i % 50}; "
                    f"meta-disk internal; on a {{ address 10.0.0.1:7788; }} on b {{ address 10.0.0.2:7788; }} }}\n")
for n in (3000, 30000):
    with open(f"{d}/prof{n}", "w") as f:
        f.write("version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\n"
                "bridge: {name: br0, stp: {forward-delay: 4, max-age: 6}}\nhost:\n  addresses:\n")
        for i in range(n // 2):
            f.write(f"    - 2001:db8:{i >> 16:x}:{i & 0xffff:x}::1/64\n")
            f.write(f"    - 2001:0db8:{i >> 16:x}:{i & 0xffff:x}:0:0:0:1/64\n")
PY

# best CPU seconds (user + system) of RUNS runs of the command; its exit status must be $1.
best() {
    want=$1; shift
    b=""
    r=0
    while [ $r -lt "$RUNS" ]; do
        rc=0
        /usr/bin/time -f '%U %S' -o "$TMP/t" "$@" >/dev/null 2>&1 || rc=$?
        # (STRICT=0 measures an older binary that may not find the conflicts.)
        [ "$rc" = "$want" ] || [ "${STRICT:-1}" = 0 ] || { echo "exit $rc, want $want: $*" >&2; exit 1; }
        t=$(tail -n 1 "$TMP/t" | awk '{print $1 + $2}')
        if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$t; fi
        r=$((r + 1))
    done
    echo "$b"
}

c1=$(best 2 "$XG_SCALE" drbd check --config "$TMP/conf1000" --no-local --host a)
c10=$(best 2 "$XG_SCALE" drbd check --config "$TMP/conf10000" --no-local --host a)
v1=$(best 1 "$XG_SCALE" validate "$TMP/prof3000")
v10=$(best 1 "$XG_SCALE" validate "$TMP/prof30000")
growth() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 0.01; r = a / b; printf (r < 0.1 ? "%.3f" : "%.1f"), r }'; }
echo "drbd check, 1k conflicting resources:  ${c1} s CPU"
echo "drbd check, 10k conflicting resources: ${c10} s CPU  (x$(growth "$c10" "$c1") for 10x input; issue anchor 16.8 s: $(growth "$c10" 16.8)x of it)"
echo "validate, 3k addresses (1.5k dup):      ${v1} s CPU"
echo "validate, 30k addresses (15k dup):      ${v10} s CPU  (x$(growth "$v10" "$v1") for 10x input)"
