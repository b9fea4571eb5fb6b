#!/usr/bin/env bash
# The release wirelink-coordinator in its own network namespace: register over HTTP (curl),
# kill -9, restart on the same database, and check that tokens, peers and the invite ledger
# survived. Label netns (needs root for `ip netns`).
set -euo pipefail
BIN=${WL_BIN:-build/bin}/wirelink-coordinator
[[ $EUID -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
for t in ip curl wg; do command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }; done
[[ -x $BIN ]] || { echo "FAIL: $BIN not built"; exit 1; }

NS=wlco-dur-$$
DIR=$(mktemp -d /tmp/wlco-XXXXXX)
SRV=
cleanup() {
  [[ -n $SRV ]] && kill -9 "$SRV" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
. "$(dirname "$0")/lib.sh"
fail() { echo "FAIL: $*"; exit 1; }

DB=$DIR/c.db
PUB=$("$BIN" keygen --db "$DB" | head -1)
[[ $PUB == k4.public.* ]] || fail "keygen printed '$PUB'"
INV=$("$BIN" invite create --uses 2 --ttl 1h --db "$DB")
[[ $INV == wlinv1.* ]] || fail "invite create printed '$INV'"

start() {
  # Not via in_ns: a backgrounded function is a subshell, and kill -9 must hit the server.
  ip netns exec "$NS" "$BIN" serve --listen 127.0.0.1:8787 --db "$DB" --log-level warn &
  SRV=$!
  for _ in $(seq 100); do
    in_ns curl -fsS http://127.0.0.1:8787/readyz >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "server did not become ready"
}

start
P1=$(wg genkey); P2=$(wg genkey); P3=$(wg genkey); K1=$(wg pubkey <<<"$P1")
R=$(register "$P1" "$INV")
[[ $R == "200 "* ]] || fail "register K1: $R"
TOK=$(sed -E 's/.*"session_token":"([^"]+)".*/\1/' <<<"$R")
R=$(register "$P2" "$INV")
[[ $R == "200 "* ]] || fail "register K2: $R"

[[ $(readlink /proc/$SRV/exe) == *wirelink-coordinator ]] || fail "pid $SRV is not the server"
kill -9 "$SRV"; wait "$SRV" 2>/dev/null || true; SRV=
in_ns curl -fsS -m 1 http://127.0.0.1:8787/healthz >/dev/null 2>&1 && fail "server still answering after kill -9"
start
R=$(post /api/v1/heartbeat "{\"peer_id\":\"$K1\"}" "$TOK")
[[ $R == "200 "* ]] || fail "heartbeat with pre-crash token: $R"
R=$(register "$P3" "$INV")
[[ $R == "403 "*'"code":"invite.exhausted"'* ]] || fail "ledger lost after kill -9: $R"
M=$(in_ns curl -fsS http://127.0.0.1:8787/metrics)
grep -q '^wl_coord_peers 2$' <<<"$M" || fail "peers lost: $(grep wl_coord_peers <<<"$M")"
[[ $("$BIN" pubkey --db "$DB") == "$PUB" ]] || fail "key ring changed"
echo "PASS: coordinator state survived kill -9 in $NS"
