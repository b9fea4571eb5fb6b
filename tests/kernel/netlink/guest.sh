# Guest half of kernel_netlink: wirelink's netlink clients (via wl-netlink-probe) against the
# real WireGuard module, each scenario compared with `wg` on the same kernel. Booted by
# run.sh with --no-load-modules so the first scenario sees a kernel without WireGuard.
set -u
P=wl-netlink-probe
failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
# expect_error <category:value> <what> <command...>: the command must fail with that code.
expect_error() {
  local want=$1 what=$2; shift 2
  local out
  if out=$("$@" 2>&1); then fail "$what (succeeded, wanted $want)"; return; fi
  if grep -q "error: $want" <<<"$out"; then pass "$what ($out)"; else fail "$what: got '$out', wanted $want"; fi
}
same() { # same <what> <fileA> <fileB>
  if diff -u "$2" "$3" >/tmp/diff.out; then pass "$1"; else fail "$1"; head -40 /tmp/diff.out; fi
}
cd /tmp
umask 077

echo "== no module: distinct errors for the userspace fallback"
expect_error "wirelink.netlink:1" "create link without module -> wireguard_unavailable" $P link-add wg0
expect_error "wirelink.netlink:2" "GET without module -> family_not_found" $P dump wg0
wl-load-modules || { echo "FAIL: module load"; exit 1; }

echo "== create link, full configuration round trip"
check "create wg0 with our RTM_NEWLINK" $P link-add wg0
check "ip sees kind wireguard" sh -c "ip -d link show wg0 | grep -q wireguard"
check "link-list lists wg0" sh -c "$P link-list | grep -qx wg0"
wg genkey >priv; wg genkey >psk1
pa=$(wg genkey | wg pubkey); pb=$(wg genkey | wg pubkey); pc=$(wg genkey | wg pubkey)
cat >conf1 <<CONF
[Interface]
PrivateKey = $(cat priv)
ListenPort = 51820
FwMark = 0x1234

[Peer]
PublicKey = $pa
PresharedKey = $(cat psk1)
Endpoint = 192.0.2.10:51820
PersistentKeepalive = 25
AllowedIPs = 10.0.0.1/32, 10.1.0.0/16

[Peer]
PublicKey = $pb
Endpoint = [2001:db8::1]:4000
AllowedIPs = fd00::/64, 10.2.0.0/24

[Peer]
PublicKey = $pc
CONF
check "our SET of conf1" $P setconf wg0 conf1
$P canon conf1 >want1
wg showconf wg0 | $P canon - >got1
same "wg showconf shows exactly what we SET" want1 got1
wg showconf wg0 >wgshow; $P showconf wg0 >ourshow
same "our GET prints exactly wg showconf" wgshow ourshow
wg show wg0 dump >wgdump; $P dump wg0 >ourdump
same "our GET equals wg show dump" wgdump ourdump
# The other direction: configure with wg, read with ours.
sed -e 's/ListenPort = 51820/ListenPort = 40000/' -e 's/FwMark = 0x1234/FwMark = 0x99/' -e 's#10.2.0.0/24#10.3.0.0/24, 10.4.0.0/24#' conf1 >conf2
wg setconf wg0 conf2
$P canon conf2 >want2
$P showconf wg0 | $P canon - >got2
same "wg setconf, our GET: equal" want2 got2

echo "== splitting"
for shape in "1 5000" "2000 2" "40 52"; do
  set -- $shape
  wg set wg0 fwmark 0  # setconf leaves an unset FwMark alone
  $P gen-conf "$1" "$2" >big.conf
  if $P setconf wg0 big.conf; then
    $P canon big.conf >wantbig
    wg showconf wg0 | $P canon - >gotbig
    same "split SET $1 peers x $2 IPs round trip" wantbig gotbig
    wg show wg0 dump >wgdump; $P dump wg0 >ourdump
    same "split GET $1 peers x $2 IPs equals wg show dump" wgdump ourdump
  else
    fail "split SET $1 x $2"
  fi
done

echo "== peer operations"
wg setconf wg0 conf1
check "remove a peer" $P set wg0 peer "$pc" remove
check "peer is gone" sh -c "! wg show wg0 peers | grep -qx '$pc'"
check "replace allowed IPs" $P set wg0 peer "$pa" replace-allowed-ips allowed-ips 10.9.0.0/24,10.10.0.0/24
check "only the new IPs" sh -c "[ \"\$(wg show wg0 allowed-ips | grep '$pa' | cut -f2)\" = '10.9.0.0/24 10.10.0.0/24' ]"
pn=$(wg genkey | wg pubkey)
check "update-only on a missing peer succeeds" $P set wg0 peer "$pn" update-only allowed-ips 10.77.0.1/32
check "and creates nothing" sh -c "! wg show wg0 peers | grep -qx '$pn'"
out=$($P set wg0 peer "$pa" allowed-ips -10.9.0.0/24 2>&1); rc=$?
echo "$out"
check "remove a single allowed IP" [ $rc = 0 ]
check "only that IP is gone" sh -c "[ \"\$(wg show wg0 allowed-ips | grep '$pa' | cut -f2)\" = '10.10.0.0/24' ]"
kmaj=$(uname -r | cut -d. -f1); kmin=$(uname -r | cut -d. -f2)
if [ "$kmaj" -gt 6 ] || { [ "$kmaj" = 6 ] && [ "$kmin" -ge 16 ]; }; then want=supported; else want=unsupported; fi
check "removal probe says $want on $(uname -r)" grep -q "allowed-ip-removal=$want" <<<"$out"
check "other peer untouched" sh -c "[ \"\$(wg show wg0 allowed-ips | grep '$pb' | cut -f2)\" = 'fd00::/64 10.2.0.0/24' ]"
wg genkey >priv2
pub2=$(wg pubkey <priv2)
wg set wg0 peer "$pub2" allowed-ips 10.88.0.1/32
check "private-key change" $P set wg0 private-key priv2
check "public key follows" [ "$(wg show wg0 public-key)" = "$pub2" ]
check "the peer with our new public key is dropped" sh -c "! wg show wg0 peers | grep -qx '$pub2'"

