#!/bin/bash
# Two routers: a mesh whose leaves are configured with two routers, and one router dies.
#
#                     inet (a bridge, 203.0.113.0/24: the "internet", no NAT)
#     /      |      |      |      |      |      \
#   R1 .1  R2 .2  L1 .11 L2 .12 L3 .13 L4 .14  L5 .15
#
#   R1, L1, L2: wirelink-wg     R2, L3, L4, L5: wireguard-go
#
# Overlay 10.88.0.0/24, split between the routers so that both are routers at once (a
# WireGuard device cannot give one prefix to two peers): R1 holds 10.88.0.0/25 (R1 .1, L1 .11,
# L2 .12) and R2 holds 10.88.0.128/25 (R2 .129, L3 .141, L4 .142, L5 .143). Each leaf's device
# and configuration name both routers and nothing else; both routers have every leaf (a /32 in
# the device) and each other (the other's /25) and run with `Router: true` (with a router among
# its peers a node would otherwise not be one), and each configures its own /25 for itself, so
# it announces that half instead of its interface's /24.
#
# Asserts:
#  1. every leaf L1..L4 shows every other leaf with path `direct`;
#  2. R1's agent is SIGKILLed and its host vanishes (its WireGuard daemon killed, its namespace
#     deleted): pings every 200 ms L1->L2 and L3->L4 miss at most MAX_GAP (1) in a row over
#     the next ~15 s, and the leaves still show each other direct;
#  3. a new leaf L5, configured with both routers (R1 dead), and L1 show each other `direct`
#     within 30 s and a ping L5->L1 (R1's half: only the direct path carries it) answers;
#  4. only with TWO_ROUTERS_TTL=1 (it waits out the fact TTL, 255 s): once R1's facts have
#     expired and the leaves are settled, nothing working was removed: every pair of leaves is
#     still direct, every leaf's device still has each other leaf's /32 and R2's /25, and the
#     pings of phase 2 (still running) never missed more than MAX_GAP in a row.
set -euo pipefail
NETNS_PREFIX=wltr
. "$(dirname "$0")/lib.sh"
need python3
TTL_PHASE=${TWO_ROUTERS_TTL:-0}
LIMIT=${TWO_ROUTERS_LIMIT:-150}
[ "$TTL_PHASE" = 1 ] && LIMIT=${TWO_ROUTERS_LIMIT:-480}
watchdog "$LIMIT" 'two routers'
MAX_GAP=${MAX_GAP:-1}

NODES=(r1 r2 l1 l2 l3 l4 l5)
declare -A BACKEND=([r1]=wg [r2]=go [l1]=wg [l2]=wg [l3]=go [l4]=go [l5]=go)
declare -A UNDERLAY=([r1]=203.0.113.1 [r2]=203.0.113.2 [l1]=203.0.113.11 [l2]=203.0.113.12
  [l3]=203.0.113.13 [l4]=203.0.113.14 [l5]=203.0.113.15)
declare -A TUNNEL=([r1]=10.88.0.1 [r2]=10.88.0.129 [l1]=10.88.0.11 [l2]=10.88.0.12
  [l3]=10.88.0.141 [l4]=10.88.0.142 [l5]=10.88.0.143)
declare -A HALF=([r1]=10.88.0.0/25 [r2]=10.88.0.128/25)
ns() { echo "wltr-$1"; }
ifc() { echo "tr$1"; }  # a valid shell name too: start_agent records AGENT_PID_<iface>
declare -A R_DAEMON=()  # the WireGuard daemons' pids per node
STARTED=()              # nodes whose agent runs (or ran)

for n in "${NODES[@]}"; do genkey "$n"; done

say "topology: the internet bridge wltr-i, namespaces wltr-{r1,r2,l1..l4} (l5 comes later)"
add_ns wltr-i
ip -n wltr-i link add br0 type bridge
ip -n wltr-i link set br0 up

# host <node>: its namespace, plugged into the bridge, with its WireGuard device (no peers yet)
host() {
  local n=$1 s
  s=$(ns "$1")
  add_ns "$s"
  ip link add wan0 netns "$s" type veth peer name "p$n" netns wltr-i
  ip -n wltr-i link set "p$n" master br0 up
  ip -n "$s" addr add "${UNDERLAY[$n]}/24" dev wan0
  ip -n "$s" link set wan0 up
  local i
  i=$(ifc "$n")
  if [ "${BACKEND[$n]}" = go ]; then
    wggo "$s" "$i" "$WORK/$n.key" 51820 "${TUNNEL[$n]}/24"
  else
    wgusr "$s" "$i" "$WORK/$n.key" 51820 "${TUNNEL[$n]}/24"
  fi
  R_DAEMON[$n]=$(ip netns pids "$s" | tr '\n' ' ')
}

