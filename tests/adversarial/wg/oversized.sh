#!/usr/bin/env bash
# A 64 MiB request that never ends is cut at the cap (16 MiB) after linear work: a set gets
# "errno=-90" (EMSGSIZE), a first line that never ends gets no reply, and either connection
# closes before the client got its 64 MiB out; the daemon's CPU time stays small (framing used
# to rescan the whole buffer on every read: minutes of CPU). Others are served afterwards.
. "$(dirname "$0")/lib.sh"
require_root_tools python3
N=wlaw-big
one_daemon "$N" wlawbig0
before=$(cpu_seconds "$DPID")
# flood OP : sends OP and 64 MiB; $TMP/flood.out gets "sent BYTES reply REPR"; it must stop
# short of 64 MiB
flood() {
  ip netns exec "$N" timeout 20 python3 "$CLIENT" "$SOCK" flood 64 "$1" >"$TMP/flood.out" ||
    fail "flood ($1) ran out of time"
  echo "$1: $(cat "$TMP/flood.out")"
  [ "$(awk '{ print $2 }' "$TMP/flood.out")" -lt $((64 << 20)) ] || fail "a 64 MiB request ($1) was read to its end"
}
flood 'set=1\n'
grep -qF "reply b'errno=-90\n\n'" "$TMP/flood.out" || fail "over-long set not answered errno=-90"
flood 'get'
grep -qF "reply b''" "$TMP/flood.out" || fail "an over-long first line got a reply"
used=$(( $(cpu_seconds "$DPID") - before ))
echo "CPU seconds for two 64 MiB floods: $used"
[ "$used" -le 3 ] || fail "cutting two oversized requests took $used CPU seconds"
show_promptly "$N" wlawbig0 "after oversized requests"
ok "64 MiB unterminated requests cut at the cap with small CPU cost"
echo "PASS oversized"
