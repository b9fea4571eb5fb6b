#!/usr/bin/env bash
# wirelink-wg (namespace A) <-> wireguard-go (namespace B): handshake, ping v4 and v6, iperf3
# TCP both ways, `wg show` handshake times and byte counters consistent on both sides, and
# roaming (B moves to a new address; A follows after B's next authenticated packet).
. "$(dirname "$0")/lib.sh"
require_root_tools wireguard-go iperf3 ping python3
A=wlwg-ia; B=wlwg-ib
make_pair "$A" "$B"
start_daemon "$A" wlwgia0 "$WLWG"
start_daemon "$B" wlwgib0 wireguard-go
genkeys a; genkeys b
tunnel_up "$A" wlwgia0 "$TMP/a.key" 51820 "$(cat "$TMP/b.pub")" 10.201.0.2:51821 10.202.0.1 fd00:202::1 10.202.0.2 fd00:202::2
tunnel_up "$B" wlwgib0 "$TMP/b.key" 51821 "$(cat "$TMP/a.pub")" 10.201.0.1:51820 10.202.0.2 fd00:202::2 10.202.0.1 fd00:202::1

wait_ping "$A" 10.202.0.2 || fail "no IPv4 ping A->B over the tunnel"
ok "handshake and IPv4 ping wirelink-wg -> wireguard-go"
ip netns exec "$B" ping -c 3 -i 0.2 -W 1 -q 10.202.0.1 >/dev/null || fail "IPv4 ping B->A"
ok "IPv4 ping wireguard-go -> wirelink-wg"
ip netns exec "$A" ping -6 -c 3 -i 0.2 -W 1 -q fd00:202::2 >/dev/null || fail "IPv6 ping A->B"
ip netns exec "$B" ping -6 -c 3 -i 0.2 -W 1 -q fd00:202::1 >/dev/null || fail "IPv6 ping B->A"
ok "IPv6 ping both ways"

ha=$(ip netns exec "$A" wg show wlwgia0 latest-handshakes | awk '{print $2}')
hb=$(ip netns exec "$B" wg show wlwgib0 latest-handshakes | awk '{print $2}')
now=$(date +%s)
[ "$ha" -gt 0 ] && [ "$hb" -gt 0 ] || fail "handshake time missing (A=$ha B=$hb)"
[ $((now - ha)) -lt 60 ] && [ $((ha - hb)) -le 2 ] && [ $((hb - ha)) -le 2 ] || fail "handshake times differ: A=$ha B=$hb now=$now"
ok "latest-handshakes consistent (A=$ha B=$hb)"

up=$(iperf_mbps "$A" "$B" 10.202.0.2)
[ "$up" -gt 0 ] || fail "iperf3 A->B carried nothing"
ok "iperf3 TCP wirelink-wg -> wireguard-go: $up Mbit/s"
down=$(iperf_mbps "$A" "$B" 10.202.0.2 -R)
[ "$down" -gt 0 ] || fail "iperf3 B->A carried nothing"
ok "iperf3 TCP wireguard-go -> wirelink-wg: $down Mbit/s"
up6=$(iperf_mbps "$B" "$A" fd00:202::1)
[ "$up6" -gt 0 ] || fail "iperf3 over IPv6 carried nothing"
ok "iperf3 TCP over IPv6 wireguard-go -> wirelink-wg: $up6 Mbit/s"

# Counters: bulk TCP loses datagrams in the receiving daemon's queues, so compare deltas over a
# loss-free exchange: what A sent must be exactly what B received (and the reverse), counted
# the same way (whole datagrams) by both implementations. A keepalive in flight may add 32 B.
sleep 1
read -r _ arx0 atx0 < <(ip netns exec "$A" wg show wlwgia0 transfer)
read -r _ brx0 btx0 < <(ip netns exec "$B" wg show wlwgib0 transfer)
ip netns exec "$A" ping -c 10 -i 0.05 -s 1000 -W 1 -q 10.202.0.2 >/dev/null || fail "ping for counters"
sleep 0.5
read -r _ arx1 atx1 < <(ip netns exec "$A" wg show wlwgia0 transfer)
read -r _ brx1 btx1 < <(ip netns exec "$B" wg show wlwgib0 transfer)
d_atx=$((atx1 - atx0)); d_brx=$((brx1 - brx0)); d_btx=$((btx1 - btx0)); d_arx=$((arx1 - arx0))
[ "$d_atx" -ge 10000 ] && [ "$d_btx" -ge 10000 ] || fail "counters did not move: A tx +$d_atx, B tx +$d_btx"
diff1=$((d_atx - d_brx)); diff2=$((d_btx - d_arx))
[ "${diff1#-}" -le 32 ] && [ "${diff2#-}" -le 32 ] || fail "counters disagree: A tx +$d_atx vs B rx +$d_brx; B tx +$d_btx vs A rx +$d_arx"
[ "$atx1" -gt 0 ] && [ "$arx1" -gt 0 ] && [ "$brx1" -gt 0 ] && [ "$btx1" -gt 0 ] || fail "zero totals"
ok "transfer counters agree (A tx +$d_atx = B rx +$d_brx; B tx +$d_btx = A rx +$d_arx)"

# Roaming 1: wireguard-go moves to another UDP port and sends; A must answer there.
ip netns exec "$B" wg set wlwgib0 listen-port 51831 || fail "wg set listen-port on B"
ip netns exec "$B" ping -c 2 -i 0.3 -W 1 -q 10.202.0.1 >/dev/null || fail "ping from B's new port"
ep=$(ip netns exec "$A" wg show wlwgia0 endpoints | awk '{print $2}')
[ "$ep" = "10.201.0.2:51831" ] || fail "A did not follow B: endpoint $ep"
ip netns exec "$A" ping -c 2 -i 0.3 -W 1 -q 10.202.0.2 >/dev/null || fail "A cannot reach B after roaming"
ok "roaming: wirelink-wg follows wireguard-go to $ep"
# Roaming 2: wirelink-wg moves to a new address; wireguard-go must follow.
ip -n "$A" addr del 10.201.0.1/24 dev "$A-v"
ip -n "$A" addr add 10.201.0.3/24 dev "$A-v"
ip netns exec "$A" ping -c 2 -i 0.3 -W 1 -q 10.202.0.2 >/dev/null || fail "ping from A's new address"
ep=$(ip netns exec "$B" wg show wlwgib0 endpoints | awk '{print $2}')
[ "$ep" = "10.201.0.3:51820" ] || fail "B did not follow A: endpoint $ep"
ok "roaming: wireguard-go follows wirelink-wg to $ep"
echo "PASS interop_wggo"