# A leaf: both routers in its device (each with its half and endpoint) and in its config.
leaf() {
  local n=$1
  host "$n"
  ip netns exec "$(ns "$n")" wg set "$(ifc "$n")" \
    peer "$(pub r1)" allowed-ips "${HALF[r1]}" endpoint "${UNDERLAY[r1]}:51820" \
    peer "$(pub r2)" allowed-ips "${HALF[r2]}" endpoint "${UNDERLAY[r2]}:51820"
  cat >"$WORK/wirelink.$(ifc "$n").json" <<JSON
{"Peers": [{"PublicKey": "$(pub r1)", "Name": "r1"}, {"PublicKey": "$(pub r2)", "Name": "r2"}]}
JSON
}

# A router: every leaf (/32) and the other router (its half, its endpoint) in its device;
# configured with all of them, Router true, and its own half for itself.
router() {
  local n=$1 o=$2 l peers="" cfg
  host "$n"
  ip netns exec "$(ns "$n")" sysctl -qw net.ipv4.ip_forward=1
  for l in l1 l2 l3 l4 l5; do peers+=" peer $(pub "$l") allowed-ips ${TUNNEL[$l]}/32"; done
  # shellcheck disable=SC2086
  ip netns exec "$(ns "$n")" wg set "$(ifc "$n")" $peers \
    peer "$(pub "$o")" allowed-ips "${HALF[$o]}" endpoint "${UNDERLAY[$o]}:51820"
  cfg="{\"PublicKey\": \"$(pub "$n")\", \"Name\": \"$n\", \"AllowedIPs\": [\"${HALF[$n]}\"]}"
  cfg+=", {\"PublicKey\": \"$(pub "$o")\", \"Name\": \"$o\"}"
  for l in l1 l2 l3 l4 l5; do cfg+=", {\"PublicKey\": \"$(pub "$l")\", \"Name\": \"$l\"}"; done
  echo "{\"Router\": true, \"Peers\": [$cfg]}" >"$WORK/wirelink.$(ifc "$n").json"
}

router r1 r2
router r2 r1
for n in l1 l2 l3 l4; do leaf "$n"; done

on_fail() {
  local n
  for n in "${STARTED[@]}"; do
    echo "--- show $n"
    show "$(ns "$n")" "$(ifc "$n")" 2>&1 | sed "s/^/[$n] /" || true
  done
}

run_agent() { start_agent "$(ns "$1")" "$(ifc "$1")"; STARTED+=("$1"); }
agent_pid() { local v; v="AGENT_PID_$(ifc "$1")"; echo "${!v}"; }

# paths <leaf> <other...>: prints "<leaf> <other> <path>" as <leaf>'s agent shows each other
paths() {
  local a=$1 o args=()
  shift
  for o in "$@"; do args+=("$o=$(pub "$o")"); done
  show "$(ns "$a")" "$(ifc "$a")" --json 2>/dev/null | python3 -c '
import json, sys
peers = {p["public_key"]: p["path"] for p in json.load(sys.stdin)["peers"]}
for arg in sys.argv[2:]:
    name, key = arg.split("=", 1)
    print(sys.argv[1], name, peers.get(key, "absent"))' "$a" "${args[@]}"
}

# routers_ok <leaf> <router...>: the leaf rates each router a router with membership trust
# (full-auto) and the router's device allowed IPs are its half and its link-local, no more
routers_ok() {
  local a=$1 r args=()
  shift
  for r in "$@"; do args+=("$r,$(pub "$r"),${HALF[$r]}"); done
  show "$(ns "$a")" "$(ifc "$a")" --json | python3 -c '
import json, sys
peers = {p["public_key"]: p for p in json.load(sys.stdin)["peers"]}
bad = 0
for arg in sys.argv[2:]:
    name, key, half = arg.split(",")
    p = peers.get(key)
    if p is None:
        print(f"{sys.argv[1]}: router {name} missing"); bad = 1; continue
    dev = [c for c in p["device_allowed_ips"] if not c.startswith("fe80:")]
    if not p["router"] or p["trust"] != "membership" or dev != [half]:
        print("%s: router %s: router=%s trust=%s (%s) device allowed IPs %s, want [%s]"
              % (sys.argv[1], name, p["router"], p["trust"], p["trust_source"], dev, half))
        bad = 1
sys.exit(bad)' "$a" "${args[@]}"
}

