# Shared helpers for the wirelink-wg netns tests. Namespaces and interfaces use the prefix
# "wlwg" plus a per-script tag; everything is removed on exit (processes by PID).
set -u
WG_BIN_DIR=${WL_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../build/bin" && pwd)}
WLWG=${WLWG:-$WG_BIN_DIR/wirelink-wg}
SOCKDIR=/var/run/wireguard
PIDS=()
NSS=()
IFACES=()
TMP=$(mktemp -d /tmp/wlwg-test.XXXXXX)

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -d "$TMP" ] && for f in "$TMP"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done; exit 1; }
ok() { echo "ok   $*"; }

require_root_tools() {
  [ "$(id -u)" = 0 ] || skip "needs root"
  [ -c /dev/net/tun ] || skip "/dev/net/tun missing"
  for t in ip wg "$@"; do command -v "$t" >/dev/null 2>&1 || skip "missing tool: $t"; done
  [ -x "$WLWG" ] || fail "wirelink-wg not built at $WLWG"
}

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  for ns in "${NSS[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  for i in "${IFACES[@]}"; do rm -f "$SOCKDIR/$i.sock"; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# make_pair NS_A NS_B : two namespaces joined by a veth (a: 10.201.0.1, fd00:201::1; b: .2/::2)
make_pair() {
  local a=$1 b=$2
  for ns in "$a" "$b"; do ip netns del "$ns" 2>/dev/null; ip netns add "$ns" || fail "netns add $ns"; NSS+=("$ns"); ip -n "$ns" link set lo up; done
  ip link add "${a}-v" type veth peer name "${b}-v" || fail "veth"
  ip link set "${a}-v" netns "$a"; ip link set "${b}-v" netns "$b"
  ip -n "$a" addr add 10.201.0.1/24 dev "${a}-v"; ip -n "$a" addr add fd00:201::1/64 dev "${a}-v" nodad
  ip -n "$b" addr add 10.201.0.2/24 dev "${b}-v"; ip -n "$b" addr add fd00:201::2/64 dev "${b}-v" nodad
  ip -n "$a" link set "${a}-v" up; ip -n "$b" link set "${b}-v" up
}

# start_daemon NS IFACE BINARY : runs a userspace WireGuard in the foreground in NS
start_daemon() {
  local ns=$1 ifc=$2 bin=$3
  rm -f "$SOCKDIR/$ifc.sock"
  IFACES+=("$ifc")
  ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error "$bin" -f "$ifc" >"$TMP/$ifc.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 50); do [ -S "$SOCKDIR/$ifc.sock" ] && return 0; sleep 0.1; done
  fail "$bin did not create $SOCKDIR/$ifc.sock"
}

# tunnel_up NS IFACE KEYFILE PORT PEER_PUB PEER_ENDPOINT TUN4 TUN6 PEER4 PEER6
tunnel_up() {
  local ns=$1 ifc=$2 key=$3 port=$4 ppub=$5 pep=$6 t4=$7 t6=$8 p4=$9 p6=${10}
  ip netns exec "$ns" wg set "$ifc" private-key "$key" listen-port "$port" \
    peer "$ppub" endpoint "$pep" allowed-ips "$p4/32,$p6/128" || fail "wg set $ifc"
  ip -n "$ns" addr add "$t4/24" dev "$ifc"
  ip -n "$ns" addr add "$t6/64" dev "$ifc" nodad
  ip -n "$ns" link set "$ifc" up
}

genkeys() {  # genkeys NAME -> $TMP/NAME.key, $TMP/NAME.pub
  (umask 077; wg genkey >"$TMP/$1.key"); wg pubkey <"$TMP/$1.key" >"$TMP/$1.pub"
}

wait_ping() {  # wait_ping NS ADDR
  for _ in $(seq 30); do ip netns exec "$1" ping -c 1 -W 1 -q "$2" >/dev/null 2>&1 && return 0; done
  return 1
}

# iperf_mbps NS_CLIENT NS_SERVER SERVER_ADDR [extra client args] : prints receiver Mbit/s
iperf_mbps() {
  local c=$1 s=$2 addr=$3; shift 3
  ip netns exec "$s" iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
  local sp=$!
  PIDS+=($sp)
  sleep 0.3
  ip netns exec "$c" timeout 20 iperf3 -c "$addr" -p 5299 -t 3 -J "$@" >"$TMP/iperf.json" 2>/dev/null
  wait "$sp" 2>/dev/null
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["end"]; s=e.get("sum_received") or e.get("sum"); print(int(s["bits_per_second"]/1e6))' "$TMP/iperf.json" 2>/dev/null || echo 0
}
