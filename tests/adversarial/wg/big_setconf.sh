#!/usr/bin/env bash
# The request cap leaves room for large devices: a 10,000-peer `wg setconf` (one request of
# several MB) is applied whole and read back.
. "$(dirname "$0")/lib.sh"
require_root_tools python3
N=wlaw-10k
daemon_with_peers "$N" wlaw10k0 10000
n=$(ip netns exec "$N" timeout 30 wg show wlaw10k0 peers | wc -l)
[ "$n" = 10000 ] || fail "10,000-peer setconf left $n peers"
ok "10,000-peer setconf applied and read back"
echo "PASS big_setconf"
