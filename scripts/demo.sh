#!/bin/sh
# Render every example profile in every format, then show this machine's redundancy links.
# Usage: scripts/demo.sh BIN INVENTORY NODE
set -eu
BIN=$1; INVENTORY=$2; NODE=$3
for profile in profiles/*.yaml; do
  [ "$profile" = "$INVENTORY" ] && continue
  for format in ip interfaces networkd json; do
    echo "=================== $profile  --format $format  (node $NODE)"
    # A format whose consumer cannot apply an option of the profile is refused (exit 1, the
    # reason on stderr): shown, and the demo goes on.
    "$BIN" render "$profile" --inventory "$INVENTORY" --node "$NODE" --format "$format" ||
      echo "(refused for $profile: see the error above)"
  done
done
echo "=================== xg-scale show (this machine, read only)"
"$BIN" show
