#!/usr/bin/env bash
# SIGTERM ends wirelink-wg within a few seconds whatever its clients do: idle ones, a dribbling
# one and one that never reads a large get reply (it used to block in send() forever).
. "$(dirname "$0")/lib.sh"
require_root_tools python3
N=wlaw-term
one_daemon "$N" wlawterm0
many_peers 2000 "$TMP/peers.conf"
ip netns exec "$N" timeout 30 wg setconf wlawterm0 "$TMP/peers.conf" || fail "setconf of 2,000 peers"
client stuck stuck
sleep 1  # lets the daemon start on the stuck client's reply (where it used to block)
client idle idle 5
client drib dribble 2
kill -TERM "$DPID"
for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DPID" 2>/dev/null && fail "wirelink-wg still running 5 s after SIGTERM"
wait "$DPID"; rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM (want 0)"
[ -e "$SOCK" ] && fail "UAPI socket left behind"
ok "SIGTERM with idle, dribbling and stuck clients: exit 0, socket removed"
echo "PASS sigterm"
