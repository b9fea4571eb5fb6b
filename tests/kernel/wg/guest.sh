# Guest half of kernel_wg_interop (runs as root inside the VM).
# ns wlwgk: kernel WireGuard; ns wlwgu: wirelink-wg; joined by a veth.
set -euo pipefail
step() { echo "kernel_wg: $*"; }
ip netns add wlwgk
ip netns add wlwgu
ip link add wlwgk-v type veth peer name wlwgu-v
ip link set wlwgk-v netns wlwgk
ip link set wlwgu-v netns wlwgu
for ns in wlwgk wlwgu; do ip -n $ns link set lo up; done
ip -n wlwgk addr add 10.201.0.1/24 dev wlwgk-v
ip -n wlwgu addr add 10.201.0.2/24 dev wlwgu-v
ip -n wlwgk addr add fd00:201::1/64 dev wlwgk-v nodad
ip -n wlwgu addr add fd00:201::2/64 dev wlwgu-v nodad
ip -n wlwgk link set wlwgk-v up
ip -n wlwgu link set wlwgu-v up

umask 077
wg genkey >/tmp/k.key; wg pubkey </tmp/k.key >/tmp/k.pub
wg genkey >/tmp/u.key; wg pubkey </tmp/u.key >/tmp/u.pub

ip netns exec wlwgu env WG_PROCESS_FOREGROUND=1 wirelink-wg -f wlwgu0 >/tmp/wlwg.log 2>&1 &
WLPID=$!
for _ in $(seq 100); do [ -S /var/run/wireguard/wlwgu0.sock ] && break; sleep 0.1; done
[ -S /var/run/wireguard/wlwgu0.sock ] || { cat /tmp/wlwg.log; echo "kernel_wg: FAIL wirelink-wg did not start"; exit 1; }
step "wirelink-wg started"

ip -n wlwgk link add wlwgk0 type wireguard
ip netns exec wlwgk wg set wlwgk0 private-key /tmp/k.key listen-port 51820 \
  peer "$(cat /tmp/u.pub)" endpoint 10.201.0.2:51821 allowed-ips 10.202.0.2/32,fd00:202::2/128
ip netns exec wlwgu wg set wlwgu0 private-key /tmp/u.key listen-port 51821 \
  peer "$(cat /tmp/k.pub)" endpoint "[fd00:201::1]:51820" allowed-ips 10.202.0.1/32,fd00:202::1/128
ip -n wlwgk addr add 10.202.0.1/24 dev wlwgk0; ip -n wlwgk addr add fd00:202::1/64 dev wlwgk0 nodad
ip -n wlwgu addr add 10.202.0.2/24 dev wlwgu0; ip -n wlwgu addr add fd00:202::2/64 dev wlwgu0 nodad
ip -n wlwgk link set wlwgk0 up
ip -n wlwgu link set wlwgu0 up

ok=0
for _ in $(seq 20); do
  if ip netns exec wlwgu ping -c 1 -W 1 -q 10.202.0.1 >/dev/null 2>&1; then ok=1; break; fi
done
[ $ok = 1 ] || { cat /tmp/wlwg.log; ip netns exec wlwgk wg show; ip netns exec wlwgu wg show; echo "kernel_wg: FAIL no ping wirelink-wg -> kernel"; exit 1; }
step "handshake (outer IPv6) and IPv4 ping wirelink-wg -> kernel: ok"
ip netns exec wlwgk ping -c 3 -i 0.2 -W 2 -q 10.202.0.2 >/dev/null || { echo "kernel_wg: FAIL ping kernel -> wirelink-wg"; exit 1; }
ip netns exec wlwgk ping -6 -c 3 -i 0.2 -W 2 -q fd00:202::2 >/dev/null || { echo "kernel_wg: FAIL IPv6 ping kernel -> wirelink-wg"; exit 1; }
ip netns exec wlwgu ping -6 -c 3 -i 0.2 -W 2 -q -s 1300 fd00:202::1 >/dev/null || { echo "kernel_wg: FAIL IPv6 ping wirelink-wg -> kernel"; exit 1; }
step "ping v4 and v6 both ways: ok"

hk=$(ip netns exec wlwgk wg show wlwgk0 latest-handshakes | awk '{print $2}')
hu=$(ip netns exec wlwgu wg show wlwgu0 latest-handshakes | awk '{print $2}')
[ "$hk" -gt 0 ] && [ "$hu" -gt 0 ] || { echo "kernel_wg: FAIL handshake times k=$hk u=$hu"; exit 1; }
step "latest handshake on both sides: ok"

# Bulk TCP both ways (short: TCG is slow); both directions must carry data.
ip netns exec wlwgk iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
sleep 0.5
ip netns exec wlwgu iperf3 -c 10.202.0.1 -p 5299 -t 2 >/tmp/up.txt 2>&1 || { cat /tmp/up.txt; echo "kernel_wg: FAIL iperf3 up"; exit 1; }
ip netns exec wlwgk iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
sleep 0.5
ip netns exec wlwgu iperf3 -c 10.202.0.1 -p 5299 -t 2 -R >/tmp/down.txt 2>&1 || { cat /tmp/down.txt; echo "kernel_wg: FAIL iperf3 down"; exit 1; }
up=$(grep receiver /tmp/up.txt | awk '{print $(NF-2), $(NF-1)}')
down=$(grep receiver /tmp/down.txt | awk '{print $(NF-2), $(NF-1)}')
step "iperf3 wirelink-wg -> kernel: $up; kernel -> wirelink-wg: $down"
# (no /dev/fd in the guest: no process substitution)
set -- $(ip netns exec wlwgk wg show wlwgk0 transfer); krx=$2; ktx=$3
set -- $(ip netns exec wlwgu wg show wlwgu0 transfer); urx=$2; utx=$3
[ "$krx" -gt 1000000 ] && [ "$urx" -gt 1000000 ] || { echo "kernel_wg: FAIL too little traffic k rx=$krx u rx=$urx"; exit 1; }
step "transfer kernel rx=$krx tx=$ktx, wirelink-wg rx=$urx tx=$utx: ok"

kill $WLPID
for _ in $(seq 30); do kill -0 $WLPID 2>/dev/null || break; sleep 0.1; done
! kill -0 $WLPID 2>/dev/null || { echo "kernel_wg: FAIL wirelink-wg did not exit on SIGTERM"; exit 1; }
[ ! -e /var/run/wireguard/wlwgu0.sock ] || { echo "kernel_wg: FAIL socket left behind"; exit 1; }
step "SIGTERM: exited and removed its socket"
echo "kernel_wg: PASS"
