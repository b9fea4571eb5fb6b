#!/bin/bash
# The coordinator decides who joins (CoordinatorOpenMembership, default false), end to end: a
# real wirelink-coordinator (--dev) in the router's namespace, a router R and leaves A, B, N on
# wireguard-go with the real agent, default settings everywhere (no Trust: R is the leaves'
# router and so a membership source, "full-auto"). R has every leaf configured and gossips their
# membership. A and B register with the coordinator; N has no coordinator settings and never
# holds a token.
#
#        A ---- R ---- B         coordinator on R, :8787
#               |
#               N
#
# Asserts: A and B become peers of each other; N, named a member by R, is never added on A or B
# while they are gated. Then B restarts with CoordinatorOpenMembership true and adds N (R's
# membership facts about N reach the leaves, so the gated "never added" could fail); A, still
# gated, has not added N at that point.
# Removal after token expiry + grace is not asserted here: a leaf deletes a peer only once its
# membership source has been healthy and alive for 260 s (PROTOCOL.md §6.1 delete guard), which
# does not fit the time bound; agent_coordinator_test covers it on the gossip view.
set -euo pipefail
# Bounded well under ctest's TIMEOUT: on expiry `timeout` sends TERM and fail() cleans up.
LIMIT=${MEMBERSHIP_LIMIT:-85}
[ -n "${WLMB_BOUNDED:-}" ] || WLMB_BOUNDED=1 exec timeout "$LIMIT" "$0" "$@"
NETNS_PREFIX=wlmb
. "$(dirname "$0")/../agent/lib.sh"
trap 'WLAG_HOLD="" fail "membership watchdog ($LIMIT s)"' TERM
need python3; need curl
COORD=$WL_BIN/wirelink-coordinator
[ -x "$COORD" ] || fail "$COORD not built"
on_fail() {
  ip netns exec wlmb-b wg show wlmbB0 2>/dev/null || true
  show wlmb-b wlmbB0 2>/dev/null || true
}

say "topology: namespaces wlmb-r, wlmb-a, wlmb-b, wlmb-n"
for n in r a b n; do add_ns "wlmb-$n"; done
ip netns exec wlmb-r sysctl -qw net.ipv4.ip_forward=1
LINK=(a b n)  # leaf LINK[i] sits on 172.31.(i+1).0/24, R at .1
for i in "${!LINK[@]}"; do
  n=${LINK[$i]} net=172.31.$((i + 1))
  veth wlmb-r "wlmbr$n" "$net.1/24" "wlmb-$n" "wlmb${n}r" "$net.2/24"
  ip -n "wlmb-$n" route replace 172.31.0.0/16 via "$net.1"
done

say "coordinator on R (:8787)"
"$COORD" keygen --db "$WORK/coord.db" > "$WORK/coord.keygen" 2>"$WORK/coord-keygen.log" || fail "keygen"
KEY=$(head -1 "$WORK/coord.keygen")
[[ $KEY == k4.public.* ]] || fail "keygen printed $(cat "$WORK/coord.keygen")"
(umask 077; "$COORD" invite create --uses 4 --ttl 1h --db "$WORK/coord.db" > "$WORK/invite") || fail "invite"
ip netns exec wlmb-r "$COORD" serve --dev --listen 0.0.0.0:8787 --db "$WORK/coord.db" \
  >"$WORK/coord.log" 2>&1 &
DAEMON_PIDS+=("$!")
wait_for 20 "coordinator ready" ip netns exec wlmb-r curl -fsS http://127.0.0.1:8787/readyz

say "WireGuard: R knows every leaf, each leaf knows only R"
for n in r a b n; do genkey "$n"; done
wggo wlmb-r wlmbR0 "$WORK/r.key" 51820 10.79.0.1/24
wggo wlmb-a wlmbA0 "$WORK/a.key" 51820 10.79.0.2/24
wggo wlmb-b wlmbB0 "$WORK/b.key" 51820 10.79.0.3/24
wggo wlmb-n wlmbN0 "$WORK/n.key" 51820 10.79.0.4/24
ip netns exec wlmb-r wg set wlmbR0 peer "$(pub a)" allowed-ips 10.79.0.2/32 \
  peer "$(pub b)" allowed-ips 10.79.0.3/32 peer "$(pub n)" allowed-ips 10.79.0.4/32
