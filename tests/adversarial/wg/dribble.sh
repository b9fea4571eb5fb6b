#!/usr/bin/env bash
# A client that sends its request one byte every 2 s does not hold up others: `wg show`
# answers while it dribbles, each time, and the dribbler is not answered before its request ends.
. "$(dirname "$0")/lib.sh"
require_root_tools python3
N=wlaw-drib
one_daemon "$N" wlawdrib0
client drib dribble 2
for i in 1 2 3; do
  show_promptly "$N" wlawdrib0 "a client dribbling one byte every 2 s (round $i)"
  sleep 1
done
ok "wg show answered three times while a client dribbled its request"
kill -0 "$DPID" 2>/dev/null || fail "wirelink-wg died"
echo "PASS dribble"
