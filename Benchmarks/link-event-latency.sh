#!/bin/sh
# Event latency of the netlink event source (LinkEventStream) vs `ip monitor link`, on the same
# flaps: `link-watch --latency N` flaps a veth (admin down/up through netlink, as
# `ip link set X down/up` does) from a second thread, in a throwaway namespace, and times each
# flap to the stream's notification and to `ip -ts monitor link`'s line for it: first va's
# carrier while its peer vb flaps, then va's own admin state.
# Prints median and p99 of both and the ratio stream/ip-monitor (anchor: ip monitor).
#   Benchmarks/link-event-latency.sh [FLAPS]   (default 1000; needs root, iproute2, jq)
# Set CONFIG=release to time a release build (default: debug, the build tests use).
set -eu
FLAPS=${1:-1000}
CONFIG=${CONFIG:-debug}
. "$(dirname "$0")/lib.sh"
swift build -c "$CONFIG" --product link-watch >/dev/null
BIN=$(swift build -c "$CONFIG" --show-bin-path)/link-watch
bench_netns "xgb-$$-latency"
ip netns add "$NS"
ip netns exec "$NS" sh -ec 'ip link set lo up; ip link add va type veth peer name vb; ip link set vb up; ip link set va up'
report() {
  jq -r --arg config "$CONFIG" '
  "link event latency, \(.interface) \(.measured) (flapping \(.flapped); \(.flaps) flaps x down/up = \(.stream.samples) samples, \($config) build)",
  "  stream:     median \(.stream["median-ms"]) ms  p99 \(.stream["p99-ms"]) ms  max \(.stream["max-ms"]) ms  missed \(.stream.missed)",
  "  ip monitor: median \(.["ip-monitor"]["median-ms"]) ms  p99 \(.["ip-monitor"]["p99-ms"]) ms  max \(.["ip-monitor"]["max-ms"]) ms  missed \(.["ip-monitor"].missed)",
  "  ratio stream/ip-monitor: median \((.stream["median-ms"] / .["ip-monitor"]["median-ms"]) * 100 | round / 100)  p99 \((.stream["p99-ms"] / .["ip-monitor"]["p99-ms"]) * 100 | round / 100)  (target p99 <= 5 ms)"'
}
# Carrier: flap the peer vb, time va's carrier change (the figure issue 4 names).
ip netns exec "$NS" "$BIN" --latency "$FLAPS" --interface va --via vb --ip-monitor | report
# Admin state: flap va itself.
ip netns exec "$NS" "$BIN" --latency "$FLAPS" --interface va --ip-monitor | report
