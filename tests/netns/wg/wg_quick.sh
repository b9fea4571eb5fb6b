#!/usr/bin/env bash
# `wg-quick up`/`down` with WG_QUICK_USERSPACE_IMPLEMENTATION=wirelink-wg (the daemon is started
# without -f, so this also covers detaching), traffic to a wireguard-go peer, and a clean exit
# of the daemon when wg-quick deletes the interface.
. "$(dirname "$0")/lib.sh"
require_root_tools wg-quick wireguard-go ping
A=wlwg-qa; B=wlwg-qb
make_pair "$A" "$B"
start_daemon "$B" wlwgqb0 wireguard-go
genkeys a; genkeys b
mkdir -p "$TMP/etc"
cat >"$TMP/etc/wlwgqa0.conf" <<CONF
[Interface]
PrivateKey = $(cat "$TMP/a.key")
ListenPort = 51860
Address = 10.204.0.1/24, fd00:204::1/64

[Peer]
PublicKey = $(cat "$TMP/b.pub")
Endpoint = 10.201.0.2:51861
AllowedIPs = 10.204.0.2/32, fd00:204::2/128
CONF
chmod 600 "$TMP/etc/wlwgqa0.conf"
tunnel_up "$B" wlwgqb0 "$TMP/b.key" 51861 "$(cat "$TMP/a.pub")" 10.201.0.1:51860 10.204.0.2 fd00:204::2 10.204.0.1 fd00:204::1
IFACES+=(wlwgqa0)
ip netns exec "$A" env WG_QUICK_USERSPACE_IMPLEMENTATION="$WLWG" wg-quick up "$TMP/etc/wlwgqa0.conf" >"$TMP/up.log" 2>&1 \
  || { cat "$TMP/up.log"; fail "wg-quick up"; }
grep -q "$(basename "$WLWG")" "$TMP/up.log" || { cat "$TMP/up.log"; fail "wg-quick did not use wirelink-wg"; }
ok "wg-quick up with wirelink-wg"
pid=$(ip netns pids "$A" | while read -r p; do [ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$WLWG")" ] && echo "$p"; done | head -1)
[ -n "$pid" ] || fail "no detached wirelink-wg process in $A"
PIDS+=("$pid")
wait_ping "$A" 10.204.0.2 || fail "no ping over the wg-quick tunnel"
ip netns exec "$A" ping -6 -c 2 -i 0.2 -W 1 -q fd00:204::2 >/dev/null || fail "no IPv6 ping over the wg-quick tunnel"
ok "ping v4 and v6 through the wg-quick interface"
mtu=$(ip -n "$A" -o link show wlwgqa0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
[ "$mtu" = 1420 ] || fail "MTU $mtu"
ip netns exec "$A" wg-quick down "$TMP/etc/wlwgqa0.conf" >"$TMP/down.log" 2>&1 || { cat "$TMP/down.log"; fail "wg-quick down"; }
for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "wirelink-wg still running after wg-quick down"
[ -e "$SOCKDIR/wlwgqa0.sock" ] && fail "socket left behind"
ok "wg-quick down: interface gone, daemon exited, socket removed"
echo "PASS wg_quick"
