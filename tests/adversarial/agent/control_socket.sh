#!/bin/bash
# The control socket never holds the agent's loop (issue 14, item 5). The agent runs with a
# watchdog (WATCHDOG_USEC=6 s: it pings every 3 s, checked on its 1 s tick, so 3-4 s apart) and
# a notification socket this test reads; a client dribbles one byte every 0.9 s for 12 s while
# `wirelink show` is run several times. Asserts: every show answers, the agent lives, and the
# longest gap between WATCHDOG=1 notifications over the slow client's life stays below the
# watchdog interval (before the fix the loop waited for the slow client: the gap was its life).
set -euo pipefail
NETNS_PREFIX=wladvs
. "$(dirname "$0")/../../netns/agent/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

IFC=wladvs0
WATCHDOG_S=6
SLOW_S=12
add_ns wladvs-a
genkey one
wggo wladvs-a "$IFC" "$WORK/one.key" 51820 10.79.2.1/24
echo '{}' > "$WORK/wirelink.$IFC.json"

python3 "$HERE/notify_listen.py" "$WORK/notify.sock" "$WORK/notify.log" &
DAEMON_PIDS+=($!)
wait_for 15 "notification socket" test -S "$WORK/notify.sock"
export NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=$((WATCHDOG_S * 1000000))
start_agent wladvs-a "$IFC"
unset NOTIFY_SOCKET WATCHDOG_USEC
wait_for 15 "READY=1" grep -q "READY=1" "$WORK/notify.log"
wait_for 15 "agent control socket" show wladvs-a "$IFC"

say "a slow client for ${SLOW_S}s; show meanwhile"
now() { python3 -c 'import time; print(f"{time.monotonic():.3f}")'; }
T0=$(now)
timeout $((SLOW_S + 15)) ip netns exec wladvs-a python3 "$HERE/slow_client.py" "$WORK/run/$IFC.sock" "$SLOW_S" >"$WORK/slow.log" 2>&1 &
SLOW=$!
sleep 1
for i in 1 2 3 4; do
  rc=0
  timeout 8 ip netns exec wladvs-a env RUNTIME_DIRECTORY="$WORK/run" "$WIRELINK" show "$IFC" >/dev/null 2>"$WORK/show.err" || rc=$?
  [ "$rc" = 0 ] || { cat "$WORK/show.err"; fail "wirelink show #$i exits $rc while a slow client is connected"; }
  sleep 2
done
wait "$SLOW" || true
T1=$(now)
cat "$WORK/slow.log"
kill -0 "$AGENT_PID_wladvs0" || fail "the agent died"

# Gaps between consecutive WATCHDOG=1 from the last one before T0 to T1 (T1 counts as the end of
# the last gap, so a loop still stalled at the end is seen too).
GAP=$(python3 - "$WORK/notify.log" "$T0" "$T1" <<'PY'
import sys
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
pings = [float(l.split()[0]) for l in open(sys.argv[1]) if "WATCHDOG=1" in l]
before = [t for t in pings if t <= t0]
window = ([before[-1]] if before else [t0]) + [t for t in pings if t0 < t <= t1] + [t1]
print(f"{max(b - a for a, b in zip(window, window[1:])):.2f}")
PY
)
echo "longest gap between WATCHDOG=1 with a slow client: ${GAP} s (watchdog ${WATCHDOG_S} s, pings every $((WATCHDOG_S / 2)) s)"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$GAP" "$WATCHDOG_S" ||
  fail "the loop stalled for ${GAP} s (watchdog ${WATCHDOG_S} s)"
echo "PASS"
