#!/bin/bash
# CoordinatorCAFile (issue 14, item 9): wirelink-coordinator serves HTTPS with a certificate
# from a private CA made here with openssl. An agent given that CA as CoordinatorCAFile
# registers (show: state registered, a token); an agent without it does not (the system store
# does not know the CA: state unreachable, a certificate error). An agent pointed at plain
# http:// on another host logs the cleartext warning once.
set -euo pipefail
NETNS_PREFIX=wladvt
. "$(dirname "$0")/../../netns/agent/lib.sh"
need openssl
COORD=$WL_BIN/wirelink-coordinator
[ -x "$COORD" ] || { echo "FAIL: $COORD not built"; exit 1; }

say "a private CA and a certificate for 127.0.0.1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=wladvt test CA" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>"$WORK/openssl.log" || fail "CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$WORK/tls.key" -out "$WORK/tls.csr" 2>>"$WORK/openssl.log" || fail "CSR"
printf 'subjectAltName=IP:127.0.0.1\n' > "$WORK/san.ext"
openssl x509 -req -in "$WORK/tls.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
  -days 2 -extfile "$WORK/san.ext" -out "$WORK/tls.pem" 2>>"$WORK/openssl.log" || fail "certificate"

add_ns wladvt-a
"$COORD" keygen --db "$WORK/c.db" > "$WORK/keygen" 2>"$WORK/keygen.log" || fail "keygen"
COORD_KEY=$(head -1 "$WORK/keygen")
(umask 077; "$COORD" invite create --uses 4 --ttl 1h --db "$WORK/c.db" > "$WORK/invite") || fail "invite"
ip netns exec wladvt-a "$COORD" serve --listen 127.0.0.1:8443 --db "$WORK/c.db" \
  --tls-cert "$WORK/tls.pem" --tls-key "$WORK/tls.key" >"$WORK/coord.log" 2>&1 &
DAEMON_PIDS+=("$!")
wait_for 20 "coordinator over https" ip netns exec wladvt-a openssl s_client -connect 127.0.0.1:8443 \
  -CAfile "$WORK/ca.pem" -verify_return_error -brief </dev/null

genkey one; genkey two; genkey three
wggo wladvt-a wladvt1 "$WORK/one.key" 51820 10.79.3.1/24
wggo wladvt-a wladvt2 "$WORK/two.key" 51830 10.79.4.1/24
wggo wladvt-a wladvt3 "$WORK/three.key" 51840 10.79.5.1/24
common=(--coordinator-public-key "$COORD_KEY" --invite-file "$WORK/invite")
start_agent wladvt-a wladvt1 --coordinator-url https://127.0.0.1:8443 --coordinator-ca-file "$WORK/ca.pem" "${common[@]}"
start_agent wladvt-a wladvt2 --coordinator-url https://127.0.0.1:8443 "${common[@]}"
# Nothing listens there: only the warning is looked at.
start_agent wladvt-a wladvt3 --coordinator-url http://192.0.2.1:8787 "${common[@]}"
state() { show wladvt-a "$1" --json | json_field 'd["coordinator"]["state"]'; }
registered() { state "$1" | grep -qx registered; }
tls_refused() { show wladvt-a "$1" --json | json_field 'd["coordinator"]["last_error"]' | grep -qiE 'certificate|SSL|TLS'; }

say "with CoordinatorCAFile: registered over https"
wait_for 30 "wladvt1 registered" registered wladvt1
show wladvt-a wladvt1 --json | json_field 'd["coordinator"]["has_token"]' | grep -qx True || fail "no token"

say "without it: the private CA is not trusted"
wait_for 30 "wladvt2 fails with a certificate error" tls_refused wladvt2
[ "$(state wladvt2)" != registered ] || fail "registered without the CA"

say "plain http:// to another host: one warning"
wait_for 10 "cleartext warning" grep -q "is plain http:// to another host" "$WORK/agent-wladvt3.log"
[ "$(grep -c "is plain http:// to another host" "$WORK/agent-wladvt3.log")" = 1 ] || fail "warned more than once"
! grep -q "plain http://" "$WORK/agent-wladvt1.log" || fail "warned for https"
echo "PASS"
