#!/usr/bin/env bash
# The wirelink binary as a user runs it: exit codes, key helpers against `wg`, derive-ll,
# --dump-config and configuration errors (status 2, located message, nothing applied).
set -u
WL="${WL_BIN:?}/wirelink"
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export WIRELINK_CONFIG_PATH="$tmp"

check "version" '[[ "$($WL --version)" =~ ^wirelink\ [0-9]+\.[0-9]+\.[0-9]+$ ]]'
check "help exit 0" '$WL --help >/dev/null'
check "derive-ll reference vector" '[ "$($WL derive-ll 6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhE=)" = fe80::afec:ee83:716b:51ac ]'
check "derive-ll stdin" '[ "$(echo 6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhE= | $WL derive-ll)" = fe80::afec:ee83:716b:51ac ]'
$WL derive-ll not-a-key >/dev/null 2>&1; rc=$?
check "derive-ll bad key exits 2" '[ $rc -eq 2 ]'

# The agent's memory budget depends on what it maps: libcurl (and its TLS/GSSAPI/LDAP chain)
# only through the coordinator module, no libsystemd, no libcrypto.
libs=$(ldd "$WL")
check "agent does not link libcurl" '! echo "$libs" | grep -q libcurl'
check "agent does not link libsystemd" '! echo "$libs" | grep -q libsystemd'
check "agent does not link libcrypto" '! echo "$libs" | grep -q libcrypto'
check "coordinator module beside the agent links libcurl" 'ldd "$WL_BIN/../lib/wirelink/coordinator-link.so" | grep -q libcurl'

priv=$($WL genkey)
check "genkey is 44 chars" '[ ${#priv} -eq 44 ]'
check "genkey differs each run" '[ "$priv" != "$($WL genkey)" ]'
if command -v wg >/dev/null; then
  check "pubkey matches wg pubkey" '[ "$(echo "$priv" | $WL pubkey)" = "$(echo "$priv" | wg pubkey)" ]'
  wpriv=$(wg genkey)
  check "wg genkey accepted by pubkey" '[ "$(echo "$wpriv" | $WL pubkey)" = "$(echo "$wpriv" | wg pubkey)" ]'
fi
echo garbage | $WL pubkey >/dev/null 2>&1; rc=$?
check "pubkey garbage exits 1" '[ $rc -eq 1 ]'

echo '{"Port": 5555}' > "$tmp/wirelink.wg0.json"
out=$(WIRELINK_CHATTY=true $WL --dump-config --router)
check "dump-config file value" 'echo "$out" | grep -q "\"Port\": 5555"'
check "dump-config env source" 'echo "$out" | grep -q "\"Chatty\": \"env WIRELINK_CHATTY\""'
check "dump-config flag source" 'echo "$out" | grep -q "\"Router\": \"flag --router\""'

echo '{"Peers":[{"PublicKey":"6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhE=","AllowedIPs":["10.0.0.0/33"]}]}' > "$tmp/wirelink.wg0.json"
err=$($WL --dump-config 2>&1 >/dev/null); rc=$?
check "bad config exits 2" '[ $rc -eq 2 ]'
check "bad config names file and pointer" 'echo "$err" | grep -q "$tmp/wirelink.wg0.json: /Peers/0/AllowedIPs/0"'
$WL --no-such-flag >/dev/null 2>&1; rc=$?
check "unknown flag exits 2" '[ $rc -eq 2 ]'
$WL run extra-arg >/dev/null 2>&1; rc=$?
check "stray argument exits 2" '[ $rc -eq 2 ]'
rm -f "$tmp/wirelink.wg0.json"

# `wirelink reload` (ExecReload= in the units) asks the agent over its control socket and
# fails with the agent's reason; a broken file is the agent's to report, not the client's.
export RUNTIME_DIRECTORY="$tmp"
err=$($WL reload wlctl0 2>&1); rc=$?
check "reload without an agent exits 1" '[ $rc -eq 1 ] && echo "$err" | grep -q "is the agent for wlctl0 running"'
fake_agent() {  # answers one request on $tmp/wlctl0.sock with $1, saves the request
  python3 -c '
import os, socket, sys
p = sys.argv[1] + "/wlctl0.sock"
s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(1)
open(sys.argv[1] + "/ready", "w").close()
c, _ = s.accept(); req = c.recv(256); c.sendall(sys.argv[2].encode()); c.close()
open(sys.argv[1] + "/request", "wb").write(req); os.unlink(p)' "$tmp" "$1" &
  for _ in $(seq 100); do [ -e "$tmp/ready" ] && break; sleep 0.05; done
  rm -f "$tmp/ready"
}
if command -v python3 >/dev/null; then
  echo '{"Port": ' > "$tmp/wirelink.wlctl0.json"
  fake_agent $'error: not valid JSON (the old configuration stays)\n'
  err=$($WL reload --iface wlctl0 2>&1); rc=$?; wait
  check "reload refused exits 1" '[ $rc -eq 1 ]'
  check "reload refused says why" 'echo "$err" | grep -q "wlctl0: error: not valid JSON"'
  check "reload sends one reload line" '[ "$(cat "$tmp/request")" = reload ]'
  fake_agent $'ok: configuration reloaded from /x\n'
  out=$($WL reload wlctl0 2>&1); rc=$?; wait
  check "reload accepted exits 0" '[ $rc -eq 0 ] && echo "$out" | grep -q "ok: configuration reloaded"'
  rm -f "$tmp/wirelink.wlctl0.json"
fi
unset RUNTIME_DIRECTORY
jout=$(JOURNAL_STREAM=8:12345 timeout 10 $WL --iface wlnoexist0 2>&1 >/dev/null)
check "journal lines carry priority prefixes" 'echo "$jout" | grep -qE "^<[0-7]>"'
check "journal lines carry no timestamps" '! echo "$jout" | grep -qE "[0-9]{2}:[0-9]{2}:[0-9]{2}"'
tout=$(timeout 10 $WL --iface wlnoexist0 2>&1 >/dev/null)
check "terminal lines carry timestamps" 'echo "$tout" | grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"'
exit $fail
