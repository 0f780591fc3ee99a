#!/bin/sh
# Benchmark (issue 11): the user-space cost of loading a profile and an inventory, the first part
# of every apply. The profile is apply-cpu.sh's (one STP bridge, two uplinks, 64 veth ports) with
# profiles/inventory.yaml --node dom0; `xg-scale validate` runs the loader without root.
# The figure is callgrind's instruction count (it holds still on a machine other jobs share, unlike
# time) inside ProfileLoader.load and readInventory, and of the whole validate run. The anchor is
# the whole user-space instruction count of `ip -batch` applying the same profile's ip render
# (needs root: it runs in a fresh namespace); XG_SCALE_BASE adds another build (e.g. the one
# before a change) and its ratio.
#
#   sh Benchmarks/profile-load.sh            (valgrind; root for the ip -batch anchor)
#   XG_SCALE=new/xg-scale XG_SCALE_BASE=old/xg-scale sh Benchmarks/profile-load.sh
set -eu
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "profile-load.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
if [ -z "${XG_SCALE:-}" ]; then
  XG_SCALE=.build-static/release/xg-scale
  sh scripts/release-build.sh >/dev/null
fi
TMP=$(mktemp -d)
NS=xgload-$$
trap 'ip netns delete "$NS" 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM
{
  sed -n '1,/^  ports:/p' profiles/stp-two-switches.yaml | sed '$d'
  echo "  veths:"
  i=1; while [ $i -le 63 ]; do echo "    - {name: vm$i, peer: vm$i-br}"; i=$((i + 1)); done
  sed -n '/^  ports:/,$p' profiles/stp-two-switches.yaml
} > "$TMP/bench.yaml"
P="$TMP/bench.yaml --inventory profiles/inventory.yaml --node dom0"

# collected BINARY [TOGGLE...]: instructions callgrind collects in one validate run (only inside
# the toggled functions when given). The static binary's debug info makes valgrind give up: a
# copy without it is measured.
collected() {
  cp "$1" "$TMP/x"; strip -g "$TMP/x"; shift
  toggles=""
  for t in "$@"; do toggles="$toggles --toggle-collect=$t"; done
  # shellcheck disable=SC2086
  valgrind --tool=callgrind --callgrind-out-file="$TMP/cg" $toggles "$TMP/x" validate $P >/dev/null 2>"$TMP/vg" \
    || { tail -5 "$TMP/vg" >&2; exit 1; }
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$TMP/vg"
}
load() { collected "$1" '$s11NodeNetwork13ProfileLoaderO4load*' '$s8xg_scale13readInventory*'; }

NEW_LOAD=$(load "$XG_SCALE"); NEW_ALL=$(collected "$XG_SCALE")
ANCHOR=""
if [ "$(id -u)" = 0 ]; then
  "$XG_SCALE" render $P --format ip | grep -v '^#' > "$TMP/batch"
  ip netns add "$NS"
  ip -n "$NS" link add peth0 type veth peer name peth0p
  ip -n "$NS" link add peth1 type veth peer name peth1p
  ip netns exec "$NS" valgrind --tool=callgrind --callgrind-out-file="$TMP/cg-ip" ip -batch "$TMP/batch" >/dev/null 2>"$TMP/vg-ip" \
    || { tail -5 "$TMP/vg-ip" >&2; exit 1; }
  ANCHOR=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$TMP/vg-ip")
fi
awk -v l="$NEW_LOAD" -v a="$NEW_ALL" -v ip="$ANCHOR" 'BEGIN {
  printf "profile + inventory load: %.2f M instructions (whole validate %.2f M)\n", l / 1e6, a / 1e6
  if (ip != "") printf "ip -batch of the same profile (anchor): %.2f M instructions; load / ip -batch = %.2f\n", ip / 1e6, l / ip
  else print "ip -batch anchor: not measured (needs root)"
}'
if [ -n "${XG_SCALE_BASE:-}" ]; then
  BASE_LOAD=$(load "$XG_SCALE_BASE"); BASE_ALL=$(collected "$XG_SCALE_BASE")
  awk -v l="$NEW_LOAD" -v a="$NEW_ALL" -v bl="$BASE_LOAD" -v ba="$BASE_ALL" 'BEGIN {
    printf "base: load %.2f M (whole validate %.2f M); load new / base = %.2f, validate new / base = %.2f\n",
      bl / 1e6, ba / 1e6, l / bl, a / ba
  }'
fi
