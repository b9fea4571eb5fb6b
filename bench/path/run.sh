#!/bin/bash
# Path agility benchmark: how fast two leaves go direct, fall back to the router when their
# direct path dies, and come back when it heals. Real agents on wirelink-wg devices in network
# namespaces (the quick start's topology):
#
#   R (router) knows A and B.  A and B know only R, and share a LAN (192.168.113.0/24) that R
#   cannot see.
#
# Prints one line per run:
#   PATH scenario=lan backend=wirelink-wg time_to_direct_s=… fallback_s=… recover_s=… \
#        lost_pings_break=… lost_pings_recover=…
#   time_to_direct_s    agents started -> A has B on the LAN endpoint with B's tunnel address
#   fallback_s          A-B LAN dropped (nft, both directions) -> pings answered again (via R)
#   recover_s           LAN back -> A has B direct again with B's tunnel address
#   lost_pings_*        pings (every 100 ms) lost around the break / the return to direct
# The leaves may move traffic off a dead direct path only once settled (the fact TTL, 255 s,
# after start), so the break comes SETTLE seconds (default 260) after the start.
#
# Usage: sudo bench/path/run.sh   (needs build/bin/wirelink and build/bin/wirelink-wg)
# Environment: SETTLE=260 WIRELINK=build/bin/wirelink WG=build/bin/wirelink-wg
set -euo pipefail
cd "$(dirname "$0")/../.."
WIRELINK=${WIRELINK:-$PWD/build/bin/wirelink}
WG=${WG:-$PWD/build/bin/wirelink-wg}
SETTLE=${SETTLE:-260}
[ -x "$WIRELINK" ] && [ -x "$WG" ] || { echo "build wirelink and wirelink-wg first (cmake --build --preset release)" >&2; exit 2; }