echo "== errors change nothing"
wg showconf wg0 >before
expect_error "generic:19" "GET on a missing interface -> ENODEV" $P dump wg9
expect_error "generic:19" "SET on a missing interface -> ENODEV" $P set wg9 listen-port 1
ip link add dummy0 type dummy
expect_error "generic:95" "GET on a non-wireguard link -> EOPNOTSUPP" $P dump dummy0
expect_error "generic:95" "SET on a non-wireguard link -> EOPNOTSUPP" $P set dummy0 listen-port 1
expect_error "generic:17" "create an existing link -> EEXIST" $P link-add wg0
# A bad attribute the kernel rejects: private-key file with a malformed key is ours to refuse;
# the kernel's own policy check: an allowed-IP flags attribute on a pre-6.16 kernel.
if [ "$want" = unsupported ]; then
  expect_error "generic:22" "allowed-IP flag on $(uname -r) -> EINVAL" $P set wg0 peer "$pa" allowed-ips -10.10.0.0/24 force-flags 2>/dev/null || true
fi
wg showconf wg0 >after
same "nothing changed after the errors" before after
ip link add wg1 type wireguard
wg set wg1 listen-port 41000
ip link set wg1 up; ip link set wg0 up
expect_error "generic:98" "port in use -> EADDRINUSE" $P set wg0 listen-port 41000
ip link del wg1

echo "== dump while another process modifies the device"
$P gen-conf 1000 2 >race.conf
$P setconf wg0 race.conf
churn=$(wg genkey | wg pubkey)
( end=$(( $(date +%s) + 60 )); while [ "$(date +%s)" -lt "$end" ] && [ ! -e /tmp/race.done ]; do
    wg set wg0 peer "$churn" allowed-ips 10.250.0.1/32,10.250.0.2/32
    wg set wg0 peer "$churn" remove
    sleep 0.02  # leave the dumper a chance: every SET restarts a running dump
  done ) &
churner=$!
out=$($P dump-check wg0 20 2 2>&1); rc=$?
touch /tmp/race.done; wait $churner
echo "$out"
check "every dump consistent under concurrent SETs" [ $rc = 0 ]

echo "== links, addresses, routes, events"
ip link set wg0 down
$P watch wg0 60 >watch.log 2>&1 &
watcher=$!
for _ in $(seq 50); do grep -q watching watch.log && break; sleep 0.1; done
check "set up" $P link-set wg0 up
check "ip sees UP" sh -c "ip link show wg0 | grep -q ',UP'"
check "set MTU" $P link-set wg0 mtu 1380
check "ip sees mtu 1380" sh -c "ip link show wg0 | grep -q 'mtu 1380'"
check "add fe80::1/64 noprefixroute" $P addr-add wg0 fe80::1/64 noprefixroute
check "no fe80::/64 prefix route" sh -c "! ip -6 route show dev wg0 | grep -q '^fe80::/64'"
check "addr-list shows the flag" sh -c "$P addr-list wg0 | grep -qx 'fe80::1/64 noprefixroute'"
check "ip shows noprefixroute" sh -c "ip -6 addr show dev wg0 | grep 'fe80::1/64' | grep -q noprefixroute"
check "add fe80::2/64 with prefix route" $P addr-add wg0 fe80::2/64
check "fe80::/64 prefix route appears" sh -c "ip -6 route show dev wg0 | grep -q '^fe80::/64'"
check "add 10.50.0.1/24" $P addr-add wg0 10.50.0.1/24
check "del fe80::2/64" $P addr-del wg0 fe80::2/64
check "route with our protocol" $P route-add wg0 10.60.0.0/16
check "route in table 51820" $P route-add wg0 fd10::/64 51820
check "ip sees proto 149" sh -c "ip route show proto 149 | grep -q '10.60.0.0/16 dev wg0'"
check "ip sees table 51820" sh -c "ip -6 route show table 51820 proto 149 | grep -q 'fd10::/64 dev wg0'"
expect_error "generic:17" "adding the same route again -> EEXIST" $P route-add wg0 10.60.0.0/16
ip route add 10.61.0.0/16 dev wg0
check "route-list lists only ours" sh -c "[ \"\$($P route-list wg0 | sort | tr '\n' ' ')\" = 'fd10::/64 table 51820 10.60.0.0/16 table 254 ' ] || [ \"\$($P route-list wg0 | sort | tr '\n' ' ')\" = '10.60.0.0/16 table 254 fd10::/64 table 51820 ' ]"
check "flush removes only ours" sh -c "$P route-flush wg0 | grep -qx 'flushed 2'"
check "foreign route survives" sh -c "ip route show dev wg0 | grep -q '10.61.0.0/16'"
check "our routes are gone" sh -c "[ -z \"\$(ip route show proto 149; ip -6 route show table 51820 proto 149)\" ]"
check "delete link with our RTM_DELLINK" $P link-del wg0
wait $watcher; wrc=$?
cat watch.log
check "watcher saw the deletion and exited" [ $wrc = 0 ]
check "link-new up event seen" grep -q '^link-new wg0 .* up=1' watch.log
check "address event seen" grep -q '^addr-new .* fe80::1/64' watch.log
check "link-del event seen" grep -q '^link-del wg0' watch.log

echo "== summary: $failures failure(s)"
[ $failures = 0 ]