for i in "${!LINK[@]}"; do
  n=${LINK[$i]}
  ip netns exec "wlmb-$n" wg set "wlmb${n^^}0" peer "$(pub r)" allowed-ips 10.79.0.0/24 endpoint "172.31.$((i + 1)).1:51820"
done

# R checks and relays tokens (the key advertises the token feature) and has no session itself.
cat > "$WORK/wirelink.wlmbR0.json" <<JSON
{"CoordinatorPublicKey": "$KEY",
 "Peers": [{"PublicKey": "$(pub a)", "Name": "a"}, {"PublicKey": "$(pub b)", "Name": "b"},
           {"PublicKey": "$(pub n)", "Name": "n"}]}
JSON
leaf_config() {  # leaf_config <n> <coordinator JSON members>
  cat > "$WORK/wirelink.wlmb${1^^}0.json" <<JSON
{$2 "Peers": [{"PublicKey": "$(pub r)", "Name": "r"}]}
JSON
}
registered_leaf() {  # registered_leaf <n> <R's address on its link> [extra JSON members]
  leaf_config "$1" "\"CoordinatorURL\": \"http://$2:8787\", \"CoordinatorPublicKey\": \"$KEY\",
 \"InviteFile\": \"$WORK/invite\", ${3:-}"
}
registered_leaf a 172.31.1.1
registered_leaf b 172.31.2.1
leaf_config n ""

say "start the agents: R first, then the leaves"
start_agent wlmb-r wlmbR0
wait_for 10 "R's fact socket" bash -c "ip netns exec wlmb-r ss -uln | grep -q ':51821'"
T0=$SECONDS
for n in a b n; do start_agent "wlmb-$n" "wlmb${n^^}0"; done

registered() {
  [ "$(show "$1" "$2" --json | json_field 'd["coordinator"]["state"] if d["coordinator"]["has_token"] else "none"')" = registered ]
}
wait_for 30 "A registered with a token" registered wlmb-a wlmbA0
wait_for 30 "B registered with a token" registered wlmb-b wlmbB0

has_peer() { ip netns exec "$1" wg show "$2" peers | grep -q "$3"; }
# show lists peers as of its last reconcile cycle: poll until it has caught up.
listed() { show "$1" "$2" --json | python3 -c '
import json, sys
sys.exit(sys.argv[1] not in [p["public_key"] for p in json.load(sys.stdin)["peers"]])' "$3"; }
say "A and B (registered) become members of each other"
wait_for 40 "A has B as a peer" has_peer wlmb-a wlmbA0 "$(pub b)"
wait_for 20 "B has A as a peer" has_peer wlmb-b wlmbB0 "$(pub a)"
wait_for 10 "B lists A in show --json" listed wlmb-b wlmbB0 "$(pub a)"
echo "   peers after $((SECONDS - T0)) s"

not_added() {  # not_added <leaf>...: N is neither a device peer nor listed by show
  local l
  for l in "$@"; do
    has_peer "wlmb-$l" "wlmb${l^^}0" "$(pub n)" && fail "$l added N (no token)"
    listed "wlmb-$l" "wlmb${l^^}0" "$(pub n)" && fail "$l lists N (no token)"
  done
  return 0
}
say "N (named a member by R, no token) is not added on A or B"
not_added a b

say "B restarts with CoordinatorOpenMembership true: R's membership facts alone add N"
kill "$AGENT_PID_wlmbB0"
wait "$AGENT_PID_wlmbB0" 2>/dev/null || true
registered_leaf b 172.31.2.1 '"CoordinatorOpenMembership": true,'
start_agent wlmb-b wlmbB0
TB=$SECONDS
wait_for 40 "B (open membership) has N as a peer" has_peer wlmb-b wlmbB0 "$(pub n)"
echo "   B added N $((SECONDS - TB)) s after its restart"
say "A (gated) has still not added N"
not_added a
echo "PASS: coordinator-gated membership ($((SECONDS - T0)) s)"
