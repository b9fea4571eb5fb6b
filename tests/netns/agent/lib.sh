# Shared helpers for the netns tests of the agent and of coordagent (sourced). Namespaces use
# the prefix NETNS_PREFIX ("wlag" unless the test sets another before sourcing this); it also
# names the lock and the work directory, so tests with different prefixes may run side by side.
# Interfaces get unique names because wireguard-go's UAPI sockets live in the shared
# /var/run/wireguard directory. A test may define on_fail to print more before fail's logs.

need() { command -v "$1" >/dev/null || { echo "SKIP: $1 missing"; exit 77; }; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
need ip; need wg; need wireguard-go; need ping

WL_BIN=${WL_BIN:?}
WIRELINK=$WL_BIN/wirelink
[ -x "$WIRELINK" ] || { echo "FAIL: $WIRELINK not built"; exit 1; }

# One test per prefix at a time (they share namespace and interface names).
NETNS_PREFIX=${NETNS_PREFIX:-wlag}
exec 9>"/tmp/$NETNS_PREFIX-netns.lock"
flock 9

WORK=$(mktemp -d "/tmp/$NETNS_PREFIX-test.XXXXXX")
NAMESPACES=()
AGENT_PIDS=()
DAEMON_PIDS=()

cleanup() {
  local pid ns
  for pid in "${AGENT_PIDS[@]}" "${DAEMON_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for ns in "${NAMESPACES[@]}"; do
    # Deleting the namespace removes its TUN devices; wireguard-go then exits.
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; if declare -F on_fail >/dev/null; then on_fail || true; fi; [ -n "${WLAG_HOLD:-}" ] && sleep "$WLAG_HOLD"; for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done; exit 1; }
say() { echo "== $*"; }

add_ns() {
  ip netns del "$1" 2>/dev/null || true
  ip netns add "$1"
  NAMESPACES+=("$1")
  ip -n "$1" link set lo up
}

# veth <ns1> <if1> <addr1/len> <ns2> <if2> <addr2/len>
veth() {
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"; ip -n "$1" link set "$2" up
  ip -n "$4" addr add "$6" dev "$5"; ip -n "$4" link set "$5" up
}

# uapidev <ns> <iface> <keyfile> <port> <overlay addr/len> <daemon>: starts a userspace
# WireGuard daemon (wireguard-go or wirelink-wg) for <iface> in <ns> and configures it through
# its UAPI socket.
uapidev() {
  local ns=$1 ifc=$2 key=$3 port=$4 addr=$5 daemon=$6
  rm -f "/var/run/wireguard/$ifc.sock"
  ip netns exec "$ns" "$daemon" "$ifc" >"$WORK/$(basename "$daemon")-$ifc.log" 2>&1 ||
    fail "$daemon $ifc"
  # The UAPI socket appears a moment after the daemon forks.
  local i
  for ((i = 0; i < 50; i++)); do
    ip netns exec "$ns" wg set "$ifc" private-key "$key" listen-port "$port" 2>/dev/null && break
    sleep 0.1
  done
  ip netns exec "$ns" wg show "$ifc" listen-port | grep -qx "$port" || fail "configuring $ifc"
  # The daemon outlives its namespace; remember it (it is the only process in there now).
  local p
  for p in $(ip netns pids "$ns"); do DAEMON_PIDS+=("$p"); done
  ip -n "$ns" addr add "$addr" dev "$ifc"
  ip -n "$ns" link set "$ifc" up
}
# wggo / wgusr <ns> <iface> <keyfile> <port> <overlay addr/len>: on wireguard-go / wirelink-wg
wggo() { uapidev "$@" wireguard-go; }
wgusr() {
  [ -x "$WL_BIN/wirelink-wg" ] || fail "$WL_BIN/wirelink-wg not built"
  uapidev "$@" "$WL_BIN/wirelink-wg"
}

# watchdog <seconds> <what>: fails the test after <seconds> (the EXIT trap cleans up), so it
# ends well before ctest's TIMEOUT. Call it from the test's main shell.
watchdog() {
  # shellcheck disable=SC2064 # the message is fixed now
  trap "WLAG_HOLD= fail '$2 watchdog ($1 s)'" TERM
  trap 'exit 1' INT
  # Its sleep must not outlive it: ctest waits for every holder of the test's output.
  (
    trap 'kill "$s" 2>/dev/null; exit 0' TERM
    sleep "$1" &
    s=$!
    wait "$s" && kill -TERM $$
  ) >/dev/null 2>&1 9>&- &
  AGENT_PIDS+=($!)
}

genkey() { (umask 077; wg genkey > "$WORK/$1.key"); wg pubkey < "$WORK/$1.key" > "$WORK/$1.pub"; }
pub() { cat "$WORK/$1.pub"; }

# start_agent <ns> <iface> [extra args...]: runs the agent with its control socket and config
# directory under $WORK; records its pid in AGENT_PID_<iface>.
start_agent() {
  local ns=$1 ifc=$2; shift 2
  mkdir -p "$WORK/run"
  ip netns exec "$ns" env RUNTIME_DIRECTORY="$WORK/run" WIRELINK_CONFIG_PATH="$WORK" \
    "$WIRELINK" --iface "$ifc" "$@" >>"$WORK/agent-$ifc.log" 2>&1 &
  local pid=$!
  AGENT_PIDS+=("$pid")
  eval "AGENT_PID_$ifc=$pid"
}

show() { local ns=$1; shift; ip netns exec "$ns" env RUNTIME_DIRECTORY="$WORK/run" "$WIRELINK" show "$@"; }

# wait_for <seconds> <description> <command...>: polls once a second.
wait_for() {
  local t=$1 what=$2; shift 2
  for ((i = 0; i < t; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  fail "timed out after ${t}s waiting for: $what"
}

json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
