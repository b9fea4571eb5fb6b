#!/bin/bash
# NAT matrix: real NAT gateways (nftables) in network namespaces, one topology per scenario,
# every scenario at the same time (each has its own namespaces and interface names):
#
#            inet (a bridge, 203.0.113.0/24: the "internet")
#          /        |         \
#     R .1      NAT-A .2     NAT-B .3        R: router on a public address
#                   |            |
#          A 192.168.1.2    B 192.168.2.2    A, B: leaves configured only with R
#
# NAT kinds (RFC 4787 terms), each side chosen per scenario:
#   none       the leaf sits on the bridge itself (A .12, B .13)
#   full       full cone: masquerade persistent + the WireGuard port forwarded to the leaf
#   prc        port-restricted cone with a home router's inbound drop (input and forward
#              drop what conntrack does not know)
#   prcopen    port-restricted cone without the inbound drop (plain masquerade persistent): a
#              knock that arrives first leaves a conntrack entry that collides with the inside
#              host's own mapping (opt-in: NAT_MATRIX_EXTRA=collide; see "Left undone" below)
#   sym        symmetric: masquerade random (a new public port per destination) + inbound drop
#   shared     A and B on one LAN behind one NAT (NAT-A; B is 192.168.1.3)
#
# Asserts per scenario: the path A's agent chooses for B (`show --json`: `direct` or `via r`),
# that traffic really takes it (R's forwarded-ICMP counter between A's and B's tunnel
# addresses stays flat over a window of pings when direct, and grows when relayed), and that
# a ping A->B every 200 ms, once answered, never misses more than MAX_GAP in a row while the
# agents find their path. Runs on wirelink-wg devices; scenario `prc-go` repeats the
# port-restricted case on wireguard-go.
set -euo pipefail
NETNS_PREFIX=wlnm
. "$(dirname "$0")/lib.sh"
need nft; need python3
watchdog "${NAT_MATRIX_LIMIT:-200}" 'NAT matrix'
# Consecutive pings (200 ms apart) that may go unanswered after the first answer.
MAX_GAP=${MAX_GAP:-10}

# name  nat-of-A  nat-of-B  expected-path  backend
SCENARIOS=(
  "open   none   none   direct  wg"
  "full   full   full   direct  wg"
  "prc    prc    prc    direct  wg"
  "shared shared shared direct  wg"
  "symsym sym    sym    relayed wg"
  "prcsym prc    sym    relayed wg"
  "prc-go prc    prc    direct  go"
)
# The conntrack-collision case stays relayed until coordinated knocking (issue 13 item 3)
# exists; it is run only on request so that CI guards what works today.
[ "${NAT_MATRIX_EXTRA:-}" = collide ] && SCENARIOS+=("collide prcopen prcopen direct wg")

for h in r a b; do genkey "$h"; done

# wgdev <ns> <iface> <backend> <overlay addr/len>
wgdev() {
  if [ "$3" = go ]; then
    wggo "$1" "$2" "$WORK/$5.key" 51820 "$4"
  else
    wgusr "$1" "$2" "$WORK/$5.key" 51820 "$4"
  fi
}

# bridge_port <scenario index> <ns> <ifname> <addr/len>: plugs <ns> into the scenario's internet
bridge_port() {
  local inet=wlnm$1-i
  local port=p${2##*-}
  ip link add "$3" netns "$2" type veth peer name "$port" netns "$inet"
  ip -n "$inet" link set "$port" master br0 up
  ip -n "$2" addr add "$4" dev "$3"
  ip -n "$2" link set "$3" up
}

# nat_rules <ns> <kind> <inside host>: the gateway's nftables ruleset (wan = "wan0", lan = "lan0")
nat_rules() {
  local masq="masquerade persistent" fwd="" drop=1
  case $2 in
    full) fwd="chain pre { type nat hook prerouting priority -100; iifname \"wan0\" udp dport 51820 dnat to $3; }"; drop=0 ;;
    sym) masq="masquerade random" ;;
    prcopen) drop=0 ;;
  esac
  ip netns exec "$1" nft -f - <<EOF
table ip nat {
  $fwd
  chain post { type nat hook postrouting priority 100; oifname "wan0" $masq; }
}
EOF
  if [ "$drop" = 1 ]; then
    ip netns exec "$1" nft -f - <<'EOF'
table inet homerouter {
  chain in { type filter hook input priority 0; policy accept; iifname "wan0" ct state != { established, related } drop; }
  chain forward_chain { type filter hook forward priority 0; policy accept; iifname "wan0" ct state != { established, related } drop; }
}
EOF
  fi
}

