#!/bin/bash
# The agent on a wireguard-go device: our link-local /64 added, every peer's link-local /128
# in its allowed IPs, the fact socket bound on ListenPort+1, `wirelink show` (table and JSON),
# an interface taken down and up again (the agent waits, then re-adds its address; both seen as
# rtnetlink events), our link-local removed by hand (added again),
# a healthy peer after a real handshake, SIGHUP with a broken config keeps the old one, SIGUSR1
# dumps state, SIGTERM removes only what we added, a restarted agent adopts the device without
# changing it, and a vanished interface makes the agent exit non-zero. MetricsListen: the
# Prometheus endpoint answers inside the namespace, its text passes promtool (when installed),
# and its counters move with the run (cycles, rtnetlink events, reloads, the healthy peer).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

add_ns wlag-b1; add_ns wlag-b2
veth wlag-b1 wlagv1 172.31.9.1/24 wlag-b2 wlagv2 172.31.9.2/24
genkey one; genkey two
wggo wlag-b1 wlagb1 "$WORK/one.key" 51820 10.77.9.1/24
wggo wlag-b2 wlagb2 "$WORK/two.key" 51820 10.77.9.2/24
ip netns exec wlag-b1 wg set wlagb1 peer "$(pub two)" allowed-ips 10.77.9.2/32 endpoint 172.31.9.2:51820
ip netns exec wlag-b2 wg set wlagb2 peer "$(pub one)" allowed-ips 10.77.9.1/32 endpoint 172.31.9.1:51820

LL_ONE=$("$WIRELINK" derive-ll "$(pub one)")
LL_TWO=$("$WIRELINK" derive-ll "$(pub two)")
# Peer "two" is configured Basic (plain WireGuard, no agent), with its allowed IP.
cat > "$WORK/wirelink.wlagb1.json" <<JSON
{"Peers": [{"PublicKey": "$(pub two)", "Name": "two", "Basic": true, "AllowedIPs": ["10.77.9.2/32"]}]}
JSON

say "start the agent on wlagb1"
start_agent wlag-b1 wlagb1 --metrics-listen 127.0.0.1:9586
wait_for 15 "agent control socket" show wlag-b1 wlagb1
wait_for 15 "our link-local on the interface" bash -c "ip -n wlag-b1 -6 addr show dev wlagb1 | grep -q '$LL_ONE/64'"
wait_for 15 "peer link-local in allowed IPs" bash -c "ip netns exec wlag-b1 wg show wlagb1 allowed-ips | grep -q '$LL_TWO/128'"
wait_for 15 "fact socket on 51821" bash -c "ip netns exec wlag-b1 ss -uln | grep -q '$LL_ONE.*:51821'"

say "handshake and check show"
ip netns exec wlag-b1 ping -c 2 -W 2 10.77.9.2 >/dev/null || fail "ping over the tunnel"
healthy() { show wlag-b1 wlagb1 --json | json_field 'd["peers"][0]["healthy"]' | grep -q True; }
wait_for 20 "peer healthy in show --json" healthy
J=$(show wlag-b1 wlagb1 --json)
[ "$(echo "$J" | json_field 'd["schema"]')" = 1 ] || fail "schema"
[ "$(echo "$J" | json_field 'd["backend"]')" = uapi ] || fail "backend"
[ "$(echo "$J" | json_field 'd["fact_port"]')" = 51821 ] || fail "fact port"
[ "$(echo "$J" | json_field 'd["link_local"]')" = "$LL_ONE" ] || fail "link-local in json"
[ "$(echo "$J" | json_field 'd["peers"][0]["name"]')" = two ] || fail "peer name"
[ "$(echo "$J" | json_field 'd["peers"][0]["basic"]')" = True ] || fail "basic flag"
T=$(show wlag-b1 wlagb1)
echo "$T"
echo "$T" | grep -q "^PEER *NAME *LINK-LOCAL" || fail "table header"
echo "$T" | grep -q "healthy,not-alive,basic" || fail "table state"

say "metrics: scrape GET /metrics"
scrape() {
  ip netns exec wlag-b1 python3 -c 'import urllib.request, sys
r = urllib.request.urlopen("http://127.0.0.1:9586/metrics", timeout=5)
assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
sys.stdout.write(r.read().decode())' > "$WORK/metrics-$1.txt"
}
metric() { awk -v m="$2" '$1 == m { print $2 }' "$WORK/metrics-$1.txt"; }
scrape 1 || fail "metrics scrape"
if command -v promtool >/dev/null; then
  promtool check metrics < "$WORK/metrics-1.txt" || fail "promtool rejects the metrics"
fi
grep -q '^wirelink_peers{state="healthy",path="[a-z]*"} 1$' "$WORK/metrics-1.txt" ||
  fail "metrics: the healthy peer is missing: $(grep '^wirelink_peers' "$WORK/metrics-1.txt")"
grep -q '^wirelink_peer_last_handshake_age_seconds{peer="two",' "$WORK/metrics-1.txt" ||
  fail "metrics: no handshake age for peer two"
