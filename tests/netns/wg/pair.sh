#!/usr/bin/env bash
# wirelink-wg <-> wirelink-wg: handshake, ping v4+v6, iperf3 TCP both ways, roaming, and the
# daemon's exit when its UAPI socket is removed or its interface is deleted.
. "$(dirname "$0")/lib.sh"
require_root_tools iperf3 ping python3
A=wlwg-pa; B=wlwg-pb
[ -n "${WIRELINK_WG_CRYPTO_WORKERS:-}" ] && echo "crypto workers per direction: $WIRELINK_WG_CRYPTO_WORKERS"
make_pair "$A" "$B"
start_daemon "$A" wlwgpa0 "$WLWG"; PID_A=${PIDS[-1]}
start_daemon "$B" wlwgpb0 "$WLWG"; PID_B=${PIDS[-1]}
genkeys a; genkeys b
tunnel_up "$A" wlwgpa0 "$TMP/a.key" 51820 "$(cat "$TMP/b.pub")" "[fd00:201::2]:51821" 10.202.0.1 fd00:202::1 10.202.0.2 fd00:202::2
tunnel_up "$B" wlwgpb0 "$TMP/b.key" 51821 "$(cat "$TMP/a.pub")" 10.201.0.1:51820 10.202.0.2 fd00:202::2 10.202.0.1 fd00:202::1
wait_ping "$A" 10.202.0.2 || fail "no ping A->B (outer IPv6 endpoint)"
ip netns exec "$B" ping -6 -c 3 -i 0.2 -W 1 -q fd00:202::1 >/dev/null || fail "IPv6 ping B->A"
ok "handshake over an IPv6 outer endpoint; ping v4 and v6"
up=$(iperf_mbps "$A" "$B" 10.202.0.2); [ "$up" -gt 0 ] || fail "iperf3 A->B"
down=$(iperf_mbps "$A" "$B" 10.202.0.2 -R); [ "$down" -gt 0 ] || fail "iperf3 B->A"
ok "iperf3 TCP A->B $up Mbit/s, B->A $down Mbit/s"
# B learned A's endpoint from A's packets (configured as IPv4 on B, A sent over IPv6).
ep=$(ip netns exec "$B" wg show wlwgpb0 endpoints | awk '{print $2}')
[ "$ep" = "[fd00:201::1]:51820" ] || fail "B's endpoint for A is $ep, expected A's IPv6 source"
ok "B follows A's authenticated IPv6 source ($ep)"
ip netns exec "$B" wg set wlwgpb0 listen-port 51841 || fail "port change"
ip netns exec "$B" ping -c 2 -i 0.3 -W 1 -q 10.202.0.1 >/dev/null || fail "ping after port change"
ep=$(ip netns exec "$A" wg show wlwgpa0 endpoints | awk '{print $2}')
[ "$ep" = "[fd00:201::2]:51841" ] || fail "A did not follow B's new port: $ep"
ok "roaming: A follows B to $ep"

# SIGTERM stops a daemon promptly (status 0) even while a UAPI client holds a connection open.
start_daemon "$A" wlwgpc0 "$WLWG"; PID_C=${PIDS[-1]}
ip netns exec "$A" python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"get=1\n"); time.sleep(15)' "$SOCKDIR/wlwgpc0.sock" &
PIDS+=($!)
sleep 0.5
kill -TERM "$PID_C"
for _ in $(seq 20); do kill -0 "$PID_C" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID_C" 2>/dev/null && fail "daemon ignored SIGTERM for 2 s while a client was connected"
wait "$PID_C"; rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
[ -e "$SOCKDIR/wlwgpc0.sock" ] && fail "socket left behind after SIGTERM"
ok "SIGTERM with a client connected: exit 0 within 2 s, socket removed"

# Removing the UAPI socket stops the daemon (exit status 1), as wireguard-go does.
rm -f "$SOCKDIR/wlwgpa0.sock"
for _ in $(seq 40); do kill -0 "$PID_A" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID_A" 2>/dev/null && fail "daemon A still running after its socket was removed"
ip -n "$A" link show wlwgpa0 >/dev/null 2>&1 && fail "interface A still exists after exit"
ok "daemon exits when its UAPI socket is removed, and its interface goes away"
# Deleting the interface stops the daemon and removes its socket.
ip -n "$B" link del wlwgpb0
for _ in $(seq 40); do kill -0 "$PID_B" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID_B" 2>/dev/null && fail "daemon B still running after its interface was deleted"
[ -e "$SOCKDIR/wlwgpb0.sock" ] && fail "socket B left behind"
ok "daemon exits when its interface is deleted, and removes its socket"
echo "PASS pair"
