# Shared helpers for the wirelink-wg adversarial tests: the netns helpers of tests/netns/wg,
# one namespace with one wirelink-wg per script, and misbehaving clients (uapi_client.py).
. "$(dirname "${BASH_SOURCE[0]}")/../../netns/wg/lib.sh"
CLIENT="$(dirname "${BASH_SOURCE[0]}")/uapi_client.py"

# one_daemon NS IFACE : a fresh namespace NS running wirelink-wg on IFACE; sets DPID and SOCK
one_daemon() {
  ip netns del "$1" 2>/dev/null; ip netns add "$1" || fail "netns add $1"; NSS+=("$1")
  start_daemon "$1" "$2" "$WLWG"
  DPID=${PIDS[-1]}
  SOCK=$SOCKDIR/$2.sock
}

# daemon_with_peers NS IFACE N : one_daemon, then a `wg setconf` of N peers
daemon_with_peers() {
  one_daemon "$1" "$2"
  many_peers "$3" "$TMP/peers.conf"
  ip netns exec "$1" timeout 60 wg setconf "$2" "$TMP/peers.conf" || fail "setconf of $3 peers"
}

# client NAME ARGS... : runs uapi_client.py on $SOCK in the background (killed on exit) and
# waits for its ready file $TMP/NAME.ready
client() {
  local name=$1; shift
  python3 "$CLIENT" "$SOCK" "$@" "$TMP/$name.ready" >"$TMP/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 50); do [ -e "$TMP/$name.ready" ] && return 0; sleep 0.1; done
  fail "client $name could not connect or send (the daemon does not accept or read)"
}

# show_promptly NS IFACE WHAT : `wg show` must finish within a generous bound (it hangs today)
show_promptly() {
  ip netns exec "$1" timeout 5 wg show "$2" >"$TMP/show.out" 2>&1 || fail "wg show $2 hung or failed with $3"
}

# cpu_seconds PID : user + system CPU time the process has used, in whole seconds
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) / hz }' "/proc/$1/stat"
}

# many_peers N FILE : a setconf file with N peers (random public keys, one /32 each)
many_peers() {
  python3 - "$1" >"$2" <<'PY'
import base64, os, sys
print("[Interface]\nListenPort = 0\n")
for i in range(int(sys.argv[1])):
    key = base64.b64encode(os.urandom(32)).decode()
    print(f"[Peer]\nPublicKey = {key}\nAllowedIPs = 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/32\n")
PY
}
