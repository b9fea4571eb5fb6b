#!/usr/bin/env bash
# Source pinning on a multi-homed host: wirelink-wg (namespace S) has a primary and a secondary
# address on its underlay; wireguard-go (namespace C) talks to the SECONDARY one, behind an
# nftables rule that, like a stateful firewall, drops WireGuard datagrams from S's primary.
# Asserts: C's handshake and pings (IPv4 and IPv6 underlay) work, every reply from S comes
# from the secondary address (counters), C's endpoint for S stays the secondary; and when the
# secondary address is removed, S falls back to an unpinned send (from the primary); and an
# operator's `endpoint=` clears the pin.
. "$(dirname "$0")/lib.sh"
require_root_tools wireguard-go nft ping
S=wlsp-s; C=wlsp-c
for ns in "$S" "$C"; do ip netns del "$ns" 2>/dev/null; ip netns add "$ns" || fail "netns add $ns"; NSS+=("$ns"); ip -n "$ns" link set lo up; done
ip link add wlsp-sv type veth peer name wlsp-cv || fail "veth"
ip link set wlsp-sv netns "$S"; ip link set wlsp-cv netns "$C"
ip -n "$S" addr add 172.29.71.1/24 dev wlsp-sv
ip -n "$S" addr add 172.29.71.9/24 dev wlsp-sv          # secondary
ip -n "$S" addr add fd00:2971::1/64 dev wlsp-sv nodad
ip -n "$S" addr add fd00:2971::9/64 dev wlsp-sv nodad   # secondary
ip -n "$C" addr add 172.29.71.2/24 dev wlsp-cv
ip -n "$C" addr add fd00:2971::2/64 dev wlsp-cv nodad
ip -n "$S" link set wlsp-sv up; ip -n "$C" link set wlsp-cv up

# C counts WireGuard datagrams from each of S's addresses and drops those from the primary.
nft_rules() {  # nft_rules drop|count : what to do with datagrams from S's primary addresses
  local verdict=""
  [ "$1" = drop ] && verdict=drop
  ip netns exec "$C" nft -f - <<NFT || fail "nft rules"
table inet wlsp
delete table inet wlsp
table inet wlsp {
  counter sec4 { }
  counter pri4 { }
  counter sec6 { }
  counter pri6 { }
  chain in {
    type filter hook input priority 0; policy accept;
    ip saddr 172.29.71.9 udp sport 51820 counter name sec4
    ip saddr 172.29.71.1 udp sport 51820 counter name pri4 $verdict
    ip6 saddr fd00:2971::9 udp sport 51820 counter name sec6
    ip6 saddr fd00:2971::1 udp sport 51820 counter name pri6 $verdict
  }
}
NFT
}
pkts() {  # pkts COUNTER -> packets counted so far
  ip netns exec "$C" nft list counter inet wlsp "$1" | awk '/packets/ {for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1)}'
}
nft_rules drop

start_daemon "$S" wlsps0 "$WLWG"
start_daemon "$C" wlspc0 wireguard-go
genkeys s; genkeys c
# S knows no endpoint for C: it learns C's address (and its own local one) from C's packets.
ip netns exec "$S" wg set wlsps0 private-key "$TMP/s.key" listen-port 51820 \
  peer "$(cat "$TMP/c.pub")" allowed-ips 10.71.0.2/32 || fail "wg set S"
ip -n "$S" addr add 10.71.0.1/24 dev wlsps0; ip -n "$S" link set wlsps0 up
tunnel_c() { ip netns exec "$C" wg set wlspc0 peer "$(cat "$TMP/s.pub")" endpoint "$1" || fail "wg set C endpoint $1"; }
ip netns exec "$C" wg set wlspc0 private-key "$TMP/c.key" listen-port 51821 \
  peer "$(cat "$TMP/s.pub")" endpoint 172.29.71.9:51820 allowed-ips 10.71.0.1/32 || fail "wg set C"
ip -n "$C" addr add 10.71.0.2/24 dev wlspc0; ip -n "$C" link set wlspc0 up

