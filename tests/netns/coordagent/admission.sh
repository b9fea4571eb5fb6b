#!/bin/bash
# Coordinator admission end to end: a real wirelink-coordinator (--dev, floor 2) in the
# router's namespace, a router R and leaves A, B on wireguard-go with the real agent. The leaves
# know only R, and trust R below membership (Trust allowedips), so R's own membership facts
# cannot introduce them to each other: only their coordinator tokens, sent as token facts and
# relayed by R, can. Leaf C registers with a second coordinator whose key A and B do not know:
# its token is validly signed by the wrong key. Leaf E registers with the good coordinator as an
# exit (CoordinatorExitCapacity, CoordinatorEndpoint); A and B ask for a match, form a cohort of
# two on E (floor 2) and get E as their assigned peer.
#
#        A ---- R ---- B         coordinator (good key) on R, :8787
#              / \               coordinator (other key) on R, :8788
#             C   E
#
# Asserts: A and B get tokens (show: registered, token expiry), verify each other's tokens
# (tokens_verified > 0), become WireGuard peers of each other and handshake; C is never a peer
# of A or B and its token is counted as rejected there. Then C's configuration is pointed at the
# good coordinator and C's agent reloaded (SIGHUP): its session restarts there and A adds C.
set -euo pipefail
NETNS_PREFIX=wlca
. "$(dirname "$0")/../agent/lib.sh"
need python3; need curl
COORD=$WL_BIN/wirelink-coordinator
[ -x "$COORD" ] || { echo "FAIL: $COORD not built"; exit 1; }
on_fail() {
  ip netns exec wlca-a wg show wlcaA0 2>/dev/null || true
  show wlca-a wlcaA0 2>/dev/null || true
}

say "topology: namespaces wlca-r, wlca-a, wlca-b, wlca-c, wlca-e"
for n in r a b c e; do add_ns "wlca-$n"; done
veth wlca-r wlcara 172.30.1.1/24 wlca-a wlcaar 172.30.1.2/24
veth wlca-r wlcarb 172.30.2.1/24 wlca-b wlcabr 172.30.2.2/24
veth wlca-r wlcarc 172.30.3.1/24 wlca-c wlcacr 172.30.3.2/24
veth wlca-r wlcare 172.30.4.1/24 wlca-e wlcaer 172.30.4.2/24
ip netns exec wlca-r sysctl -qw net.ipv4.ip_forward=1
ip -n wlca-b route replace 172.30.0.0/16 via 172.30.2.1
ip -n wlca-c route replace 172.30.0.0/16 via 172.30.3.1
ip -n wlca-a route replace 172.30.0.0/16 via 172.30.1.1
ip -n wlca-e route replace 172.30.0.0/16 via 172.30.4.1

say "two coordinators on R: the good one (:8787) and one with a key nobody trusts (:8788)"
for c in good other; do
  "$COORD" keygen --db "$WORK/$c.db" > "$WORK/$c.keygen" 2>"$WORK/coord-$c-keygen.log" || fail "keygen $c"
  head -1 "$WORK/$c.keygen" > "$WORK/$c.pubkey"
  grep -q '^k4.public\.' "$WORK/$c.pubkey" || fail "keygen $c printed $(cat "$WORK/$c.keygen")"
  (umask 077; "$COORD" invite create --uses 6 --ttl 1h --db "$WORK/$c.db" > "$WORK/$c.invite") || fail "invite $c"
done
ip netns exec wlca-r "$COORD" serve --dev --floor 2 --listen 0.0.0.0:8787 --db "$WORK/good.db" \
  >"$WORK/coord-good.log" 2>&1 &
DAEMON_PIDS+=("$!")
ip netns exec wlca-r "$COORD" serve --dev --floor 2 --listen 0.0.0.0:8788 --db "$WORK/other.db" \
  >"$WORK/coord-other.log" 2>&1 &
DAEMON_PIDS+=("$!")
wait_for 20 "coordinators ready" bash -c "ip netns exec wlca-r curl -fsS http://127.0.0.1:8787/readyz && ip netns exec wlca-r curl -fsS http://127.0.0.1:8788/readyz"

