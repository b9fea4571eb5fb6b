#!/usr/bin/env bash
# The coordinator when its disk fills up: the database lives on a 1 MiB tmpfs (in a private
# mount namespace, so nothing is mounted on the host), the filler takes the rest. Registrations
# must fail with 500 {"code":"internal"} naming the cause, the server must keep running and keep
# serving what it already has (heartbeats of a registered peer with its token, /healthz), the
# failed registrations must leave no trace (no peer, no invite use), and once space is freed
# registrations work again. Label netns (root: `ip netns`, mount).
set -euo pipefail
[[ $EUID -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
for t in ip curl wg unshare mount; do command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }; done
if [[ -z ${WLCO_PRIVATE_MOUNTS:-} ]]; then
  WLCO_PRIVATE_MOUNTS=1 exec unshare -m --propagation private "$0" "$@"
fi
BIN=${WL_BIN:-build/bin}/wirelink-coordinator
[[ -x $BIN ]] || { echo "FAIL: $BIN not built"; exit 1; }

NS=wlco-full-$$
DIR=$(mktemp -d /tmp/wlco-full-XXXXXX)
SRV=
cleanup() {
  if [[ -n $SRV ]]; then kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; fi || true
  ip netns del "$NS" 2>/dev/null || true
  umount "$DIR/disk" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f $DIR/server.log ]] && tail -20 "$DIR/server.log"; exit 1; }
ip netns add "$NS"
ip -n "$NS" link set lo up
. "$(dirname "$0")/lib.sh"

mkdir "$DIR/disk"
mount -t tmpfs -o size=1m tmpfs "$DIR/disk"
DB=$DIR/disk/c.db
"$BIN" keygen --db "$DB" >/dev/null
INV=$("$BIN" invite create --uses 10 --ttl 1h --db "$DB")
ip netns exec "$NS" "$BIN" serve --listen 127.0.0.1:8787 --db "$DB" --log-level warn >"$DIR/server.log" 2>&1 &
SRV=$!
for _ in $(seq 100); do in_ns curl -fsS http://127.0.0.1:8787/readyz >/dev/null 2>&1 && break; sleep 0.1; done
metric() { in_ns curl -fsS http://127.0.0.1:8787/metrics | awk -v m="$1" '$1 == m { print $2 }'; }

P1=$(wg genkey); K1=$(wg pubkey <<<"$P1")
R=$(register "$P1" "$INV")
[[ $R == "200 "* ]] || fail "register before the disk filled: $R"
TOK=$(sed -E 's/.*"session_token":"([^"]+)".*/\1/' <<<"$R")

dd if=/dev/zero of="$DIR/disk/filler" bs=4k 2>/dev/null || true  # until ENOSPC
[[ $(df --output=avail "$DIR/disk" | tail -1 | tr -d ' ') -eq 0 ]] || fail "the tmpfs did not fill up"
for i in 1 2 3; do
  R=$(register "$(wg genkey)" "$INV")
  echo "   disk full, register $i: $R"
  [[ $R == "500 "*'"code":"internal"'*'full'* ]] || fail "register on a full disk answered: $R"
done
kill -0 "$SRV" || fail "the server died on a full disk"
in_ns curl -fsS http://127.0.0.1:8787/healthz >/dev/null || fail "/healthz failed on a full disk"
R=$(post /api/v1/heartbeat "{\"peer_id\":\"$K1\"}" "$TOK")
[[ $R == "200 "* || $R == "500 "*'"code":"internal"'* ]] || fail "heartbeat on a full disk: $R"
[[ $(metric wl_coord_peers) == 1 ]] || fail "failed registrations left peers: $(metric wl_coord_peers)"

rm -f "$DIR/disk/filler"
R=$(register "$(wg genkey)" "$INV")
[[ $R == "200 "* ]] || fail "register after space was freed: $R"
R=$(post /api/v1/heartbeat "{\"peer_id\":\"$K1\"}" "$TOK")
[[ $R == "200 "* ]] || fail "heartbeat of the first peer after space was freed: $R"
[[ $(metric wl_coord_peers) == 2 ]] || fail "peers after recovery: $(metric wl_coord_peers) (want 2)"
[[ $(metric wl_coord_invites_redeemed_total) == 2 ]] ||
  fail "invite uses after recovery: $(metric wl_coord_invites_redeemed_total) (want 2: failed ones must not count)"
echo "PASS: disk full -> 500 internal, nothing half-written, recovery once space is back"
