#!/usr/bin/env bash
# netns_netlink_rtnl: RouteClient and MnlSocket against the host's own rtnetlink, inside a
# private network namespace (prefix wlnl), on a veth link (the host may lack the dummy module). The WireGuard module is usually
# absent on the host: then link creation must give the distinct "Unknown device type" error.
set -uo pipefail
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: iproute2 missing"; exit 77; }
P=${WL_BIN:-$(dirname "$0")/../../../build/bin}/wl-netlink-probe
[[ -x $P ]] || { echo "SKIP: $P not built"; exit 77; }
ns=wlnl-rtnl-$$
ip netns add "$ns" || { echo "SKIP: cannot create a network namespace"; exit 77; }
trap 'ip netns del "$ns" 2>/dev/null' EXIT
in_ns() { ip netns exec "$ns" "$@"; }
failures=0
check() { local what=$1; shift; if "$@"; then echo "PASS: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi; }

in_ns ip link add dum0 type veth peer name dum1 || { echo "SKIP: no veth"; exit 77; }
out=$(in_ns "$P" link-add wgt0 2>&1); rc=$?
if [[ $rc == 0 ]]; then
  echo "host kernel has WireGuard: $out"
  check "link-list finds it" bash -c "ip netns exec $ns $P link-list | grep -qx wgt0"
  in_ns "$P" link-del wgt0
else
  check "no module: distinct wireguard_unavailable error ($out)" grep -q "error: wirelink.netlink:1 .*Unknown device type" <<<"$out"
fi
check "link up" in_ns "$P" link-set dum0 up
check "mtu" in_ns "$P" link-set dum0 mtu 1400
check "ip sees mtu 1400" bash -c "ip -n $ns link show dum0 | grep -q 'mtu 1400'"
check "fe80::1/64 noprefixroute" in_ns "$P" addr-add dum0 fe80::1/64 noprefixroute
check "addr-list shows it" bash -c "ip netns exec $ns $P addr-list dum0 | grep -qx 'fe80::1/64 noprefixroute'"
check "10.7.0.1/24" in_ns "$P" addr-add dum0 10.7.0.1/24
check "route with protocol 149" in_ns "$P" route-add dum0 10.8.0.0/16
check "route in table 1000" in_ns "$P" route-add dum0 fd20::/64 1000
in_ns ip route add 10.9.0.0/16 dev dum0
check "ip sees proto 149" bash -c "ip -n $ns route show proto 149 | grep -q '10.8.0.0/16 dev dum0'"
check "flush removes exactly ours" bash -c "ip netns exec $ns $P route-flush dum0 | grep -qx 'flushed 2'"
check "foreign route kept" bash -c "ip -n $ns route show | grep -q '10.9.0.0/16'"
in_ns "$P" watch dum0 20 >"/tmp/$ns.watch" 2>&1 &
w=$!
for _ in $(seq 50); do grep -q watching "/tmp/$ns.watch" && break; sleep 0.1; done
check "delete link" in_ns "$P" link-del dum0
wait $w; wrc=$?
check "watcher saw link-del" bash -c "[ $wrc = 0 ] && grep -q '^link-del dum0' /tmp/$ns.watch"
rm -f "/tmp/$ns.watch"
echo "failures: $failures"
[[ $failures == 0 ]]
