#!/usr/bin/env bash
# A client that asks a 2,000-peer device for get=1 and never reads the reply (far larger than
# its socket buffer) does not hold up others: `wg show` and a `wg set` are served meanwhile.
. "$(dirname "$0")/lib.sh"
require_root_tools python3
N=wlaw-stuck
daemon_with_peers "$N" wlawstuck0 2000
client stuck stuck
client stuck2 stuck
show_promptly "$N" wlawstuck0 "two clients not reading a get reply"
[ "$(grep -c '^peer: ' "$TMP/show.out")" = 2000 ] || fail "wg show did not list the 2,000 peers"
ip netns exec "$N" timeout 5 wg set wlawstuck0 listen-port 51931 || fail "wg set hung beside stuck readers"
[ "$(ip netns exec "$N" timeout 5 wg show wlawstuck0 listen-port)" = 51931 ] || fail "listen port not applied"
ok "wg show and wg set served while two clients never read a 2,000-peer reply"
echo "PASS stuck_reader"