# 1. IPv4 underlay: C initiates to the secondary address.
wait_ping "$C" 10.71.0.1 || fail "no ping C->S through the tunnel (S's replies did not come from 172.29.71.9: sec4=$(pkts sec4) pri4=$(pkts pri4))"
ip netns exec "$C" ping -c 5 -i 0.2 -W 1 -q 10.71.0.1 >/dev/null || fail "ping C->S"
sec=$(pkts sec4); pri=$(pkts pri4)
[ "$sec" -ge 6 ] || fail "too few datagrams from 172.29.71.9: $sec"
[ "$pri" -eq 0 ] || fail "$pri datagrams from the primary 172.29.71.1 (want 0)"
ep=$(ip netns exec "$C" wg show wlspc0 endpoints | awk '{print $2}')
[ "$ep" = "172.29.71.9:51820" ] || fail "C's endpoint for S moved to $ep"
ok "IPv4: S answers from the secondary 172.29.71.9 ($sec datagrams, 0 from the primary)"

# 2. IPv6 underlay: C roams to S's secondary IPv6 address; S's replies must follow it.
tunnel_c "[fd00:2971::9]:51820"
ip netns exec "$C" ping -c 5 -i 0.2 -W 1 -q 10.71.0.1 >/dev/null || fail "ping C->S over IPv6 (sec6=$(pkts sec6) pri6=$(pkts pri6))"
sec=$(pkts sec6); pri=$(pkts pri6)
[ "$sec" -ge 5 ] || fail "too few datagrams from fd00:2971::9: $sec"
[ "$pri" -eq 0 ] || fail "$pri datagrams from the primary fd00:2971::1 (want 0)"
ep=$(ip netns exec "$S" wg show wlsps0 endpoints | awk '{print $2}')
[ "$ep" = "[fd00:2971::2]:51821" ] || fail "S did not follow C to IPv6: $ep"
ok "IPv6: S answers from the secondary fd00:2971::9 ($sec datagrams, 0 from the primary)"

# 3. Back to IPv4, then the pinned address disappears: S's send from 172.29.71.9 fails, it
#    forgets the pin and retries unpinned (the primary), which C now lets through.
tunnel_c 172.29.71.9:51820
ip netns exec "$C" ping -c 2 -i 0.2 -W 1 -q 10.71.0.1 >/dev/null || fail "ping C->S back on IPv4"
nft_rules count
ip -n "$S" addr del 172.29.71.9/24 dev wlsp-sv
ip netns exec "$S" ping -c 3 -i 0.2 -W 1 -q 10.71.0.2 >/dev/null || fail "ping S->C after the pinned address went away (pri4=$(pkts pri4))"
pri=$(pkts pri4)
[ "$pri" -ge 3 ] || fail "S did not fall back to the primary address: $pri datagrams from it"
ok "pinned address removed: S retried unpinned ($pri datagrams from the primary)"

# 4. The operator's endpoint clears the pin: S re-pins the secondary from C's traffic, then
#    `wg set ... endpoint` (the same address C already has) makes S send from the primary.
ip -n "$S" addr add 172.29.71.9/24 dev wlsp-sv
tunnel_c 172.29.71.9:51820
ip netns exec "$C" ping -c 2 -i 0.2 -W 1 -q 10.71.0.1 >/dev/null || fail "ping C->S to re-pin"
sec0=$(pkts sec4); pri0=$(pkts pri4)
ip netns exec "$S" wg set wlsps0 peer "$(cat "$TMP/c.pub")" endpoint 172.29.71.2:51821 || fail "wg set S endpoint"
ip netns exec "$S" ping -c 3 -i 0.2 -W 1 -q 10.71.0.2 >/dev/null || fail "ping S->C after the operator's endpoint"
sec1=$(pkts sec4); pri1=$(pkts pri4)
[ "$sec1" -eq "$sec0" ] || fail "S still sent from the pinned secondary after endpoint= ($((sec1 - sec0)) datagrams)"
[ $((pri1 - pri0)) -ge 3 ] || fail "S did not send from the routed primary after endpoint=: +$((pri1 - pri0))"
ok "operator endpoint= cleared the pin (+$((pri1 - pri0)) datagrams from the primary, none from the secondary)"
echo "PASS source_pinning"
