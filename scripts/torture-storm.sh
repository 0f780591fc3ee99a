#!/bin/sh
# A link storm against `xg-scale monitor` (issue 15.5; not in CI): a throwaway namespace with a
# bridge and PORTS veth ports, every port flapped (ip link set down/up, from inside the namespace)
# for SECONDS. Prints whether the monitor survived, events/s on its JSON stdout, its peak RSS
# (VmHWM), and whether its final state (metrics file, written within one interval) equals the
# kernel's (sysfs carrier and carrier counts of every port, `bridge -j link` port states).
#   scripts/torture-storm.sh [SECONDS] [PORTS]   (defaults 60 and 200; root, iproute2, jq)
#   BIN=path/to/xg-scale to test another binary (default: the debug build).
# Benchmarks/monitor.sh runs it (20 s) on the release build for the storm figures.
set -eu
SECONDS_=${1:-60}
PORTS=${2:-200}
cd "$(dirname "$0")/.."
BIN=${BIN:-$(swift build --show-bin-path)/xg-scale}
[ -x "$BIN" ] || { echo "no binary $BIN (swift build first)" >&2; exit 1; }
NS="xgs-$$-storm"
TMP=$(mktemp -d /tmp/xgs-storm.XXXXXX)
MON=""; FLAP=""
cleanup() {
  for p in $FLAP $MON; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  ip netns delete "$NS" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
{
  echo "link add br0 type bridge"
  i=0; while [ $i -lt "$PORTS" ]; do
    echo "link add v$i type veth peer name p$i"; echo "link set v$i master br0"
    echo "link set p$i up"; echo "link set v$i up"; i=$((i+1)); done
  echo "link set br0 up"
} | ip netns exec "$NS" ip -batch -
[ -z "$(ip netns exec "$NS" ip route show default)" ] || { echo "namespace has a route out" >&2; exit 1; }
i=0; : > "$TMP/flaps"
while [ $i -lt "$PORTS" ]; do
  printf 'link set v%s down\nlink set p%s down\nlink set v%s up\nlink set p%s up\n' $i $i $i $i >> "$TMP/flaps"
  i=$((i+1)); done

ip netns exec "$NS" "$BIN" monitor --json --no-local-syslog --all-links --flap-threshold 1000000000 \
  --metrics-file "$TMP/m.prom" --metrics-interval 500 > "$TMP/events" 2> "$TMP/stderr" &
MON=$!
n=0; while [ ! -s "$TMP/m.prom" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done
before=$(wc -l < "$TMP/events")
start=$(date +%s.%N)
( end=$(( $(date +%s) + SECONDS_ )); while [ "$(date +%s)" -lt $end ]; do ip netns exec "$NS" ip -batch - < "$TMP/flaps"; done ) &
FLAP=$!
peak=0
while kill -0 $FLAP 2>/dev/null; do
  hwm=$(awk '/VmHWM/ {print $2}' /proc/$MON/status 2>/dev/null || echo 0)
  [ "${hwm:-0}" -gt "$peak" ] && peak=$hwm
  sleep 1
done
wait $FLAP || true; FLAP=""
stop=$(date +%s.%N)
# Leave a known, non-initial state: every fifth port without carrier.
i=0; while [ $i -lt "$PORTS" ]; do echo "link set p$i down"; i=$((i+5)); done | ip netns exec "$NS" ip -batch -
settled=$(date +%s.%N)
alive=yes; kill -0 $MON 2>/dev/null || alive=NO
after=$(wc -l < "$TMP/events")
kernel() {  # shell builtins only: the check must be fast next to what it measures
  ip netns exec "$NS" sh -c 'for d in /sys/class/net/v*; do read c < $d/carrier; read u < $d/carrier_up_count; read w < $d/carrier_down_count; echo "${d##*/} $c $((u + w))"; done' | sort
}
mine() {
  awk -F'[" ]' '/^xgscale_link_carrier\{interface="v/ {c[$2]=$NF} /^xgscale_link_carrier_changes_total\{interface="v/ {t[$2]=$NF}
       END {for (n in c) print n, c[n], t[n]}' "$TMP/m.prom" 2>/dev/null | sort
}
kports() { ip netns exec "$NS" bridge -j link | jq -r '.[] | "\(.ifname) \(.state)"' | sort; }
mports() {
  awk -F'[" ]' '/^xgscale_stp_port_state\{/ {split("disabled listening learning forwarding blocking", s, " "); print $4, s[$NF+1]}' "$TMP/m.prom" | sort
}
match=NO; n=0
while [ $n -lt 600 ]; do
  written=$(date -r "$TMP/m.prom" +%s.%N)
  if [ "$(kernel)" = "$(mine)" ] && [ "$(kports)" = "$(mports)" ] &&
     [ "$written" = "$(date -r "$TMP/m.prom" +%s.%N)" ]; then match=yes; break; fi
  sleep 0.1; n=$((n+1))
done
# The lag: from the last change to the write (mtime) of the file that has the final state.
lag=$(echo "$written - $settled" | bc)
[ "$(awk '/VmHWM/ {print $2}' /proc/$MON/status 2>/dev/null || echo 0)" -gt "$peak" ] 2>/dev/null &&
  peak=$(awk '/VmHWM/ {print $2}' /proc/$MON/status)
resyncs=$(grep -c '"event":"resync"' "$TMP/events" || true)
echo "storm: $PORTS bridge ports flapping for $SECONDS_ s"
echo "  monitor alive after the storm: $alive"
echo "  events: $((after - before)), $(echo "($after - $before) / ($stop - $start)" | bc) events/s, resyncs: $resyncs"
echo "  peak RSS (VmHWM): $((peak / 1024)) MiB"
echo "  final state equals the kernel's (carriers, carrier counts, port states): $match"
echo "  metrics caught up with the kernel $(printf '%.2f' "$lag") s after the last change (file mtime; anchor: --metrics-interval 0.5 s; ratio $(echo "$lag / 0.5" | bc -l | xargs printf '%.2f'))"
if [ "$alive" != yes ] || [ "$match" != yes ]; then
  echo "  monitor stderr:"; sed 's/^/    /' "$TMP/stderr" | tail -5
  [ "$match" = yes ] || { kernel > "$TMP/k"; mine > "$TMP/m"; diff "$TMP/k" "$TMP/m" | head -10; }
  exit 1
fi
