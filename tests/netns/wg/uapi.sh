#!/usr/bin/env bash
# UAPI parity with wireguard-go: `wg setconf` + `wg showconf` round trip on both daemons with
# the same file, raw protocol requests (valid and invalid) answered byte-for-byte like
# wireguard-go, partial application up to a failing line, and `wg set` errors (port in use).
. "$(dirname "$0")/lib.sh"
require_root_tools wireguard-go python3
N=wlwg-u
ip netns del "$N" 2>/dev/null; ip netns add "$N" || fail "netns"; NSS+=("$N"); ip -n "$N" link set lo up
start_daemon "$N" wlwgu0 "$WLWG"
start_daemon "$N" wlwgu1 wireguard-go
for k in dev p1 p2 p3; do genkeys $k; done
psk=$(wg genpsk)
cat >"$TMP/conf" <<CONF
[Interface]
ListenPort = 51901
FwMark = 0x1234
PrivateKey = $(cat "$TMP/dev.key")

[Peer]
PublicKey = $(cat "$TMP/p1.pub")
PresharedKey = $psk
AllowedIPs = 10.9.0.0/16, 10.10.1.1/32, fd00:9::/64
Endpoint = 192.0.2.7:51820
PersistentKeepalive = 25

[Peer]
PublicKey = $(cat "$TMP/p2.pub")
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = [2001:db8::5]:4500

[Peer]
PublicKey = $(cat "$TMP/p3.pub")
AllowedIPs = 10.11.12.0/24
CONF
norm() {  # sort AllowedIPs within a line and [Peer] sections (wireguard-go's order is random)
  python3 -c '
import sys
text = sys.stdin.read().strip("\n")
sections = []
for block in text.split("\n\n"):
    lines = []
    for line in block.split("\n"):
        if line.startswith("AllowedIPs = "):
            line = "AllowedIPs = " + ", ".join(sorted(line[13:].split(", ")))
        lines.append(line)
    sections.append("\n".join(lines))
print("\n\n".join(sections[:1] + sorted(sections[1:])))'
}
ip netns exec "$N" wg setconf wlwgu0 "$TMP/conf" || fail "setconf on wirelink-wg"
sed 's/51901/51902/' "$TMP/conf" >"$TMP/conf1"
ip netns exec "$N" wg setconf wlwgu1 "$TMP/conf1" || fail "setconf on wireguard-go"
ip netns exec "$N" wg showconf wlwgu0 | norm >"$TMP/show0"
ip netns exec "$N" wg showconf wlwgu1 | norm | sed 's/51902/51901/' >"$TMP/show1"
norm <"$TMP/conf" >"$TMP/want"
diff -u "$TMP/show1" "$TMP/show0" || fail "showconf differs from wireguard-go's"
diff -u "$TMP/want" "$TMP/show0" || fail "showconf differs from the file given to setconf"
ok "setconf/showconf round trip identical to wireguard-go and to the input"
[ "$(ip netns exec "$N" wg show wlwgu0 public-key)" = "$(cat "$TMP/dev.pub")" ] || fail "public key"
ok "wg show derives the public key"
marks=$(ip netns exec "$N" ss -uapne 2>/dev/null | grep ':51901 ' | grep -c 'fwmark:0x1234')
[ "$marks" = 2 ] || { ip netns exec "$N" ss -uapne 2>/dev/null; fail "fwmark not on both UDP sockets ($marks)"; }
ok "fwmark 0x1234 set on the IPv4 and IPv6 sockets"