# behind <i> <side a|b> <kind> <leaf addr/len>: a NAT gateway for one side
behind() {
  local gw=wlnm$1-n$2 leaf=wlnm$1-$2 pub=203.0.113.2
  [ "$2" = b ] && pub=203.0.113.3
  add_ns "$gw"
  ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
  bridge_port "$1" "$gw" wan0 "$pub/24"
  local lan=192.168.1
  [ "$2" = b ] && lan=192.168.2
  ip link add lan0 netns "$gw" type veth peer name lan0 netns "$leaf"
  ip -n "$gw" addr add "$lan.1/24" dev lan0; ip -n "$gw" link set lan0 up
  ip -n "$leaf" addr add "$lan.2/24" dev lan0; ip -n "$leaf" link set lan0 up
  ip -n "$leaf" route add default via "$lan.1"
  nat_rules "$gw" "$3" "$lan.2"
}

setup() {  # setup <i> <nat A> <nat B> <backend>
  local i=$1 s=wlnm$1
  for n in i r a b; do add_ns "$s-$n"; done
  ip -n "$s-i" link add br0 type bridge
  ip -n "$s-i" link set br0 up
  bridge_port "$i" "$s-r" wan0 203.0.113.1/24
  ip netns exec "$s-r" sysctl -qw net.ipv4.ip_forward=1
  if [ "$2" = shared ]; then
    behind "$i" a prc
    # B on A's LAN: a second leg of NAT-A's inside link through a bridge.
    local gw=$s-na
    ip -n "$gw" link add lb type bridge
    ip -n "$gw" link set lb up
    ip -n "$gw" addr del 192.168.1.1/24 dev lan0
    ip -n "$gw" link set lan0 master lb
    ip -n "$gw" addr add 192.168.1.1/24 dev lb
    ip link add lanb netns "$gw" type veth peer name lan0 netns "$s-b"
    ip -n "$gw" link set lanb master lb up
    ip -n "$s-b" addr add 192.168.1.3/24 dev lan0; ip -n "$s-b" link set lan0 up
    ip -n "$s-b" route add default via 192.168.1.1
    ip netns exec "$gw" nft flush ruleset
    ip netns exec "$gw" nft add table ip nat
    ip netns exec "$gw" nft add chain ip nat post '{ type nat hook postrouting priority 100; }'
    ip netns exec "$gw" nft add rule ip nat post oifname wan0 masquerade persistent
  else
    if [ "$2" = none ]; then bridge_port "$i" "$s-a" wan0 203.0.113.12/24; else behind "$i" a "$2"; fi
    if [ "$3" = none ]; then bridge_port "$i" "$s-b" wan0 203.0.113.13/24; else behind "$i" b "$3"; fi
  fi
  wgdev "$s-r" "nm${i}r" "$4" 10.88.0.1/24 r
  wgdev "$s-a" "nm${i}a" "$4" 10.88.0.2/24 a
  wgdev "$s-b" "nm${i}b" "$4" 10.88.0.3/24 b
  ip netns exec "$s-r" wg set "nm${i}r" peer "$(pub a)" allowed-ips 10.88.0.2/32 peer "$(pub b)" allowed-ips 10.88.0.3/32
  ip netns exec "$s-a" wg set "nm${i}a" peer "$(pub r)" allowed-ips 10.88.0.0/24 endpoint 203.0.113.1:51820
  ip netns exec "$s-b" wg set "nm${i}b" peer "$(pub r)" allowed-ips 10.88.0.0/24 endpoint 203.0.113.1:51820
  echo "{\"Peers\": [{\"PublicKey\": \"$(pub a)\", \"Name\": \"a\"}, {\"PublicKey\": \"$(pub b)\", \"Name\": \"b\"}]}" \
    > "$WORK/wirelink.nm${i}r.json"
  for n in a b; do
    echo "{\"Peers\": [{\"PublicKey\": \"$(pub r)\", \"Name\": \"r\"}]}" > "$WORK/wirelink.nm${i}$n.json"
  done
  # R counts the ICMP it forwards between A's and B's tunnel addresses.
  ip netns exec "$s-r" nft -f - <<'EOF'
table inet wlnm {
  counter relayed { }
  chain forward_chain { type filter hook forward priority 0; ip saddr 10.88.0.2 ip daddr 10.88.0.3 icmp type echo-request counter name "relayed"; }
}
EOF
}

relayed_count() { ip netns exec "wlnm$1-r" nft list counter inet wlnm relayed | awk '/packets/ { print $2 }'; }
path_of() {  # the path A's agent shows for B
  show "wlnm$1-a" "nm$1a" --json 2>/dev/null | python3 -c '
import json, sys
key = sys.argv[1]
for p in json.load(sys.stdin)["peers"]:
    if p["public_key"] == key:
        print(p["path"])' "$(pub b)"
}

