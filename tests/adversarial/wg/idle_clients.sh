#!/usr/bin/env bash
# Twenty UAPI clients that connect and send nothing do not delay anyone else: `wg show`
# answers at once while they sit there (it used to queue behind them, 5 s each).
. "$(dirname "$0")/lib.sh"
require_root_tools python3
N=wlaw-idle
one_daemon "$N" wlawidle0
client idle idle 20
show_promptly "$N" wlawidle0 "20 idle clients connected"
ok "wg show answered with 20 idle UAPI clients connected"
kill -0 "$DPID" 2>/dev/null || fail "wirelink-wg died"
echo "PASS idle_clients"