NS=(wlbp-r wlbp-a wlbp-b)
WORK=$(mktemp -d /tmp/wlbp.XXXXXX)
PIDS=()
cleanup() {
  local p n
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  [ -n "${KEEP_LOGS:-}" ] && echo "logs in $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; ip netns add "$n"; ip -n "$n" link set lo up; done
link() {  # link <ns1> <if1> <addr1> <ns2> <if2> <addr2>
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"; ip -n "$1" link set "$2" up
  ip -n "$4" addr add "$6" dev "$5"; ip -n "$4" link set "$5" up
}
link wlbp-r bpra 192.168.111.1/24 wlbp-a bpar 192.168.111.2/24
link wlbp-r bprb 192.168.112.1/24 wlbp-b bpbr 192.168.112.2/24
link wlbp-a bpab 192.168.113.1/24 wlbp-b bpba 192.168.113.2/24
ip netns exec wlbp-r sysctl -qw net.ipv4.ip_forward=1

for h in r a b; do (umask 077; wg genkey > "$WORK/$h.key"); wg pubkey < "$WORK/$h.key" > "$WORK/$h.pub"; done
pub() { cat "$WORK/$1.pub"; }
mkdir -p "$WORK/run"
wgdev() {  # wgdev <host> <iface> <overlay address>
  local ns=wlbp-$1
  rm -f "/var/run/wireguard/$2.sock"
  ip netns exec "$ns" "$WG" "$2" >"$WORK/wg-$2.log" 2>&1
  for _ in $(seq 50); do [ -S "/var/run/wireguard/$2.sock" ] && break; sleep 0.1; done
  PIDS+=($(ip netns pids "$ns"))
  ip netns exec "$ns" wg set "$2" private-key "$WORK/$1.key" listen-port 51820
  ip -n "$ns" addr add "$3" dev "$2"
  ip -n "$ns" link set "$2" up
}
wgdev r wlbpR0 10.87.0.1/24
wgdev a wlbpA0 10.87.0.2/24
wgdev b wlbpB0 10.87.0.3/24
ip netns exec wlbp-r wg set wlbpR0 peer "$(pub a)" allowed-ips 10.87.0.2/32 peer "$(pub b)" allowed-ips 10.87.0.3/32
ip netns exec wlbp-a wg set wlbpA0 peer "$(pub r)" allowed-ips 10.87.0.0/24 endpoint 192.168.111.1:51820
ip netns exec wlbp-b wg set wlbpB0 peer "$(pub r)" allowed-ips 10.87.0.0/24 endpoint 192.168.112.1:51820

agent() {  # agent <host> <iface>
  ip netns exec "wlbp-$1" env RUNTIME_DIRECTORY="$WORK/run" WIRELINK_CONFIG_PATH="$WORK" \
    "$WIRELINK" --iface "$2" --debug >"$WORK/agent-$1.log" 2>&1 &
  PIDS+=($!)
}
agent r wlbpR0
for _ in $(seq 40); do [ -S "$WORK/run/wlbpR0.sock" ] && break; sleep 0.25; done
T0=$(now)
agent a wlbpA0
agent b wlbpB0

direct() {  # A has B on the LAN endpoint and carries B's tunnel address
  ip netns exec wlbp-a wg show wlbpA0 endpoints | grep -q "$(pub b).*192.168.113.2:51820" &&
    ip netns exec wlbp-a wg show wlbpA0 allowed-ips | grep "$(pub b)" | grep -q 10.87.0.3/32
}
wait_for() {  # wait_for <seconds> <command...>: polls every 100 ms
  local limit=$1; shift
  local end; end=$(awk -v a="$(now)" -v l="$limit" 'BEGIN { printf "%.3f", a + l }')
  while ! "$@"; do
    awk -v e="$end" -v n="$(now)" 'BEGIN { exit !(n > e) }' && return 1
    sleep 0.1
  done
}
wait_for 240 direct || { tail -n 30 "$WORK"/agent-a.log >&2; echo "A and B did not go direct" >&2; exit 1; }
TTD=$(since "$T0")

# Settle, then ping every 100 ms and break the LAN between A and B in both directions.
while awk -v a="$T0" -v n="$(now)" -v s="$SETTLE" 'BEGIN { exit !(n - a < s) }'; do sleep 1; done
ip netns exec wlbp-a ping -D -i 0.1 -W 1 10.87.0.3 >"$WORK/ping.log" 2>&1 &
PING=$!
PIDS+=($PING)
sleep 3
for ns in wlbp-a wlbp-b; do
  ip netns exec "$ns" nft -f - <<'EOF'
table inet wlbp {
  chain in { type filter hook input priority 0; ip saddr 192.168.113.0/24 drop; }
  chain out { type filter hook output priority 0; ip daddr 192.168.113.0/24 drop; }
}
EOF
done
TB=$(now)
answered_after() {  # a reply stamped after time $1
  awk -v t="$1" '/bytes from/ { gsub(/[\[\]]/, "", $1); if ($1 > t) { found = 1 } } END { exit !found }' "$WORK/ping.log"
}
wait_for 300 answered_after "$TB" || { echo "pings did not resume through R" >&2; exit 1; }
FALLBACK=$(since "$TB")
sleep 5
for ns in wlbp-a wlbp-b; do ip netns exec "$ns" nft delete table inet wlbp; done
TH=$(now)
wait_for 300 direct || { echo "A and B did not go direct again" >&2; exit 1; }
RECOVER=$(since "$TH")
sleep 5
kill -INT "$PING" 2>/dev/null || true
wait "$PING" 2>/dev/null || true

# Lost pings: gaps in icmp_seq among the replies, around the break and around the return.
lost_between() {  # lost_between <from> <to>: sequence numbers sent in (from, to) with no reply
  awk -v a="$1" -v b="$2" '/bytes from/ { t = $1; gsub(/[\[\]]/, "", t); split($0, f, "icmp_seq="); split(f[2], g, " ");
       seq = g[1] + 0; if (t > a && t < b) { if (last && seq > last + 1) lost += seq - last - 1; last = seq } else if (t <= a) last = seq }
       END { print lost + 0 }' "$WORK/ping.log"
}
LOST_BREAK=$(lost_between "$(awk -v t="$TB" 'BEGIN { printf "%.3f", t - 1 }')" "$TH")
LOST_RECOVER=$(lost_between "$TH" "$(now)")
echo "PATH scenario=lan backend=wirelink-wg time_to_direct_s=$TTD fallback_s=$FALLBACK recover_s=$RECOVER lost_pings_break=$LOST_BREAK lost_pings_recover=$LOST_RECOVER"