# all_direct <leaf...>: every listed leaf shows every other listed one direct (prints the
# pairs that are not)
all_direct() {
  local a b others out bad=0
  for a in "$@"; do
    others=()
    for b in "$@"; do [ "$b" = "$a" ] || others+=("$b"); done
    out=$(paths "$a" "${others[@]}") || { echo "$a: no answer from show"; bad=1; continue; }
    echo "$out" | awk '$3 != "direct" { print; bad = 1 } END { exit bad }' || bad=1
  done
  return "$bad"
}

# wait_direct <seconds> <what> <leaf...>: polls all_direct; says which pairs were not direct
# at the first poll and fails with the last ones on timeout
wait_direct() {
  local t=$1 what=$2 t0=$SECONDS out first="" polls=1
  shift 2
  while ! out=$(all_direct "$@"); do
    polls=$((polls + 1))
    [ -n "$first" ] || first=$(echo "$out" | tr '\n' ';')
    ((SECONDS - t0 < t)) || fail "timed out after ${t}s waiting for: $what (not direct: $(echo "$out" | tr '\n' ';'))"
    sleep 1
  done
  echo "$what after $((SECONDS - t0)) s, $polls polls${first:+ (not direct at first: $first)}"
}

# The longest run of unanswered pings (ping -O prints "no answer yet") in lines <from>.. of a
# ping's output, counted from the first of those lines.
gap_from() {
  tail -n "+$2" "$1" | awk '/bytes from/ { run = 0; next }
       /no answer yet/ { run++; if (run > max) max = run }
       END { print max + 0 }'
}
answered_from() { tail -n "+$2" "$1" | grep -c "bytes from" || true; }

say "phase 1: start the routers, then the leaves L1..L4"
T_START=$SECONDS
run_agent r1; run_agent r2
for n in r1 r2; do
  wait_for 20 "$n's fact socket" bash -c "ip netns exec $(ns "$n") ss -uln | grep -q ':51821'"
done
for n in l1 l2 l3 l4; do run_agent "$n"; done
wait_direct 60 "L1..L4 all direct to each other" l1 l2 l3 l4
for n in r1 r2; do
  show "$(ns "$n")" "$(ifc "$n")" --json | json_field 'd["router"]' | grep -qx True || fail "$n is not a router"
done
for n in l1 l2 l3 l4; do
  show "$(ns "$n")" "$(ifc "$n")" --json | json_field 'd["router"]' | grep -qx False || fail "leaf $n acts as a router"
  routers_ok "$n" r1 r2 || fail "leaf $n does not see both routers as routers with their halves"
done

say "pings every 200 ms: L1->L2 and L3->L4"
ip netns exec wltr-l1 ping -O -i 0.2 -W 1 "${TUNNEL[l2]}" >"$WORK/ping-12.out" 2>&1 &
PING12=$!; AGENT_PIDS+=($!)
ip netns exec wltr-l3 ping -O -i 0.2 -W 1 "${TUNNEL[l4]}" >"$WORK/ping-34.out" 2>&1 &
PING34=$!; AGENT_PIDS+=($!)
wait_for 20 "first answers to both pings" bash -c \
  "grep -q 'bytes from' '$WORK/ping-12.out' && grep -q 'bytes from' '$WORK/ping-34.out'"
sleep 2

say "phase 2: R1 dies (agent SIGKILLed, its wirelink-wg killed, its namespace deleted)"
FROM12=$(($(wc -l <"$WORK/ping-12.out") + 1))
FROM34=$(($(wc -l <"$WORK/ping-34.out") + 1))
T_KILL=$SECONDS
R1_AGENT=$(agent_pid r1)
kill -KILL "$R1_AGENT"
wait "$R1_AGENT" 2>/dev/null || true
# shellcheck disable=SC2086
kill -KILL ${R_DAEMON[r1]} 2>/dev/null || true
ip netns del wltr-r1
sleep 15
gap12=$(gap_from "$WORK/ping-12.out" "$FROM12"); ans12=$(answered_from "$WORK/ping-12.out" "$FROM12")
gap34=$(gap_from "$WORK/ping-34.out" "$FROM34"); ans34=$(answered_from "$WORK/ping-34.out" "$FROM34")
echo "over $((SECONDS - T_KILL)) s after the kill: L1->L2 $ans12 answered, longest gap $gap12;" \
  "L3->L4 $ans34 answered, longest gap $gap34"
