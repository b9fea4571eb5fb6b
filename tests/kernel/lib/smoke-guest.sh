# Guest half of kernel_harness_smoke: the harness boots, the module loads, wg talks to it.
set -euo pipefail
ip link add wg0 type wireguard
ip -d link show wg0 | grep -q 'wireguard'
umask 077
wg genkey >/tmp/key
wg set wg0 private-key /tmp/key listen-port 51820
ip link set wg0 up
[[ "$(wg show wg0 listen-port)" == 51820 ]]
[[ "$(wg show wg0 public-key)" == "$(wg pubkey </tmp/key)" ]]
ip link del wg0
! ip link show wg0 2>/dev/null
echo "smoke: ok"
