#!/usr/bin/env bash
# SIGTERM ends wirelink-wg within a few seconds whatever its clients do: idle ones, a dribbling
# one and one that never reads a large get reply (it used to block in send() forever).
. "$(dirname "$0")/lib.sh"
require_root_tools python3
N=wlaw-term
daemon_with_peers "$N" wlawterm0 2000
client stuck stuck
sleep 1  # lets the daemon start on the stuck client's reply (where it used to block)
client idle idle 5
client drib dribble 2
kill -TERM "$DPID"
timeout 5 tail --pid="$DPID" -f /dev/null || fail "wirelink-wg still running 5 s after SIGTERM"
wait "$DPID"; rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM (want 0)"
[ -e "$SOCK" ] && fail "UAPI socket left behind"
ok "SIGTERM with idle, dribbling and stuck clients: exit 0, socket removed"
echo "PASS sigterm"
