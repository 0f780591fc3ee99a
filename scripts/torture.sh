#!/bin/sh
# The slow adversarial variants (not in CI): huge and hostile inputs, each run under
# /usr/bin/time -v so its wall time and peak memory are printed. Every case also checks the
# behaviour (exit status, the error it must give), so a regression fails the run.
#
#   XG_SCALE=path/to/xg-scale sh scripts/torture.sh      (make torture builds release first)
#   TORTURE_TIMEOUT=SECONDS bounds each case (default 600; a hang shows as exit 124).
#
# Other torture-*.sh scripts next to this one (e.g. a monitor storm) are run afterwards.
set -eu
BIN=${XG_SCALE:-.build/release/xg-scale}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/xg-torture.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
failed=0

# run NAME EXPECTED-EXIT GREP-PATTERN -- COMMAND...: time it, print seconds and peak RSS, check
# the exit status and that the output (stdout+stderr) holds the pattern (if not empty).
run() {
  name=$1 want=$2 pattern=$3; shift 4
  rc=0
  timeout "${TORTURE_TIMEOUT:-600}" /usr/bin/time -v -o "$WORK/time" "$@" >"$WORK/out" 2>&1 || rc=$?
  secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time")
  user=$(sed -n 's/.*User time (seconds): //p' "$WORK/time")
  sys=$(sed -n 's/.*System time (seconds): //p' "$WORK/time")
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")
  lines=$(wc -l <"$WORK/out")
  bytes=$(wc -c <"$WORK/out")
  verdict=ok
  [ -z "$pattern" ] || grep -q -- "$pattern" "$WORK/out" || verdict="FAILED (no '$pattern' in the output)"
  [ "$rc" = "$want" ] || verdict="FAILED (exit $rc, want $want)"
  [ "$rc" = 124 ] && verdict="FAILED (killed after ${TORTURE_TIMEOUT:-600} s)"
  [ "$rc" -gt 128 ] && verdict="FAILED (killed by signal $((rc - 128)))"
  printf '%-44s wall %8s  cpu %6s s  peak %6s MB  out %6s lines %10s B  %s\n' "$name" "${secs:--}" \
    "$(echo "${user:-0} ${sys:-0}" | awk '{print $1 + $2}')" "$(( ${kb:-0} / 1024 ))" "$lines" "$bytes" "$verdict"
  [ "$verdict" = ok ] || { failed=1; head -c 2000 "$WORK/out"; }
}

echo "xg-scale torture ($BIN)"

# 10k resources all on one address and port: 9,999 port conflicts (and minors, disks).
python3 - "$WORK/conflicts.conf" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(10000):
        f.write(f"resource r{i} {{\n  device /dev/drbd{i % 100} minor {i % 100};\n  disk /dev/vg/r{i % 50};\n"
                f"  meta-disk internal;\n  on a {{ address 10.0.0.1:7788; }}\n  on b {{ address 10.0.0.2:7788; }}\n}}\n")
PY
run "drbd check: 10k conflicting resources" 2 "and .* more findings" -- \
  "$BIN" drbd check --config "$WORK/conflicts.conf" --no-local --host a
run "drbd check --json: 10k conflicting resources" 2 '"port-conflict"' -- \
  "$BIN" drbd check --config "$WORK/conflicts.conf" --no-local --host a --json

# A 6,900-file include chain: refused at the depth cap, no crash.
mkdir "$WORK/chain"
python3 - "$WORK/chain" <<'PY'
import sys
d = sys.argv[1]
for i in range(6900):
    with open(f"{d}/f{i}.conf", "w") as f:
        f.write(f'include "f{i + 1}.conf";\n' if i < 6899 else "resource r { on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; } device /dev/drbd0 minor 0; disk /dev/x; meta-disk internal; }\n")
PY
run "drbd check: 6,900-file include chain" 2 "nested more than" -- \
  "$BIN" drbd check --config "$WORK/chain/f0.conf" --no-local --host a

# Diamonds 30 levels deep (each level includes the next twice: 2^30 reads if not read once).
mkdir "$WORK/diamond"
python3 - "$WORK/diamond" <<'PY'
import sys
d = sys.argv[1]
for i in range(30):
    with open(f"{d}/d{i}.conf", "w") as f:
        f.write(f'include "d{i + 1}.conf";\ninclude "d{i + 1}.conf";\n')
with open(f"{d}/d30.conf", "w") as f:
    f.write("common { }\n")
PY
run "drbd check: 30 nested diamond includes" 0 "" -- \
  "$BIN" drbd check --config "$WORK/diamond/d0.conf" --no-local --host a

# A FIFO as the configuration and as an include: refused at once, never waited on.
mkfifo "$WORK/fifo.conf"
printf 'include "fifo.conf";\n' >"$WORK/with-fifo.conf"
run "drbd check: FIFO configuration" 1 "not a regular file" -- \
  "$BIN" drbd check --config "$WORK/fifo.conf" --no-local
run "drbd check: include of a FIFO" 2 "not a regular file" -- \
  "$BIN" drbd check --config "$WORK/with-fifo.conf" --no-local

# Profiles: a 50 MB one (over the 16 MiB cap: refused before parsing), and a 15 MB one with
# 300k addresses, every second one a duplicate in another spelling (human output capped at 50).
python3 - "$WORK" <<'PY'
import sys
d = sys.argv[1]
head = "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge: {name: br0, stp: {forward-delay: 4, max-age: 6}}\nhost:\n  addresses:\n"
with open(f"{d}/50mb.yaml", "w") as f:
    f.write(head)
    i = 0
    while f.tell() < 50 * 1000 * 1000:
        f.write(f"    - 2001:db8:{i >> 16:x}:{i & 0xffff:x}::1/64\n"); i += 1
with open(f"{d}/big.yaml", "w") as f:
    f.write(head)
    for i in range(150000):
        f.write(f"    - 2001:db8:{i >> 16:x}:{i & 0xffff:x}::1/64\n")
        f.write(f"    - 2001:0db8:{i >> 16:x}:{i & 0xffff:x}:0:0:0:1/64\n")
PY
run "validate: 50 MB profile" 1 "over the limit" -- "$BIN" validate "$WORK/50mb.yaml"
run "validate: 300k addresses, 150k duplicates" 1 "^and 1499[0-9][0-9] more diagnostics" -- "$BIN" validate "$WORK/big.yaml"
run "validate --json: 300k addresses, 150k dups" 1 '"valid" : false' -- "$BIN" validate --json "$WORK/big.yaml"

for extra in "$HERE"/torture-*.sh; do
  [ -e "$extra" ] || continue
  echo "== $extra"
  XG_SCALE="$BIN" sh "$extra" || failed=1
done
exit $failed
