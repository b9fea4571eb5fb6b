#!/usr/bin/env bash
# Operator mistakes that used to turn into silent danger: an invite or token lifetime that
# overflows (never-expiring invites, expiries in 1734), an unknown log level that turned all
# logging off, a world-readable database used without a word. Each must be a usage error
# (exit 2) with a message naming the option, or a warning.
set -u
BIN=${WL_BIN:-${WL_BINARY_DIR:-build}/bin}/wirelink-coordinator
[ -x "$BIN" ] || { echo "FAIL: $BIN not built"; exit 1; }
dir=$(mktemp -d /tmp/wl-adv-cli.XXXXXX)
trap 'rm -rf "$dir"' EXIT
db=$dir/c.db
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# expect_usage <pattern> <args...>: exit 2 and stderr matching pattern.
expect_usage() {
  local pat=$1; shift
  local err rc
  err=$(timeout 10 "$BIN" "$@" 2>&1 >/dev/null); rc=$?
  [ "$rc" = 2 ] || bad "$* exited $rc, want 2 ($err)"
  grep -qiE -- "$pat" <<<"$err" || bad "$*: message '$err' does not match '$pat'"
}

timeout 10 "$BIN" keygen --db "$db" >/dev/null || { echo "FAIL: keygen"; exit 1; }

# Durations: overflow and bounds (invites <= 365d, tokens <= 30d).
expect_usage 'ttl.*maximum of 365d' invite create --ttl 10000000000 --db "$db"
expect_usage 'ttl.*maximum of 365d' invite create --ttl 106751d --db "$db"
expect_usage 'ttl.*maximum of 365d' invite create --ttl 99999999999999999999999s --db "$db"
expect_usage 'ttl.*maximum of 365d' invite create --ttl 366d --db "$db"
expect_usage 'ttl.*expected a duration' invite create --ttl 5y --db "$db"
expect_usage 'uses.*whole number' invite create --uses 1e99 --db "$db"
expect_usage 'token-ttl.*maximum of 30d' serve --token-ttl 106751d --db "$db"
expect_usage 'token-ttl.*maximum of 30d' serve --token-ttl 9223372036854775808 --db "$db"
expect_usage 'rotation.*maximum' serve --rotation 100000000000h --db "$db"
expect_usage 'match-wait.*maximum' serve --match-wait 1d --db "$db"
expect_usage 'peer-timeout.*maximum' serve --peer-timeout 18446744073709551616ms --db "$db"
expect_usage 'idle-timeout.*maximum' serve --idle-timeout 2h --db "$db"
expect_usage 'floor.*whole number' serve --floor nan --dev --db "$db"
expect_usage 'rate-ip.*number' serve --rate-ip inf --db "$db"
expect_usage 'max-connections.*whole number' serve --max-connections 0 --db "$db"
expect_usage 'max-streams.*whole number' serve --max-streams -1 --db "$db"
# The bounds themselves are accepted (an invite of exactly 365 days).
timeout 10 "$BIN" invite create --ttl 365d --db "$db" >/dev/null || bad "--ttl 365d refused"

# Log levels: any case; an unknown one lists the valid ones.
expect_usage 'unknown level .bogus.*trace, debug, info, warn, error' serve --log-level bogus --db "$db"
port_file=$dir/port
timeout 10 "$BIN" serve --listen 127.0.0.1:0 --port-file "$port_file" --db "$db" --log-level DEBUG \
  >"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
[ -s "$port_file" ] || bad "serve --log-level DEBUG did not start: $(cat "$dir/serve.log")"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
# DEBUG means debug, not "off": the startup lines were logged.
grep -q "listening on" "$dir/serve.log" || bad "--log-level DEBUG logged nothing"

# A database others may read: a clear warning, and the command still works.
chmod 0644 "$db"
err=$(timeout 10 "$BIN" pubkey --db "$db" 2>&1 >/dev/null) || bad "pubkey on a 0644 database failed"
grep -q "has mode 0644.*chmod 600" <<<"$err" || bad "no warning for a 0644 database: '$err'"
chmod 0600 "$db"
err=$(timeout 10 "$BIN" pubkey --db "$db" 2>&1 >/dev/null)
[ -z "$err" ] || bad "warning for a 0600 database: '$err'"

[ "$fail" = 0 ] && echo "PASS: coordinator CLI limits"
exit "$fail"
