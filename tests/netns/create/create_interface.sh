#!/usr/bin/env bash
# The agent creates a missing interface: with no kernel WireGuard (this host) or Userspace=true
# it starts wirelink-wg, sets the key from PrivateKeyFile and port 51820, brings the link up,
# and runs on it. Without PrivateKeyFile it refuses with a clear error. A 0644 key is refused.
set -u
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for t in ip wg; do command -v $t >/dev/null || { echo "missing $t"; exit 77; }; done
BIN=${WL_BIN:?}
NS=wlcr-$$
IF=wlcr0
tmp=$(mktemp -d); AG=
cleanup() {
  [ -n "$AG" ] && kill "$AG" 2>/dev/null
  ip netns pids $NS 2>/dev/null | xargs -r kill 2>/dev/null
  sleep 0.3
  ip netns del $NS 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
ip netns add $NS; ip -n $NS link set lo up
export WIRELINK_CONFIG_PATH=$tmp
in_ns() { ip netns exec $NS "$@"; }

out=$(in_ns timeout 20 "$BIN/wirelink" --iface $IF 2>&1); rc=$?
check "missing interface without PrivateKeyFile exits 1" '[ $rc -eq 1 ]'
check "…and says how to fix it" 'echo "$out" | grep -q "set PrivateKeyFile"'

(umask 022; "$BIN/wirelink" genkey > "$tmp/bad.key")
out=$(in_ns timeout 20 "$BIN/wirelink" --iface $IF --private-key-file "$tmp/bad.key" 2>&1); rc=$?
check "group-readable key refused with status 2" '[ $rc -eq 2 ] && echo "$out" | grep -q "chmod 600"'
check "…and nothing was created" '! in_ns ip link show $IF >/dev/null 2>&1'

(umask 077; "$BIN/wirelink" genkey > "$tmp/wg.key")
pub=$("$BIN/wirelink" pubkey < "$tmp/wg.key")
ip netns exec $NS "$BIN/wirelink" --iface $IF --userspace --private-key-file "$tmp/wg.key" > "$tmp/agent.log" 2>&1 &
AG=$!
for _ in $(seq 100); do in_ns "$BIN/wirelink" show $IF --json >/dev/null 2>&1 && break; sleep 0.2; done
check "interface exists" 'in_ns ip link show $IF >/dev/null'
check "it is up" 'in_ns ip link show $IF | grep -q "UP"'
check "served by wirelink-wg over UAPI" '[ -S /var/run/wireguard/$IF.sock ]'
check "public key from PrivateKeyFile" '[ "$(in_ns wg show $IF public-key)" = "$pub" ]'
check "listen port 51820" '[ "$(in_ns wg show $IF listen-port)" = 51820 ]'
ll=$("$BIN/wirelink" derive-ll "$pub")
check "agent added its link-local" 'in_ns ip -6 addr show dev $IF | grep -q "$ll/64"'
check "agent answers show" 'in_ns "$BIN/wirelink" show $IF | grep -q "$pub"'
kill "$AG"; wait "$AG"; rc=$?; AG=; echo "agent exit status $rc"
check "agent stops cleanly" '[ $rc -eq 0 ]'
check "interface left in place for a restart" 'in_ns ip link show $IF >/dev/null'

# Without --userspace: the kernel here has no WireGuard ("Unknown device type"), so the agent
# falls back to wirelink-wg by itself.
in_ns ip link del $IF
for _ in $(seq 50); do [ -S /var/run/wireguard/$IF.sock ] || break; sleep 0.1; done
ip netns exec $NS "$BIN/wirelink" --iface $IF --private-key-file "$tmp/wg.key" > "$tmp/agent2.log" 2>&1 &
AG=$!
for _ in $(seq 100); do in_ns "$BIN/wirelink" show $IF --json >/dev/null 2>&1 && break; sleep 0.2; done
if in_ns ip link add wlcrprobe type wireguard 2>/dev/null; then
  in_ns ip link del wlcrprobe
  check "kernel link created" 'grep -q "created the interface (kernel)" "$tmp/agent2.log"'
else
  check "fell back to wirelink-wg" 'grep -q "created the interface (userspace)" "$tmp/agent2.log"'
fi
check "public key set again" '[ "$(in_ns wg show $IF public-key)" = "$pub" ]'
kill "$AG"; wait "$AG"; AG=
[ $fail -eq 0 ] || cat "$tmp/agent.log" "$tmp/agent2.log"
exit $fail