grep -q '^wirelink_coordinator_session_state{state="disabled"} 1$' "$WORK/metrics-1.txt" ||
  fail "metrics: coordinator state"

say "interface down: the agent waits; up again: it re-adds its address and rebinds"
ip -n wlag-b1 link set wlagb1 down
iface_down() { show wlag-b1 wlagb1 --json | json_field 'd["interface_up"]' | grep -q False; }
wait_for 15 "show reports the interface down" iface_down
kill -0 "$AGENT_PID_wlagb1" || fail "agent exited when the interface went down"
ip -n wlag-b1 link set wlagb1 up
wait_for 15 "link-local re-added after up" bash -c "ip -n wlag-b1 -6 addr show dev wlagb1 | grep -q '$LL_ONE/64'"
wait_for 15 "fact socket rebound after up" bash -c "ip netns exec wlag-b1 ss -uln | grep -q '$LL_ONE.*:51821'"
ip netns exec wlag-b1 ping -c 2 -W 2 10.77.9.2 >/dev/null || fail "ping after the interface came back"
# Down and up arrived as rtnetlink events, not only through the 5 s cycle.
events=$(show wlag-b1 wlagb1 --json | json_field 'd["link_events"]')
[ "$events" -ge 2 ] || fail "link_events=$events after down and up (want >= 2)"

say "our link-local removed by hand: the agent adds it again"
ip -n wlag-b1 -6 addr del "$LL_ONE/64" dev wlagb1
wait_for 15 "removal noticed" grep -q "was removed from the interface; adding it again" "$WORK/agent-wlagb1.log"
wait_for 15 "link-local back" bash -c "ip -n wlag-b1 -6 addr show dev wlagb1 | grep -q '$LL_ONE/64'"

say "SIGHUP with a broken config keeps running on the old one"
cp "$WORK/wirelink.wlagb1.json" "$WORK/good.json"
echo '{"Peers": [{"PublicKey": "not-a-key"}]}' > "$WORK/wirelink.wlagb1.json"
kill -HUP "$AGENT_PID_wlagb1"
wait_for 10 "reload failure logged" grep -q "reload failed, keeping the old configuration" "$WORK/agent-wlagb1.log"
kill -0 "$AGENT_PID_wlagb1" || fail "agent died on a bad reload"
show wlag-b1 wlagb1 --json | json_field 'd["peers"][0]["name"]' | grep -q two || fail "old config lost"
cp "$WORK/good.json" "$WORK/wirelink.wlagb1.json"
kill -HUP "$AGENT_PID_wlagb1"
wait_for 10 "reload success logged" grep -q "configuration reloaded" "$WORK/agent-wlagb1.log"

say "metrics moved: cycles, link events, reloads"
scrape 2 || fail "second metrics scrape"
[ "$(metric 2 wirelink_cycles_total)" -gt "$(metric 1 wirelink_cycles_total)" ] || fail "cycles_total did not grow"
[ "$(metric 2 wirelink_link_events_total)" -ge $(( $(metric 1 wirelink_link_events_total) + 2 )) ] ||
  fail "link_events_total did not count the down/up"
[ "$(metric 2 wirelink_reloads_total)" = 2 ] || fail "reloads_total $(metric 2 wirelink_reloads_total), want 2"
[ "$(metric 2 wirelink_metrics_scrapes_total)" = 2 ] || fail "scrapes_total"

say "SIGUSR1 dumps state"
kill -USR1 "$AGENT_PID_wlagb1"
wait_for 10 "state dump" grep -q "state dump" "$WORK/agent-wlagb1.log"

say "SIGTERM removes our address, leaves the peers"
before=$(ip netns exec wlag-b1 wg show wlagb1 allowed-ips)
kill -TERM "$AGENT_PID_wlagb1"
wait "$AGENT_PID_wlagb1" || fail "agent exit status $? on TERM"
ip -n wlag-b1 -6 addr show dev wlagb1 | grep -q "$LL_ONE" && fail "link-local left behind"
[ "$(ip netns exec wlag-b1 wg show wlagb1 allowed-ips)" = "$before" ] || fail "peers changed on stop"
[ -e "$WORK/run/wlagb1.sock" ] && fail "control socket left behind"

say "restart adopts the device without changing it"
start_agent wlag-b1 wlagb1
wait_for 15 "restarted agent healthy" healthy
sleep 6  # one more cycle
[ "$(ip netns exec wlag-b1 wg show wlagb1 allowed-ips)" = "$before" ] || fail "restart changed allowed IPs"
ip netns exec wlag-b1 ping -c 1 -W 2 10.77.9.2 >/dev/null || fail "ping after restart"

say "interface gone: the agent exits non-zero"
ip -n wlag-b1 link del wlagb1
rc=0
for ((i = 0; i < 20; i++)); do kill -0 "$AGENT_PID_wlagb1" 2>/dev/null || break; sleep 1; done
wait "$AGENT_PID_wlagb1" || rc=$?
[ "$rc" != 0 ] || fail "agent exited 0 after the interface vanished"
echo "PASS: agent basics on wireguard-go (exit $rc after the interface vanished)"