# check <i> <name> <expected>: runs in the background, writes $WORK/result-<i>
check() {
  local i=$1 name=$2 want=$3 out="$WORK/result-$1" t path c0 c1
  {
    # Seconds since the leaves started (the loop's pace depends on the machine's load).
    while t=$((SECONDS - T0)); ((t < 90)); do
      path=$(path_of "$i" || true)
      echo "$t s: $path" >>"$WORK/trace-$i.log"
      if [ "$want" = direct ] && [ "$path" = direct ]; then break; fi
      # A relayed pair is judged only after the direct candidates had time to fail.
      if [ "$want" = relayed ] && [[ "$path" == via* ]] && ((t >= 30)); then break; fi
      sleep 1
    done
    echo "path after ${t}s: $path"
    case $want in
      direct) [ "$path" = direct ] || { echo "FAIL $name: A shows B's path as '$path', want direct"; return; } ;;
      relayed) [[ "$path" == via* ]] || { echo "FAIL $name: A shows B's path as '$path', want via r"; return; } ;;
    esac
    c0=$(relayed_count "$i"); sleep 3; c1=$(relayed_count "$i")
    echo "R forwarded $((c1 - c0)) A->B echo requests in 3 s"
    if [ "$want" = direct ] && [ "$c1" != "$c0" ]; then echo "FAIL $name: direct, but R forwarded A->B pings"; return; fi
    if [ "$want" = relayed ] && [ "$c1" = "$c0" ]; then echo "FAIL $name: relayed, but R forwarded no A->B ping"; return; fi
    echo "PASS $name"
  } >"$out" 2>&1
}

# The longest run of unanswered pings after the first answer (ping -O prints "no answer yet").
longest_gap() {
  awk '/bytes from/ { seen = 1; run = 0; next }
       /no answer yet/ && seen { run++; if (run > max) max = run }
       END { print max + 0 }' "$1"
}

on_fail() {
  local k
  for ((k = 0; k < ${#SCENARIOS[@]}; k++)); do
    show "wlnm$k-a" "nm${k}a" 2>/dev/null | sed "s/^/[$k] /" || true
    tail -n 3 "$WORK/trace-$k.log" "$WORK/result-$k" 2>/dev/null | sed "s/^/[$k] /" || true
  done
}

say "topologies: ${#SCENARIOS[@]} scenarios, namespaces wlnm<i>-{i,r,a,b,na,nb}"
for ((k = 0; k < ${#SCENARIOS[@]}; k++)); do
  read -r name na nb want be <<<"${SCENARIOS[$k]}"
  setup "$k" "$na" "$nb" "$be"
done

say "start the agents: the routers first, then every leaf"
for ((k = 0; k < ${#SCENARIOS[@]}; k++)); do start_agent "wlnm$k-r" "nm${k}r"; done
for ((k = 0; k < ${#SCENARIOS[@]}; k++)); do
  wait_for 10 "R's fact socket in scenario $k" bash -c "ip netns exec wlnm$k-r ss -uln | grep -q ':51821'"
done
T0=$SECONDS
PINGS=()
for ((k = 0; k < ${#SCENARIOS[@]}; k++)); do
  start_agent "wlnm$k-a" "nm${k}a"
  start_agent "wlnm$k-b" "nm${k}b"
  ip netns exec "wlnm$k-a" ping -O -i 0.2 -W 1 10.88.0.3 >"$WORK/ping-$k.out" 2>&1 &
  PINGS+=($!); AGENT_PIDS+=($!)
done

CHECKS=()
for ((k = 0; k < ${#SCENARIOS[@]}; k++)); do
  read -r name na nb want be <<<"${SCENARIOS[$k]}"
  check "$k" "$name" "$want" 9>&- &
  CHECKS+=($!); AGENT_PIDS+=($!)
done
for p in "${CHECKS[@]}"; do wait "$p" || true; done
for p in "${PINGS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
say "all scenarios judged after $((SECONDS - T0)) s"

FAILED=0
for ((k = 0; k < ${#SCENARIOS[@]}; k++)); do
  read -r name na nb want be <<<"${SCENARIOS[$k]}"
  gap=$(longest_gap "$WORK/ping-$k.out")
  echo "-- $name (A: $na, B: $nb, $be): $(tr '\n' ';' <"$WORK/result-$k") longest ping gap $gap"
  grep -q "^PASS" "$WORK/result-$k" || FAILED=1
  grep -q "bytes from" "$WORK/ping-$k.out" || { echo "FAIL $name: no ping A->B answered"; FAILED=1; }
  if ((gap > MAX_GAP)); then echo "FAIL $name: $gap pings in a row unanswered"; FAILED=1; fi
done
((FAILED == 0)) || fail "NAT matrix"
say "NAT matrix passed"