# Raw requests: replies (and the state they leave) must match wireguard-go's.
cat >"$TMP/uapi.py" <<'PY'
import socket, sys
def ask(path, req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(path)
    s.sendall(req)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
            if out.endswith(b"\n\n"):
                break
    except socket.timeout:
        out += b"<timeout>"
    s.close()
    return out
ours, theirs, pub = sys.argv[1], sys.argv[2], sys.argv[3].encode()
cases = [
    b"set=1\nbogus_key=1\n\n",
    b"set=1\nthis line has no equals\n\n",
    b"set=1\nprivate_key=zz\n\n",
    b"set=1\nprivate_key=" + b"a" * 63 + b"\n\n",
    b"set=1\nlisten_port=70000\n\n",
    b"set=1\nlisten_port=-1\n\n",
    b"set=1\nfwmark=abc\n\n",
    b"set=1\nreplace_peers=yes\n\n",
    b"set=1\npersistent_keepalive_interval=5\n\n",
    b"set=1\npublic_key=" + pub + b"\nendpoint=not-an-endpoint\n\n",
    b"set=1\npublic_key=" + pub + b"\nprotocol_version=2\n\n",
    b"set=1\npublic_key=" + pub + b"\nremove=false\n\n",
    b"set=1\npublic_key=" + pub + b"\nupdate_only=1\n\n",
    b"set=1\npublic_key=" + pub + b"\nallowed_ip=10.0.0.0/33\n\n",
    b"set=1\npublic_key=" + pub + b"\nallowed_ip=10.0.0.1\n\n",
    b"set=1\npublic_key=" + pub + b"\npersistent_keepalive_interval=65536\n\n",
    b"set=1\npublic_key=" + pub + b"\nbogus=1\n\n",
    b"set=1\npublic_key=" + pub + b"\nprotocol_version=1\npersistent_keepalive_interval=0\n\n",
    b"set=1\n\n",
    b"nonsense=1\n\n",
]
bad = 0
for c in cases:
    a, b = ask(ours, c), ask(theirs, c)
    same = a == b
    print(("same " if same else "DIFF ") + repr(c[:60]) + " -> " + repr(a) + ("" if same else " vs wireguard-go " + repr(b)))
    bad += not same
# Partial application: the same request with a port each (both run in one namespace).
a = ask(ours, b"set=1\nlisten_port=51977\nbogus=1\n\n")
b = ask(theirs, b"set=1\nlisten_port=51978\nbogus=1\n\n")
print(("same " if a == b else "DIFF ") + "listen_port then bogus -> " + repr(a) + " / " + repr(b))
bad += a != b
# get: identical apart from the device's own values; compare the errno line.
a, b = ask(ours, b"get=1\n\n"), ask(theirs, b"get=1\n\n")
ok = a.endswith(b"errno=0\n\n") and b.endswith(b"errno=0\n\n")
print(("same " if ok else "DIFF ") + "get errno")
bad += not ok
sys.exit(1 if bad else 0)
PY
p3hex=$(python3 -c 'import base64,sys; print(base64.b64decode(sys.argv[1]).hex())' "$(cat "$TMP/p3.pub")")
ip netns exec "$N" python3 "$TMP/uapi.py" "$SOCKDIR/wlwgu0.sock" "$SOCKDIR/wlwgu1.sock" "$p3hex" >"$TMP/uapi.out" 2>&1
rc=$?
cat "$TMP/uapi.out"
[ $rc = 0 ] || fail "raw UAPI replies differ from wireguard-go"
ok "raw UAPI replies identical to wireguard-go for $(grep -c '^same' "$TMP/uapi.out") requests"
# Not transactional: the line before the failing one stayed applied in both.
[ "$(ip netns exec "$N" wg show wlwgu0 listen-port)" = 51977 ] || fail "partial apply (ours)"
[ "$(ip netns exec "$N" wg show wlwgu1 listen-port)" = 51977 ] || true  # wireguard-go binds only when up
ok "partial application up to the failing line"

# A peer with the interface's own public key is ignored by both.
ip netns exec "$N" wg set wlwgu0 peer "$(cat "$TMP/dev.pub")" allowed-ips 10.99.0.0/16 || fail "own-key peer (ours)"
ip netns exec "$N" wg set wlwgu1 peer "$(cat "$TMP/dev.pub")" allowed-ips 10.99.0.0/16 || fail "own-key peer (wireguard-go)"
n0=$(ip netns exec "$N" wg show wlwgu0 peers | grep -c "$(cat "$TMP/dev.pub")")
n1=$(ip netns exec "$N" wg show wlwgu1 peers | grep -c "$(cat "$TMP/dev.pub")")
[ "$n0" = 0 ] && [ "$n1" = 0 ] || fail "own-key peer added (ours $n0, wireguard-go $n1)"
ok "a peer with the interface's own key is ignored, as by wireguard-go"

# `wg set` with a port already taken: same exit status and message as wireguard-go.
ip netns exec "$N" wg set wlwgu0 listen-port 51990 || fail "set port"
ip netns exec "$N" python3 -c 'import socket,time,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",51991)); open(sys.argv[1],"w").close(); time.sleep(20)' "$TMP/bound" &
PIDS+=($!)
for _ in $(seq 50); do [ -e "$TMP/bound" ] && break; sleep 0.1; done
ip -n "$N" link set wlwgu1 up; ip -n "$N" link set wlwgu0 up
ip netns exec "$N" wg set wlwgu0 listen-port 51991 2>"$TMP/e0"; r0=$?
ip netns exec "$N" wg set wlwgu1 listen-port 51991 2>"$TMP/e1"; r1=$?
sed -i 's/wlwgu1/IFACE/' "$TMP/e1"; sed -i 's/wlwgu0/IFACE/' "$TMP/e0"
echo "wirelink-wg: rc=$r0 $(cat "$TMP/e0")"; echo "wireguard-go: rc=$r1 $(cat "$TMP/e1")"
[ "$r0" != 0 ] && [ "$r0" = "$r1" ] && diff -q "$TMP/e0" "$TMP/e1" >/dev/null || fail "wg set error differs from wireguard-go"
ok "wg set listen-port in use: same error as wireguard-go"
echo "PASS uapi"
