#!/bin/bash
# Inside the VM (kernel WireGuard): router R and leaves A, B that know only R and share a LAN R
# cannot see. Asserts the agents pick the kernel backend, A and B become peers and go direct
# (endpoint, handshake, allowed IPs; R's counters do not grow with A->B traffic), `wirelink show`
# works; the LAN between A and B taken down: once A's agent is settled (255 s of uptime) and the
# direct handshake is stale, A keeps only B's link-local and pings flow through R; the LAN back:
# direct again; an agent restart loses at most one cycle of pings, and a clean stop removes the
# link-local address the agent added. About 6 minutes of protocol time.
set -euo pipefail
W=/tmp/wl
mkdir -p "$W/run-r" "$W/run-a" "$W/run-b"
export WIRELINK_CONFIG_PATH=$W
fail() { echo "FAIL: $*"; for f in "$W"/*.log; do echo "--- $f"; tail -n 20 "$f"; done; exit 1; }
say() { echo "== $*"; }

for n in r a b; do ip netns add "wlag-$n"; ip -n "wlag-$n" link set lo up; done
veth() {
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"; ip -n "$1" link set "$2" up
  ip -n "$4" addr add "$6" dev "$5"; ip -n "$4" link set "$5" up
}
veth wlag-r wlagra 172.31.1.1/24 wlag-a wlagar 172.31.1.2/24
veth wlag-r wlagrb 172.31.2.1/24 wlag-b wlagbr 172.31.2.2/24
veth wlag-a wlagab 172.31.3.1/24 wlag-b wlagba 172.31.3.2/24
ip netns exec wlag-r sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
for n in r a b; do (umask 077; wg genkey > "$W/$n.key"); wg pubkey < "$W/$n.key" > "$W/$n.pub"; done
pub() { cat "$W/$1.pub"; }
wgdev() {
  ip -n "wlag-$1" link add wg0 type wireguard
  ip netns exec "wlag-$1" wg set wg0 private-key "$W/$1.key" listen-port 51820
  ip -n "wlag-$1" addr add "$2" dev wg0
  ip -n "wlag-$1" link set wg0 up
}
wgdev r 10.77.0.1/24; wgdev a 10.77.0.2/24; wgdev b 10.77.0.3/24
ip netns exec wlag-r wg set wg0 peer "$(pub a)" allowed-ips 10.77.0.2/32 peer "$(pub b)" allowed-ips 10.77.0.3/32
ip netns exec wlag-a wg set wg0 peer "$(pub r)" allowed-ips 10.77.0.0/24 endpoint 172.31.1.1:51820
ip netns exec wlag-b wg set wg0 peer "$(pub r)" allowed-ips 10.77.0.0/24 endpoint 172.31.2.1:51820

# Every host is called wg0 here, so each gets its own control-socket directory.
agent() { ip netns exec "wlag-$1" env RUNTIME_DIRECTORY="$W/run-$1" wirelink --iface wg0 >>"$W/agent-$1.log" 2>&1 & eval "PID_$1=$!"; }
show() { ip netns exec "wlag-$1" env RUNTIME_DIRECTORY="$W/run-$1" wirelink show wg0 "${@:2}"; }

say "start R, then A and B"
T0=$SECONDS
agent r
for _ in $(seq 50); do show r >/dev/null 2>&1 && break; sleep 0.2; done
agent a; agent b
show r | grep -q "backend: kernel" || fail "R's agent does not use the kernel backend"
LL_A=$(wirelink derive-ll "$(pub a)")
for _ in $(seq 50); do ip -n wlag-a -6 addr show dev wg0 | grep -q "$LL_A/64" && break; sleep 0.2; done
ip -n wlag-a -6 addr show dev wg0 | grep -q "$LL_A/64" || fail "A's link-local not added over rtnetlink"

say "A and B go direct"
direct() {
  ip netns exec wlag-a wg show wg0 endpoints | grep "$(pub b)" | grep -q 172.31.3.2:51820 &&
  [ "$(ip netns exec wlag-a wg show wg0 latest-handshakes | awk -v k="$(pub b)" '$1 == k { print $2 }')" != 0 ] &&
  ip netns exec wlag-a wg show wg0 allowed-ips | grep "$(pub b)" | grep -q 10.77.0.3/32
}
ok=0
for i in $(seq 240); do if direct; then ok=1; break; fi; sleep 1; done
[ $ok = 1 ] || fail "A and B not direct after 240 s"
echo "   direct after $i s"
show a | tee "$W/show-a.txt"
grep -q "^interface: wg0" "$W/show-a.txt" && grep -q "$(pub a)" "$W/show-a.txt" || fail "show a is not A's agent"
grep "$(pub b)" "$W/show-a.txt" | grep -q "172.31.3.2:51820 .*healthy,alive" || fail "show a does not list B direct, healthy and alive"
rx() { ip netns exec wlag-r wg show wg0 transfer | awk -v k="$(pub a)" '$1 == k { print $2 }'; }
before=$(rx)
ip netns exec wlag-a ping -q -c 50 -i 0.05 -s 1000 -W 2 10.77.0.3 >/dev/null || fail "A->B pings"
after=$(rx)
echo "   R received $((after - before)) bytes from A during 50 KB of A->B pings"
[ $((after - before)) -lt 10000 ] || fail "A->B traffic went through R"
show a --json | grep -q '"backend":"kernel"' || fail "show --json"

say "take the LAN between A and B down: they fall back through R"
aips_b() { ip netns exec wlag-a wg show wg0 allowed-ips | awk -v k="$(pub b)" '$1 == k { $1 = ""; print }' | xargs; }
LL_B=$(wirelink derive-ll "$(pub b)")
ip -n wlag-a link set wlagab down; ip -n wlag-b link set wlagba down
TB=$SECONDS
fallen_back() { [ "$(aips_b)" = "$LL_B/128" ] && ip netns exec wlag-a ping -c 1 -W 2 10.77.0.3 >/dev/null; }
ok=0
for _ in $(seq 360); do if fallen_back; then ok=1; break; fi; sleep 1; done
[ $ok = 1 ] || fail "A did not fall back through R within 360 s (allowed IPs of B: $(aips_b))"
echo "   fell back $((SECONDS - TB)) s after the block ($((SECONDS - T0)) s after start)"
before=$(rx)
ip netns exec wlag-a ping -q -c 5 -i 0.2 -W 2 10.77.0.3 >/dev/null || fail "pings through R"
after=$(rx)
[ $((after - before)) -gt 0 ] || fail "fallback traffic did not pass R"

say "the LAN back: direct again"
ip -n wlag-a link set wlagab up; ip -n wlag-b link set wlagba up
TU=$SECONDS
ok=0
for _ in $(seq 120); do if direct; then ok=1; break; fi; sleep 1; done
[ $ok = 1 ] || fail "A and B not direct again within 120 s of the LAN coming back"
echo "   direct again $((SECONDS - TU)) s after the LAN came back"

say "restart A's agent while pinging B"
ip netns exec wlag-a ping -i 0.2 -c 60 -W 1 10.77.0.3 > "$W/ping.txt" 2>&1 &
PING=$!
sleep 2
kill -TERM "$PID_a"; wait "$PID_a" || fail "A's agent exit status on TERM"
ip -n wlag-a -6 addr show dev wg0 | grep -q "$LL_A" && fail "A's link-local left after a clean stop"
agent a
wait "$PING" || true
lost=$(awk '/packets transmitted/ { print $1 - $4 }' "$W/ping.txt")
echo "   pings lost across the restart: $lost of 60"
[ -n "$lost" ] && [ "$lost" -le 25 ] || fail "lost $lost pings across a restart"
for _ in $(seq 50); do show a >/dev/null 2>&1 && break; sleep 0.2; done
direct || fail "the restart disturbed the direct path"
kill -TERM "$PID_a" "$PID_b" "$PID_r"
wait || true
echo "PASS: three-host mesh on the kernel module"
