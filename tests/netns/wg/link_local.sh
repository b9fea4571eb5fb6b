#!/usr/bin/env bash
# wirelink-wg <-> wirelink-wg over a link with only IPv6 link-local addresses: each side is
# configured with `wg set ... endpoint [fe80::X%veth]:port` (the zone by name on A, by index on
# B), the handshake completes and pings cross the tunnel; `wg show` reads the scope back.
. "$(dirname "$0")/lib.sh"
require_root_tools ping
A=wlwg-lla; B=wlwg-llb
for ns in "$A" "$B"; do ip netns del "$ns" 2>/dev/null; ip netns add "$ns" || fail "netns add $ns"; NSS+=("$ns"); ip -n "$ns" link set lo up; done
ip link add "${A}-v" type veth peer name "${B}-v" || fail "veth"
ip link set "${A}-v" netns "$A"; ip link set "${B}-v" netns "$B"
# Fixed link-local addresses and nothing else: no IPv4, no global IPv6.
ip -n "$A" link set "${A}-v" addrgenmode none; ip -n "$B" link set "${B}-v" addrgenmode none
ip -n "$A" addr add fe80::a/64 dev "${A}-v" nodad; ip -n "$B" addr add fe80::b/64 dev "${B}-v" nodad
ip -n "$A" link set "${A}-v" up; ip -n "$B" link set "${B}-v" up
[ -z "$(ip -n "$A" -4 addr show dev "${A}-v")" ] || fail "A has an IPv4 address on the link"
[ -z "$(ip -n "$A" -6 addr show dev "${A}-v" scope global)" ] || fail "A has a global IPv6 address"
start_daemon "$A" wlwglla0 "$WLWG"
start_daemon "$B" wlwgllb0 "$WLWG"
genkeys a; genkeys b
B_IDX=$(ip -n "$B" -o link show "${B}-v" | awk -F': ' '{print $1}')
tunnel_up "$A" wlwglla0 "$TMP/a.key" 51820 "$(cat "$TMP/b.pub")" "[fe80::b%${A}-v]:51821" 10.203.0.1 fd00:203::1 10.203.0.2 fd00:203::2
tunnel_up "$B" wlwgllb0 "$TMP/b.key" 51821 "$(cat "$TMP/a.pub")" "[fe80::a%${B_IDX}]:51820" 10.203.0.2 fd00:203::2 10.203.0.1 fd00:203::1
ok "wg set accepted scoped link-local endpoints (zone by name and by index)"
wait_ping "$A" 10.203.0.2 || fail "no ping A->B over the link-local underlay"
ip netns exec "$B" ping -6 -c 3 -i 0.2 -W 1 -q fd00:203::1 >/dev/null || fail "IPv6 ping B->A"
ok "handshake and pings over link-local endpoints"
ep=$(ip netns exec "$A" wg show wlwglla0 endpoints | awk '{print $2}')
case "$ep" in "[fe80::b%"*"]:51821") ;; *) fail "A's endpoint reads back as $ep" ;; esac
ok "wg show reads the scoped endpoint back: $ep"
echo "PASS link_local"