say "WireGuard: R knows every leaf, each leaf knows only R"
for n in r a b c e; do genkey "$n"; done
wggo wlca-r wlcaR0 "$WORK/r.key" 51820 10.78.0.1/24
wggo wlca-a wlcaA0 "$WORK/a.key" 51820 10.78.0.2/24
wggo wlca-b wlcaB0 "$WORK/b.key" 51820 10.78.0.3/24
wggo wlca-c wlcaC0 "$WORK/c.key" 51820 10.78.0.4/24
wggo wlca-e wlcaE0 "$WORK/e.key" 51820 10.78.0.5/24
ip netns exec wlca-r wg set wlcaR0 peer "$(pub a)" allowed-ips 10.78.0.2/32 peer "$(pub b)" allowed-ips 10.78.0.3/32 \
  peer "$(pub c)" allowed-ips 10.78.0.4/32 peer "$(pub e)" allowed-ips 10.78.0.5/32
ip netns exec wlca-a wg set wlcaA0 peer "$(pub r)" allowed-ips 10.78.0.0/24 endpoint 172.30.1.1:51820
ip netns exec wlca-b wg set wlcaB0 peer "$(pub r)" allowed-ips 10.78.0.0/24 endpoint 172.30.2.1:51820
ip netns exec wlca-c wg set wlcaC0 peer "$(pub r)" allowed-ips 10.78.0.0/24 endpoint 172.30.3.1:51820
ip netns exec wlca-e wg set wlcaE0 peer "$(pub r)" allowed-ips 10.78.0.0/24 endpoint 172.30.4.1:51820

GOOD=$(cat "$WORK/good.pubkey")
OTHER=$(cat "$WORK/other.pubkey")
# R checks and relays tokens (it needs the key to advertise the token feature); no session.
cat > "$WORK/wirelink.wlcaR0.json" <<JSON
{"CoordinatorPublicKey": "$GOOD",
 "Peers": [{"PublicKey": "$(pub a)", "Name": "a"}, {"PublicKey": "$(pub b)", "Name": "b"},
           {"PublicKey": "$(pub c)", "Name": "c"}, {"PublicKey": "$(pub e)", "Name": "e"}]}
JSON
leaf_config() {  # leaf_config <n> <url> <key> <invite file> [extra JSON members]
  cat > "$WORK/wirelink.wlca${1^^}0.json" <<JSON
{"CoordinatorURL": "$2", "CoordinatorPublicKey": "$3", "InviteFile": "$4", ${5:-}
 "Peers": [{"PublicKey": "$(pub r)", "Name": "r", "Trust": "allowedips"}]}
JSON
}
leaf_config a http://172.30.1.1:8787 "$GOOD" "$WORK/good.invite"
leaf_config b http://172.30.2.1:8787 "$GOOD" "$WORK/good.invite"
leaf_config c http://172.30.3.1:8788 "$OTHER" "$WORK/other.invite"
leaf_config e http://172.30.4.1:8787 "$GOOD" "$WORK/good.invite" \
  '"CoordinatorExitCapacity": 10, "CoordinatorEndpoint": "172.30.4.2:51820",'

say "start the agents: R first, then the leaves"
start_agent wlca-r wlcaR0
wait_for 10 "R's fact socket" bash -c "ip netns exec wlca-r ss -uln | grep -q ':51821'"
T0=$SECONDS
start_agent wlca-a wlcaA0
start_agent wlca-b wlcaB0
start_agent wlca-c wlcaC0
start_agent wlca-e wlcaE0

field() {  # field <ns> <iface> <python expression over d>
  show "$1" "$2" --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($3)"
}
registered() { [ "$(field "$1" "$2" 'd["coordinator"]["state"] if d["coordinator"]["has_token"] else "none"')" = registered ]; }
wait_for 60 "A registered with a token" registered wlca-a wlcaA0
wait_for 60 "B registered with a token" registered wlca-b wlcaB0
wait_for 60 "C registered (with the other coordinator)" registered wlca-c wlcaC0
wait_for 60 "E registered as an exit" registered wlca-e wlcaE0
show wlca-a wlcaA0