((gap12 <= MAX_GAP)) || fail "L1->L2: $gap12 pings in a row unanswered after R1 died (max $MAX_GAP)"
((gap34 <= MAX_GAP)) || fail "L3->L4: $gap34 pings in a row unanswered after R1 died (max $MAX_GAP)"
((ans12 >= 30 && ans34 >= 30)) || fail "too few answers after R1 died (L1->L2 $ans12, L3->L4 $ans34)"
out=$(all_direct l1 l2 l3 l4) || fail "leaves no longer all direct after R1 died: $out"
for n in l1 l2 l3 l4 r2; do kill -0 "$(agent_pid "$n")" || fail "agent of $n exited"; done

say "phase 3: a new leaf L5 (configured with both routers, R1 dead) joins"
leaf l5
T_L5=$SECONDS
run_agent l5
wait_direct 30 "L5 and L1 direct to each other" l5 l1
# L1's address lies in R1's (dead) half: only the direct path can carry this ping.
left=$((30 - (SECONDS - T_L5)))
((left < 5)) && left=5
wait_for "$left" "a ping L5->L1 answered" ip netns exec wltr-l5 ping -c 1 -W 1 "${TUNNEL[l1]}"
echo "L5 direct with L1 and answered by it $((SECONDS - T_L5)) s after its agent started"
routers_ok l5 r2 || fail "L5 does not see R2 as a router with its half"
for n in l1 l2 l3 l4; do routers_ok "$n" r2 || fail "leaf $n lost R2's half"; done

if [ "$TTL_PHASE" = 1 ]; then
  say "phase 4: wait out the fact TTL (255 s after R1 died, and the leaves settled)"
  # R1's facts expire 255 s after its last datagram (its relayed copies age with them); the
  # leaves arm their fallback and deletion rules 255 s after their start.
  # Meanwhile every 5 s: the pairs of leaves not shown direct, with the seconds since the kill.
  while ((SECONDS - T_KILL < 255 + 20 || SECONDS - T_L5 < 255 + 10)); do
    out=$(all_direct l1 l2 l3 l4 l5) || echo "$out" | sed "s/^/$((SECONDS - T_KILL)) s after the kill: /" >>"$WORK/wobbles.txt"
    sleep 5
  done
  if [ -s "$WORK/wobbles.txt" ]; then
    echo "pairs seen not direct while waiting ($(wc -l <"$WORK/wobbles.txt")):"; head -n 40 "$WORK/wobbles.txt"
  fi
  wait_direct 20 "all leaves still direct to each other" l1 l2 l3 l4 l5
  for a in l1 l2 l3 l4 l5; do
    aips=$(ip netns exec "$(ns "$a")" wg show "$(ifc "$a")" allowed-ips)
    for b in l1 l2 l3 l4 l5 r2; do
      [ "$a" = "$b" ] && continue
      want="${TUNNEL[$b]}/32"
      [ "$b" = r2 ] && want=${HALF[r2]}
      echo "$aips" | awk -v k="$(pub "$b")" '$1 == k' | grep -qF "$want" ||
        fail "$a's device lost $b's $want: $(echo "$aips" | awk -v k="$(pub "$b")" '$1 == k')"
    done
    echo "$a's device, R1: $(echo "$aips" | awk -v k="$(pub r1)" '$1 == k { $1 = ""; print }')"
  done
  gap12=$(gap_from "$WORK/ping-12.out" "$FROM12"); gap34=$(gap_from "$WORK/ping-34.out" "$FROM34")
  echo "since R1 died ($((SECONDS - T_KILL)) s): longest gaps L1->L2 $gap12, L3->L4 $gap34"
  ((gap12 <= MAX_GAP && gap34 <= MAX_GAP)) || fail "pings lost after the TTL (gaps $gap12, $gap34)"
  ip netns exec wltr-l5 ping -c 3 -i 0.2 -W 1 "${TUNNEL[l1]}" >/dev/null || fail "ping L5->L1 after the TTL"
fi
kill -INT "$PING12" "$PING34" 2>/dev/null || true
say "PASS: two routers ($((SECONDS - T_START)) s)"
