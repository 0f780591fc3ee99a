# What every benchmark shares; sourced first thing, as `. "$(dirname "$0")/lib.sh"`. It moves to
# the repository's root and sets BENCH (the script's name, for its messages). Nothing here
# measures: each script keeps its own method (perf's task-clock, wall time, CPU seconds).

BENCH=$(basename "$0")
cd "$(dirname "$0")/.."

# Clean-up on exit, even when cut short: bench_on_exit CMD runs CMD (evaluated then) when the
# script ends, the last registered first. INT, TERM, HUP and PIPE end the script through it.
BENCH_ON_EXIT=""
bench_on_exit() {
  BENCH_ON_EXIT="$1 || true
$BENCH_ON_EXIT"
}
trap 'eval "$BENCH_ON_EXIT"' EXIT
trap 'exit 1' INT TERM HUP PIPE

# Refuse to run without root (the benchmarks that make network namespaces).
bench_need_root() {
  [ "$(id -u)" = 0 ] || { echo "$BENCH: needs root (network namespaces)" >&2; exit 1; }
}

# bench_need PROGRAM WHERE: refuse to run without PROGRAM, saying where it comes from.
bench_need() {
  command -v "$1" >/dev/null || { echo "$BENCH: needs $1 ($2)" >&2; exit 1; }
}

# XG_SCALE, unless set: the shipped binary (release, Swift runtime linked in, scratch
# .build-static), built now. With an argument, says so on stderr first.
bench_static_build() {
  [ -z "${XG_SCALE:-}" ] || return 0
  XG_SCALE=.build-static/release/xg-scale
  [ $# -eq 0 ] || echo "building $XG_SCALE (sh scripts/release-build.sh)" >&2
  sh scripts/release-build.sh >/dev/null
}

# XG_SCALE, unless set: a release build against the shared Swift runtime (.build), built now.
bench_release_build() {
  [ -z "${XG_SCALE:-}" ] || return 0
  swift build -c release --product xg-scale >/dev/null
  XG_SCALE=$(swift build -c release --show-bin-path)/xg-scale
}

# TMP: a new temporary directory, removed on exit.
bench_tmp() {
  TMP=$(mktemp -d)
  bench_on_exit 'rm -rf "$TMP"'
}

# bench_netns NAME: NS=NAME, a namespace deleted on exit (the script creates it when it needs it).
bench_netns() {
  NS=$1
  bench_on_exit 'ip netns delete "$NS" 2>/dev/null'
}

# bench_profile FILE [GUESTS]: profiles/stp-two-switches.yaml with GUESTS guest veth pairs
# (default 63) under bridge.veths: one STP bridge, two uplinks, GUESTS + 1 veth ports.
bench_profile() {
  {
    sed -n '1,/^  ports:/p' profiles/stp-two-switches.yaml | sed '$d'
    echo "  veths:"
    _g=1
    while [ $_g -le "${2:-63}" ]; do echo "    - {name: vm$_g, peer: vm$_g-br}"; _g=$((_g + 1)); done
    sed -n '/^  ports:/,$p' profiles/stp-two-switches.yaml
  } > "$1"
}

# A fresh NS for the bench profile: its uplinks peth0/peth1 exist (as veths), and an empty state
# directory $TMP/state.
bench_fresh_ns() {
  if ip netns delete "$NS" 2>/dev/null; then
    # The kernel dismantles a deleted namespace in the background, under the RTNL lock every
    # request also takes: let it finish before the next measured run.
    sleep "${SETTLE:-1}"
  fi
  ip netns add "$NS"
  ip -n "$NS" link add peth0 type veth peer name peth0p
  ip -n "$NS" link add peth1 type veth peer name peth1p
  rm -rf "$TMP/state"; mkdir "$TMP/state"
}

# The median of the numbers in FILEs (or on stdin), one a line: the middle one, or the mean of
# the middle two, printed as awk prints a number.
median() {
  sort -n "$@" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# The same, the mean of the middle two rounded down: for counts (ns, us) that awk would print
# in e-notation.
median_int() {
  sort -n "$@" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

# ratio A B [FORMAT]: A / B, printed with FORMAT (printf), or as awk prints a number.
ratio() {
  awk -v a="$1" -v b="$2" -v f="${3:-}" 'BEGIN { if (f == "") print a / b; else printf f, a / b }'
}