has_peer() { ip netns exec "$1" wg show "$2" peers | grep -q "$3"; }
say "A and B admit each other through their token facts and become peers"
wait_for 150 "A has B as a peer" has_peer wlca-a wlcaA0 "$(pub b)"
wait_for 60 "B has A as a peer" has_peer wlca-b wlcaB0 "$(pub a)"
echo "   peers after $((SECONDS - T0)) s"
handshake() { [ "$(ip netns exec wlca-a wg show wlcaA0 latest-handshakes | awk -v k="$(pub b)" '$1 == k { print $2 }')" != 0 ]; }
wait_for 60 "A and B handshake directly" handshake

# show lists peers as of its last reconcile cycle (every 5 s): poll until it has caught up.
json_ok() {
  show wlca-a wlcaA0 --json > "$WORK/a.json" && show wlca-b wlcaB0 --json > "$WORK/b.json" &&
  python3 - "$WORK/a.json" "$WORK/b.json" "$(pub a)" "$(pub b)" "$(pub c)" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ka, kb, kc = sys.argv[3:6]
for d, other in ((a, kb), (b, ka)):
    co = d["coordinator"]
    assert co["state"] == "registered" and co["has_token"], co
    assert co["token_expires_in_seconds"] > 0, co
    assert d["counters"]["tokens_verified"] > 0, d["counters"]
    keys = [p["public_key"] for p in d["peers"]]
    assert other in keys, keys
    assert kc not in keys, keys
PY
}
wait_for 30 "A and B list each other in show --json, with coordinator state" json_ok
show wlca-a wlcaA0

say "A and B matched into one cohort on exit E: E is their assigned peer and they handshake"
assigned() {  # assigned <ns> <iface>: in a cohort whose one assigned peer is E
  [ "$(field "$1" "$2" '(d["coordinator"]["cohort"] != "") and d["coordinator"]["assigned_peers"]')" = 1 ]
}
wait_for 90 "A assigned to a cohort with E" assigned wlca-a wlcaA0
wait_for 60 "B assigned to a cohort with E" assigned wlca-b wlcaB0
[ "$(field wlca-a wlcaA0 'd["coordinator"]["cohort"]')" = "$(field wlca-b wlcaB0 'd["coordinator"]["cohort"]')" ] ||
  fail "A and B are in different cohorts"
wait_for 60 "A has E as a peer" has_peer wlca-a wlcaA0 "$(pub e)"
wait_for 60 "E has A as a peer (A's token relayed by R)" has_peer wlca-e wlcaE0 "$(pub a)"
handshake_ae() { [ "$(ip netns exec wlca-a wg show wlcaA0 latest-handshakes | awk -v k="$(pub e)" '$1 == k { print $2 }')" != 0 ]; }
wait_for 60 "A and E handshake" handshake_ae
ip netns exec wlca-a wg show wlcaA0 endpoints | grep "$(pub e)" | grep -q 172.30.4.2:51820 ||
  fail "A does not reach E at its CoordinatorEndpoint"

say "C (token signed by a key A and B do not trust) is never a peer of A or B"
rejected_c() {
  show wlca-a wlcaA0 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert sum(n for k, n in d["counters"]["facts_rejected"].items() if k.startswith("token: ")) > 0'
}
wait_for 60 "A counts C's token as rejected" rejected_c
for ns in a b; do
  has_peer "wlca-$ns" "wlca${ns^^}0" "$(pub c)" && fail "$ns added C"
done
ip netns exec wlca-c wg show wlcaC0 peers | grep -q "$(pub a)" && fail "C added A (A's token is not signed by C's key)"

say "SIGHUP with C re-pointed at the good coordinator: C's session restarts and A admits C"
leaf_config c http://172.30.3.1:8787 "$GOOD" "$WORK/good.invite"
kill -HUP "$AGENT_PID_wlcaC0"
on_good() { [ "$(field wlca-c wlcaC0 'd["coordinator"]["url"]')" = http://172.30.3.1:8787 ] && registered wlca-c wlcaC0; }
wait_for 60 "C registered with the good coordinator after the reload" on_good
TR=$SECONDS
wait_for 150 "A has C as a peer" has_peer wlca-a wlcaA0 "$(pub c)"
echo "   A added C $((SECONDS - TR)) s after C's reload"
echo "PASS: coordinator admission over token facts ($((SECONDS - T0)) s)"
