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
jout=$(JOURNAL_STREAM=8:12345 timeout 10 $WL --iface wlnoexist0 2>&1 >/dev/null)
check "journal lines carry priority prefixes" 'echo "$jout" | grep -qE "^<[0-7]>"'
check "journal lines carry no timestamps" '! echo "$jout" | grep -qE "[0-9]{2}:[0-9]{2}:[0-9]{2}"'
tout=$(timeout 10 $WL --iface wlnoexist0 2>&1 >/dev/null)
check "terminal lines carry timestamps" 'echo "$tout" | grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"'
exit $fail
